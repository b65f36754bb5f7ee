using AiPlatform.Core.Common;

namespace AiPlatform.Core.Storage;

public sealed class ObjectNotFoundException(ObjectKey key) : PlatformException("not-found", $"Object '{key}' was not found.")
{
    public ObjectKey Key { get; } = key;
}
