using System.Net;
using AiPlatform.Core.Common;
using AiPlatform.Core.Training;
using AiPlatform.Infrastructure.Network;
using AiPlatform.Infrastructure.Training;
using Microsoft.Extensions.Logging.Abstractions;

namespace AiPlatform.Infrastructure.Tests.Data;

/// <summary>The outbound policy every source, provider and Git clone goes through: the ways of writing "this machine" and "metadata".</summary>
public sealed class OutboundHostGuardTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Theory]
    [InlineData("127.0.0.1")]
    [InlineData("127.1")]
    [InlineData("127.255.255.254")]
    [InlineData("2130706433")]
    [InlineData("0x7f000001")]
    [InlineData("0177.0.0.1")]
    [InlineData("0.0.0.0")]
    [InlineData("0")]
    [InlineData("[::1]")]
    [InlineData("::1")]
    [InlineData("::")]
    [InlineData("::ffff:127.0.0.1")]
    [InlineData("[::ffff:169.254.169.254]")]
    [InlineData("64:ff9b::7f00:1")]
    [InlineData("169.254.169.254")]
    [InlineData("fe80::1")]
    [InlineData("fd00:ec2::254")]
    [InlineData("224.0.0.1")]
    [InlineData("255.255.255.255")]
    [InlineData("localhost")]
    [InlineData("LocalHost.")]
    [InlineData("anything.localhost")]
    [InlineData("metadata.google.internal")]
    [InlineData("/var/run/postgresql")]
    [InlineData("@abstract-socket")]
    [InlineData("db1,db2")]
    [InlineData("fe80::1%eth0")]
    [InlineData("")]
    public async Task Loopback_link_local_metadata_and_socket_paths_are_refused_by_default(string host)
    {
        var guard = new OutboundHostGuard(new OutboundOptions(), ownAddresses: []);

        var refused = await Should.ThrowAsync<HostNotAllowedException>(() => guard.ResolveAsync(host, None));

        refused.Code.ShouldBe("host-not-allowed");
        refused.Message.ShouldContain("DataSources:AllowedHosts");
    }

    [Fact]
    public async Task The_platforms_own_addresses_are_refused_and_other_hosts_are_allowed()
    {
        var guard = new OutboundHostGuard(new OutboundOptions(), ownAddresses: [IPAddress.Parse("10.1.2.3")]);

        await Should.ThrowAsync<HostNotAllowedException>(() => guard.ResolveAsync("10.1.2.3", None));
        (await guard.ResolveAsync("10.1.2.4", None)).ShouldBe([IPAddress.Parse("10.1.2.4")]);
        (await guard.ResolveAsync("192.0.2.10", None)).ShouldBe([IPAddress.Parse("192.0.2.10")]);
    }

    [Fact]
    public async Task Listed_hosts_are_allowed_and_denied_ones_refused_even_when_listed()
    {
        var guard = new OutboundHostGuard(new OutboundOptions { AllowedHosts = ["127.0.0.0/8", "localhost", "::1"], DeniedHosts = ["127.0.0.99", "10.0.0.0/8", ".corp.example"] }, ownAddresses: []);

        (await guard.ResolveAsync("127.0.0.1", None)).ShouldBe([IPAddress.Loopback]);
        (await guard.ResolveAsync("2130706433", None)).ShouldBe([IPAddress.Loopback]);
        (await guard.ResolveAsync("[::1]", None)).ShouldBe([IPAddress.IPv6Loopback]);
        (await guard.ResolveAsync("localhost", None)).ShouldNotBeEmpty();
        await Should.ThrowAsync<HostNotAllowedException>(() => guard.ResolveAsync("127.0.0.99", None));
        await Should.ThrowAsync<HostNotAllowedException>(() => guard.ResolveAsync("10.9.8.7", None));
        await Should.ThrowAsync<HostNotAllowedException>(() => guard.ResolveAsync("db.corp.example", None));
        await Should.ThrowAsync<HostNotAllowedException>(() => guard.ResolveAsync("169.254.169.254", None));
    }

    [Fact]
    public async Task Allowed_hosts_only_refuses_everything_else()
    {
        var guard = new OutboundHostGuard(new OutboundOptions { AllowedHosts = ["192.0.2.0/24"], AllowedHostsOnly = true }, ownAddresses: []);

        (await guard.ResolveAsync("192.0.2.7", None)).ShouldNotBeEmpty();
        await Should.ThrowAsync<HostNotAllowedException>(() => guard.ResolveAsync("198.51.100.7", None));
    }

    [Fact]
    public void A_malformed_entry_stops_the_platform_at_start()
    {
        Should.Throw<InvalidOperationException>(() => new OutboundHostGuard(new OutboundOptions { AllowedHosts = ["not a host/99"] }))
            .Message.ShouldContain("DataSources:AllowedHosts");
    }

    [Fact]
    public async Task An_http_client_through_the_guard_does_not_connect_to_loopback()
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        using var client = new HttpClient(new OutboundHostGuard(new OutboundOptions(), ownAddresses: []).CreateHandler());

        var error = await Should.ThrowAsync<HttpRequestException>(() => client.GetAsync($"http://localhost:{port}/"));

        error.InnerException.ShouldBeOfType<HostNotAllowedException>();
        listener.Pending().ShouldBeFalse();
    }

    [Theory]
    [InlineData("https://127.0.0.1/group/repo.git", false)]
    [InlineData("ssh://git@localhost/repo.git", false)]
    [InlineData("http://169.254.169.254/latest/meta-data", false)]
    [InlineData("file:///var/lib/aiplatform", false)]
    [InlineData("file:///var/lib/aiplatform", true)]
    public async Task A_git_clone_to_this_machine_or_a_local_path_fails_the_run_before_git_runs(string url, bool localAllowed)
    {
        var data = Path.Combine(Path.GetTempPath(), "aip-git-" + Guid.NewGuid().ToString("N"));
        var guard = new OutboundHostGuard(new OutboundOptions(), ownAddresses: []);
        var backend = new LocalProcessBackend(new TrainingSettings { AllowLocalGitUrls = localAllowed }, new LocalSandboxOptions(), data, NullLogger<LocalProcessBackend>.Instance, guard);
        var log = new List<string>();
        try
        {
            var launch = new CustomLaunch(Guid.NewGuid(), "echo ran", null, url, null, null, new Dictionary<string, string>(), null);
            var outcome = await Record.ExceptionAsync(() => backend.RunAsync(launch, line => { log.Add(line); return Task.CompletedTask; }, None));

            log.ShouldNotContain("ran");
            if (localAllowed)
            {
                // Allowed: git itself runs (and fails, the folder is no repository).
                outcome.ShouldBeOfType<TrainingFailedException>().Message.ShouldContain("git clone failed");
            }
            else
            {
                outcome.ShouldBeOfType<TrainingFailedException>().Message.ShouldContain(url.StartsWith("file", StringComparison.Ordinal) ? "AllowLocalGitUrls" : "not allowed");
            }
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }

    [Theory]
    [InlineData("http://8.8.8.8\\@127.0.0.1:{0}/x.git")]
    [InlineData("http://8.8.8.8:80\\@127.0.0.1:{0}/x.git")]
    [InlineData("http://user:pass@127.0.0.1:{0}/x.git")]
    [InlineData("http://8.8.8.8 @127.0.0.1:{0}/x.git")]
    public async Task A_git_url_that_git_reads_as_another_host_than_the_check_fails_before_git_connects(string template)
    {
        using var listener = new System.Net.Sockets.TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var url = string.Format(System.Globalization.CultureInfo.InvariantCulture, template, ((IPEndPoint)listener.LocalEndpoint).Port);
        var data = Path.Combine(Path.GetTempPath(), "aip-git-" + Guid.NewGuid().ToString("N"));
        var guard = new OutboundHostGuard(new OutboundOptions(), ownAddresses: []);
        var backend = new LocalProcessBackend(new TrainingSettings(), new LocalSandboxOptions(), data, NullLogger<LocalProcessBackend>.Instance, guard);
        try
        {
            var launch = new CustomLaunch(Guid.NewGuid(), "echo ran", null, url, null, null, new Dictionary<string, string>(), null);
            var outcome = await Record.ExceptionAsync(() => backend.RunAsync(launch, _ => Task.CompletedTask, None));

            outcome.ShouldBeOfType<TrainingFailedException>().Message.ShouldNotContain("git clone failed", Case.Sensitive, "git must not run at all");
            listener.Pending().ShouldBeFalse("git connected to 127.0.0.1 behind the check's back");
        }
        finally
        {
            if (Directory.Exists(data))
            {
                Directory.Delete(data, recursive: true);
            }
        }
    }
}
