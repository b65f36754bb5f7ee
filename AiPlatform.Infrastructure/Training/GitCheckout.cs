using System.Globalization;
using System.Net.Sockets;
using AiPlatform.Core.Common;
using AiPlatform.Core.Training;

namespace AiPlatform.Infrastructure.Training;

/// <summary>
/// Fetches a run's code from Git for the Local backend, before the sandbox starts and with the platform's rights — so
/// it checks where the clone goes (<see cref="GitUrlPolicy"/>, then the outbound host policy) and keeps git on the
/// allowed transports, off redirects, submodules, hooks, credential helpers, prompts, proxies and the platform
/// account's own files.
/// </summary>
/// <remarks>
/// git (curl) parses the URL again and not as .NET does (<c>https://a.example\@127.0.0.1/</c> is host a.example to
/// .NET, user "a.example\" at 127.0.0.1 to curl): such URLs are refused, git gets the URL rebuilt from what was checked,
/// and curl is pinned to the checked addresses (http.curloptResolve) so a second DNS answer cannot move it.
/// </remarks>
internal sealed class GitCheckout(TrainingSettings settings, Network.OutboundHostGuard? guard)
{
    /// <summary>The home folder git runs with: one that does not exist, so no account file (.netrc, .gitconfig) is read.</summary>
    internal const string NoHome = "/nonexistent";

    /// <summary>Clones <paramref name="url"/> and checks out <paramref name="gitRef"/>; <paramref name="git"/> runs one git command (arguments, environment) in the work folder.</summary>
    public async Task FetchAsync(string url, string? gitRef, Func<IReadOnlyList<string>, Dictionary<string, string>, Task<int>> git, CancellationToken ct)
    {
        var (options, environment, checkedUrl) = await OptionsAsync(url, ct);
        var clone = await git([.. options, "clone", "--quiet", "--no-recurse-submodules", "--", checkedUrl, "."], environment);
        if (clone != 0)
        {
            throw new TrainingFailedException($"git clone failed with exit code {clone}.");
        }

        if (gitRef is null)
        {
            return;
        }

        try
        {
            GitUrlPolicy.CheckRef(gitRef);
        }
        catch (ValidationException refused)
        {
            throw new TrainingFailedException(string.Join(" ", refused.Errors.SelectMany(e => e.Value)));
        }

        if (await git([.. options, "checkout", "--quiet", "--no-recurse-submodules", gitRef, "--"], environment) != 0)
        {
            throw new TrainingFailedException($"git checkout {gitRef} failed.");
        }
    }

    /// <summary>
    /// The <c>-c</c> options and the environment of every git command on a clone: only the allowed protocols (also for
    /// anything git is redirected to or rewrites the URL to), no redirects, no submodules, no credential helper or prompt,
    /// no proxy (it would connect wherever it is told), no system or global configuration and no home (insteadOf
    /// rewrites, helpers, hooks and .netrc credentials of the platform's account).
    /// </summary>
    internal static (List<string> Options, Dictionary<string, string> Environment) Safety(TrainingSettings settings)
    {
        var protocols = GitUrlPolicy.AllowedProtocols(settings);
        List<string> options =
        [
            "-c", "protocol.allow=never",
            "-c", "protocol.file.allow=" + (protocols.Contains("file") ? "always" : "never"),
            "-c", "http.followRedirects=false",
            "-c", "submodule.recurse=false",
            "-c", "credential.helper=",
            "-c", "core.askPass=",
            "-c", "http.proxy=",
            "-c", "core.hooksPath=/dev/null",
        ];
        foreach (var protocol in protocols)
        {
            options.AddRange(["-c", $"protocol.{protocol}.allow=always"]);
        }

        var environment = LocalProcessBackend.BaseEnvironment();
        foreach (var proxy in (string[])["HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"])
        {
            environment.Remove(proxy);
        }

        // No home of the platform account: curl would read its ~/.netrc (credentials for internal hosts) and git its
        // XDG configuration. /nonexistent is the conventional home of an account that has none.
        environment["HOME"] = NoHome;
        environment["XDG_CONFIG_HOME"] = NoHome;
        environment["GIT_ALLOW_PROTOCOL"] = string.Join(':', protocols);
        environment["GIT_PROTOCOL_FROM_USER"] = "0";
        environment["GIT_TERMINAL_PROMPT"] = "0";
        environment["GIT_CONFIG_NOSYSTEM"] = "1";
        environment["GIT_CONFIG_GLOBAL"] = "/dev/null";
        environment["GIT_ASKPASS"] = "/bin/false";
        environment["SSH_ASKPASS"] = "/bin/false";
        return (options, environment);
    }

    private async Task<(List<string> Options, Dictionary<string, string> Environment, string Url)> OptionsAsync(string url, CancellationToken ct)
    {
        Uri uri;
        try
        {
            uri = GitUrlPolicy.Check(url, settings);
        }
        catch (ValidationException e)
        {
            throw new TrainingFailedException(string.Join(" ", e.Errors.Values.SelectMany(v => v)));
        }

        var (options, environment) = Safety(settings);
        if (uri.Scheme != "file" && guard is not null)
        {
            try
            {
                var addresses = await guard.ResolveAsync(uri.Host, ct);
                var pinned = string.Join(',', addresses.Select(a => a.AddressFamily == AddressFamily.InterNetworkV6 ? $"[{a}]" : a.ToString()));
                options.AddRange(["-c", $"http.curloptResolve={uri.IdnHost}:{uri.Port.ToString(CultureInfo.InvariantCulture)}:{pinned}"]);
            }
            catch (HostNotAllowedException e)
            {
                throw new TrainingFailedException(e.Message);
            }
        }

        return (options, environment, uri.Scheme == "file" ? url : uri.AbsoluteUri);
    }
}
