using AiPlatform.Core.Common;

namespace AiPlatform.Core.Access;

/// <summary>The caller may see the object (or the feature) but not do this to it.</summary>
public sealed class ForbiddenException(string message) : PlatformException("forbidden", message);
