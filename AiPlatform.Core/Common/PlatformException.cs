namespace AiPlatform.Core.Common;

/// <summary>
/// Base of the errors a user can cause or fix. <see cref="Code"/> is stable: it becomes the
/// problem-details <c>type</c> of the API and selects the localized message in the UI.
/// </summary>
public abstract class PlatformException(string code, string message) : Exception(message)
{
    public string Code { get; } = code;
}
