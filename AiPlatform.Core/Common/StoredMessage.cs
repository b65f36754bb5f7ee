using System.Globalization;
using System.Text.Json;

namespace AiPlatform.Core.Common;

/// <summary>
/// A failure a record keeps to show later: the English text (the API, logs, old clients) and the UI resource that says
/// it in the user's language with its placeholders (a JSON array of strings). Arguments never hold an internal address,
/// a file path or a secret: such details stay in the English text or the log.
/// </summary>
public sealed record StoredMessage(string Text, string? Key, string? Arguments)
{
    /// <summary>The longest resource name the stores keep.</summary>
    public const int MaxKeyLength = 200;

    public static StoredMessage Of(string text, string key, params object?[] arguments) =>
        new(text, key, Json(arguments));

    /// <summary>The arguments as the stores keep them: a JSON array of invariant strings.</summary>
    public static string Json(IEnumerable<object?> arguments) =>
        JsonSerializer.Serialize(arguments.Select(a => Convert.ToString(a, CultureInfo.InvariantCulture) ?? string.Empty).ToArray());

    /// <summary>
    /// What an exception says: its resource where it is a <see cref="PlatformException"/> with one (or carries one),
    /// else <paramref name="fallbackKey"/> with the English message as its one argument (none where
    /// <paramref name="textAsArgument"/> is false: the message may name an internal address or path).
    /// </summary>
    public static StoredMessage From(Exception e, string text, string fallbackKey, bool textAsArgument = true) => e switch
    {
        PlatformException { MessageKey: { } key } p => new(text, key, Json(p.MessageArguments)),
        ILocalizedFailure { MessageKey: { } key } l => new(text, key, Json(l.MessageArguments)),
        _ => textAsArgument ? Of(text, fallbackKey, text) : Of(text, fallbackKey),
    };
}

/// <summary>An exception that says its reason by a UI resource too.</summary>
public interface ILocalizedFailure
{
    string? MessageKey { get; }

    IReadOnlyList<object> MessageArguments { get; }
}
