namespace AiPlatform.Core.Knowledge;

/// <summary>
/// Why a document failed: the English <paramref name="Message"/> (logs, the API) and the UI resource
/// <paramref name="Key"/> with its <paramref name="Arguments"/>, so pages say it in the user's language.
/// </summary>
public sealed record DocumentFailure(string Message, string Key, params string[] Arguments);
