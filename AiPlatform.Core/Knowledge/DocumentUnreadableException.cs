namespace AiPlatform.Core.Knowledge;

/// <summary>
/// The document could not be read (corrupt, encrypted, unsupported); the message says why, and <see cref="Key"/> with
/// <see cref="Arguments"/> says it in the user's language (a UI resource).
/// </summary>
public sealed class DocumentUnreadableException(string message, string key, params string[] arguments) : Exception(message)
{
    public string Key { get; } = key;

    public IReadOnlyList<string> Arguments { get; } = arguments;

    public DocumentFailure ToFailure() => new(Message, Key, [.. Arguments]);
}
