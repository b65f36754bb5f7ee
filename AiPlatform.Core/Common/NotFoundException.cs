namespace AiPlatform.Core.Common;

/// <summary>The object does not exist, or the caller may not know that it does.</summary>
public sealed class NotFoundException(string objectType, object id)
    : PlatformException("not-found", $"{objectType} '{id}' was not found.")
{
    public string ObjectType { get; } = objectType;
}
