using System.Diagnostics;
using System.Net;
using System.Net.Sockets;
using AiPlatform.Core.Training;
using AiPlatform.Infrastructure.Network;
using AiPlatform.Infrastructure.Training;
using Microsoft.Extensions.Logging.Abstractions;

namespace AiPlatform.Infrastructure.Tests.Training;

/// <summary>
/// The clone of training code on the Local backend: only the allowed transports reach the network (checked again when
/// the run starts, whatever the stored request says), and git runs without the platform account's configuration,
/// credential helpers, prompts, proxies, redirects or submodules.
/// </summary>
public sealed class GitCloneSafetyTests
{
    [Theory]
    [InlineData("git://127.0.0.1:{0}/group/repo.git", false)]
    [InlineData("ssh://git@127.0.0.1:{0}/group/repo.git", false)]
    [InlineData("http://127.0.0.1:{0}/group/repo.git", false)]
    [InlineData("git://127.0.0.1:{0}/group/repo.git", true)]
    public async Task A_run_whose_git_url_uses_a_refused_transport_fails_before_git_connects(string template, bool httpAllowed)
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var url = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, ((IPEndPoint)listener.LocalEndpoint).Port);
        var data = Path.Combine(Path.GetTempPath(), "aip-git-" + Guid.NewGuid().ToString("N"));
        var guard = new OutboundHostGuard(new OutboundOptions { AllowedHosts = ["127.0.0.0/8"] }, ownAddresses: []);
        var backend = new LocalProcessBackend(new TrainingSettings { AllowHttpGitUrls = httpAllowed }, new LocalSandboxOptions(), data, NullLogger<LocalProcessBackend>.Instance, guard);
        try
        {
            var launch = new CustomLaunch(Guid.NewGuid(), "echo ran", null, url, null, null, new Dictionary<string, string>(), null);
            var outcome = await Record.ExceptionAsync(() => backend.RunAsync(launch, _ => Task.CompletedTask, CancellationToken.None));

            var message = outcome.ShouldBeOfType<TrainingFailedException>().Message;
            message.ShouldContain("not allowed");
            message.ShouldNotContain("git clone failed", Case.Sensitive, "git must not run at all");
            listener.Pending().ShouldBeFalse("git connected to the refused transport");
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    [Fact]
    public async Task Git_runs_without_the_accounts_configuration_credential_helpers_prompts_or_proxies()
    {
        var home = Directory.CreateTempSubdirectory("aip-git-home-").FullName;
        try
        {
            // What a platform account's ~/.gitconfig could hold: a rewrite to another transport, a credential store, a proxy.
            await File.WriteAllTextAsync(Path.Combine(home, ".gitconfig"), """
                [url "ssh://git@attacker.example/"]
                    insteadOf = https://git.example.org/
                [credential]
                    helper = store
                [http]
                    proxy = http://proxy.example:3128
                """);
            var (options, environment) = GitCheckout.Safety(new TrainingSettings());

            // git and curl get no home of the platform account (its ~/.netrc would lend them its credentials) ...
            environment["HOME"].ShouldBe(GitCheckout.NoHome);
            environment["XDG_CONFIG_HOME"].ShouldBe(GitCheckout.NoHome);
            Directory.Exists(GitCheckout.NoHome).ShouldBeFalse();
            environment["HOME"].ShouldNotBe(Environment.GetEnvironmentVariable("HOME"));

            // ... and even with one, its configuration would not be read.
            environment["HOME"] = home;

            var effective = await GitAsync([.. options, "config", "--show-origin", "--list"], environment);

            effective.ShouldNotContain("attacker.example");
            effective.ShouldNotContain("helper=store");
            effective.ShouldNotContain("proxy.example");
            effective.ShouldContain("protocol.allow=never");
            effective.ShouldContain("protocol.https.allow=always");
            effective.ShouldNotContain("protocol.ssh.allow");
            effective.ShouldNotContain("protocol.git.allow");
            effective.ShouldContain("protocol.file.allow=never");
            effective.ShouldContain("http.followredirects=false");
            environment["GIT_ALLOW_PROTOCOL"].ShouldBe("https");
            environment["GIT_TERMINAL_PROMPT"].ShouldBe("0");
            environment.Keys.ShouldNotContain("HTTPS_PROXY");
            environment.Keys.ShouldNotContain("HTTP_PROXY");

            var allowed = GitCheckout.Safety(new TrainingSettings { AllowHttpGitUrls = true, AllowLocalGitUrls = true }).Environment;
            allowed["GIT_ALLOW_PROTOCOL"].ShouldBe("https:http:file");
        }
        finally
        {
            Directory.Delete(home, recursive: true);
        }
    }

    private static async Task<string> GitAsync(IEnumerable<string> arguments, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo("git") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start)!;
        var output = await process.StandardOutput.ReadToEndAsync();
        var error = await process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        process.ExitCode.ShouldBe(0, error);
        return output;
    }
}
