namespace AiPlatform.Core.Common;

/// <summary>An object with this name (or key) exists already.</summary>
public sealed class AlreadyExistsException(string message) : PlatformException("already-exists", message);
