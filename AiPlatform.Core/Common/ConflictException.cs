namespace AiPlatform.Core.Common;

/// <summary>The request is valid but clashes with the object's current state.</summary>
public sealed class ConflictException(string message) : PlatformException("conflict", message);
