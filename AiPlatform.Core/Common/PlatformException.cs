namespace AiPlatform.Core.Common;

/// <summary>
/// Base of the errors a user can cause or fix. <see cref="Code"/> is stable: it becomes the
/// problem-details <c>type</c> of the API and selects the localized message in the UI.
/// </summary>
public abstract class PlatformException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;

    /// <summary>
    /// Optional name of a UI resource that says what <see cref="Exception.Message"/> says, in the user's language, with
    /// <see cref="MessageArguments"/> as its placeholders. Without it the UI shows the English message.
    /// </summary>
    public string? MessageKey { get; init; }

    public IReadOnlyList<object> MessageArguments { get; init; } = [];
}
