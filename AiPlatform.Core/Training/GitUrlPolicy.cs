using AiPlatform.Core.Common;

namespace AiPlatform.Core.Training;

/// <summary>
/// Which Git URLs training code may be cloned from: <c>https://host/…</c>; <c>http://</c> only with
/// <see cref="TrainingSettings.AllowHttpGitUrls"/>; <c>file://</c> URLs and local paths only with
/// <see cref="TrainingSettings.AllowLocalGitUrls"/>. Refused always: <c>ssh://</c>, <c>git://</c>, scp-like
/// <c>user@host:path</c>, transport helpers (<c>ext::</c>, <c>fd::</c>), credentials in the URL, and anything git could
/// read differently from .NET (backslashes, white space, control characters). Checked at submit and again before the
/// clone; the host is checked by the outbound policy when the clone runs.
/// </summary>
public static class GitUrlPolicy
{
    /// <summary>The problem code of a refused Git URL (<c>urn:aiplatform:problem:git-url-not-allowed</c>, a 400).</summary>
    public const string RefusedCode = "git-url-not-allowed";

    /// <summary>The git protocols a clone may use under <paramref name="settings"/> (for <c>GIT_ALLOW_PROTOCOL</c>).</summary>
    public static IReadOnlyList<string> AllowedProtocols(TrainingSettings settings) =>
        [
            "https",
            .. settings.AllowHttpGitUrls ? ["http"] : Array.Empty<string>(),
            .. settings.AllowLocalGitUrls ? ["file"] : Array.Empty<string>(),
        ];

    /// <summary>The URL as .NET reads it; throws a <see cref="ValidationException"/> (code <see cref="RefusedCode"/>) for a refused one.</summary>
    public static Uri Check(string? url, TrainingSettings settings)
    {
        var text = url ?? string.Empty;
        if (text.Length is 0 or > 2000 || text.Any(c => c == '\\' || char.IsWhiteSpace(c) || char.IsControl(c)))
        {
            throw Refused("A Git URL has at most 2000 characters and no backslashes, white space or control characters.", "Error.GitUrl.Malformed", settings);
        }

        if (text.Contains("::", StringComparison.Ordinal))
        {
            throw Refused("Git transport helpers (ext::, fd::, …) are not allowed.", "Error.GitUrl.Helper", settings);
        }

        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri))
        {
            throw Refused($"'{text}' is not a URL git may clone (scp-like user@host:path addresses are not allowed).", "Error.GitUrl.NotUrl", settings, text);
        }

        switch (uri.Scheme)
        {
            case "https":
            case "http" when settings.AllowHttpGitUrls:
                if (uri.Host.Length == 0 || uri.UserInfo.Length > 0 || !text.StartsWith(uri.Scheme + "://", StringComparison.OrdinalIgnoreCase))
                {
                    throw Refused("Write the Git URL as https://host/group/repo.git, without credentials.", "Error.GitUrl.Form", settings);
                }

                return uri;
            case "http":
                throw Refused("Plain http:// Git URLs are not allowed (the code could be changed on the way); an operator can allow them with Training:AllowHttpGitUrls.", "Error.GitUrl.Http", settings);
            case "file" when settings.AllowLocalGitUrls:
                return uri;
            case "file":
                throw Refused("file:// URLs and local paths are not allowed; an operator can allow them with Training:AllowLocalGitUrls.", "Error.GitUrl.File", settings);
            default:
                throw Refused($"The {uri.Scheme}:// transport is not allowed.", "Error.GitUrl.Transport", settings, uri.Scheme);
        }
    }

    /// <summary>
    /// A branch, tag or commit to check out: 1 to 200 of letters, digits and <c>. _ / -</c>, not starting with <c>-</c>
    /// (it would be read as an option) or <c>/</c>, without <c>..</c>, <c>//</c> or a trailing <c>/</c>, <c>.</c> or <c>.lock</c>.
    /// </summary>
    public static string CheckRef(string gitRef)
    {
        if (gitRef.Length is 0 or > 200
            || gitRef[0] is '-' or '/' or '.'
            || gitRef.EndsWith('/') || gitRef.EndsWith('.') || gitRef.EndsWith(".lock", StringComparison.Ordinal)
            || gitRef.Contains("..", StringComparison.Ordinal) || gitRef.Contains("//", StringComparison.Ordinal) || gitRef.Contains("/.", StringComparison.Ordinal)
            || !gitRef.All(c => char.IsAsciiLetterOrDigit(c) || c is '.' or '_' or '/' or '-'))
        {
            throw new ValidationException(new Dictionary<string, string[]> { ["gitRef"] = ["A Git ref is a branch, tag or commit: 1 to 200 letters, digits and . _ / -, not starting with - or /."] }, RefusedCode)
            {
                MessageKey = "Error.GitUrl.Ref",
            };
        }

        return gitRef;
    }

    /// <param name="key">The UI resource that says the same; its last placeholder is the list of allowed forms.</param>
    private static ValidationException Refused(string reason, string key, TrainingSettings settings, params string[] values)
    {
        var allowed = string.Join(", ", AllowedProtocols(settings).Select(p => p == "file" ? "file:// or a local path" : p + "://"));
        return new(new Dictionary<string, string[]> { ["gitUrl"] = [$"{reason} Allowed here: {allowed}."] }, RefusedCode)
        {
            MessageKey = key,
            MessageArguments = [.. values, allowed],
        };
    }
}
