namespace AiPlatform.Core.Knowledge;

/// <summary>The document could not be read (corrupt, encrypted, unsupported); the message says why.</summary>
public sealed class DocumentUnreadableException(string message) : Exception(message);
