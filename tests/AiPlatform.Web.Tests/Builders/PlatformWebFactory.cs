using AiPlatform.Core.Jobs;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Mvc.Testing;
using Microsoft.AspNetCore.TestHost;
using Microsoft.Extensions.DependencyInjection;

namespace AiPlatform.Web.Tests.Builders;

/// <summary>The whole app in the embedded default (SQLite, local objects, in-process jobs) on a temporary data folder.</summary>
public class PlatformWebFactoryBase(string? dataDirectory = null) : WebApplicationFactory<Program>
{
    public const string AdminPassword = "Admin-Passw0rd-Web";

    /// <summary>The Prometheus scrape token of test apps (<c>Observability:MetricsToken</c>).</summary>
    public const string MetricsToken = "test-scrape-token-0123456789";

    public string DataDirectory { get; } = dataDirectory ?? Path.Combine(Path.GetTempPath(), "aip-web-" + Guid.NewGuid().ToString("N"));

    protected sealed override void ConfigureWebHost(IWebHostBuilder builder)
    {
        builder.UseEnvironment("Testing");
        builder.UseSetting("Platform:DataDirectory", DataDirectory);
        builder.UseSetting("Jobs:PollInterval", "00:00:00.200");
        builder.UseSetting("Jobs:StorageScanCron", "");
        builder.UseSetting("Jobs:StorageCleanupCron", "");
        builder.UseSetting("Admin:InitialPassword", AdminPassword);
        builder.UseSetting("Observability:MetricsToken", MetricsToken);

        if (AllowLocalPeers)
        {
            // The peers (PostgreSQL, S3, the LLM server, Git repositories) live on this machine.
            builder.UseSetting("DataSources:AllowedHosts:0", "127.0.0.0/8");
            builder.UseSetting("DataSources:AllowedHosts:1", "::1");
            builder.UseSetting("DataSources:AllowedHosts:2", "localhost");
            builder.UseSetting("Training:AllowLocalGitUrls", "true");
        }
        builder.ConfigureTestServices(services => services.AddScoped<IJobHandler, SlowJobHandler>());
        Configure(builder);
    }

    /// <summary>Whether sources, providers and Git may reach this machine (the test peers); false keeps the shipped default.</summary>
    protected virtual bool AllowLocalPeers => true;

    /// <summary>Extra settings of a derived factory.</summary>
    protected virtual void Configure(IWebHostBuilder builder)
    {
    }

    /// <summary>A client that sends the administrator's credentials with HTTP Basic.</summary>
    public HttpClient CreateAdminClient() => CreateClientAs("admin", AdminPassword);

    public HttpClient CreateClientAs(string userName, string secret)
    {
        var client = CreateClient(new WebApplicationFactoryClientOptions { AllowAutoRedirect = false });
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes($"{userName}:{secret}")));
        return client;
    }

    /// <summary>What Prometheus scrapes, read with the scrape token.</summary>
    public async Task<string> ScrapeMetricsAsync()
    {
        using var client = CreateClient();
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", MetricsToken);
        return await client.GetStringAsync("/metrics");
    }

    public void DeleteData()
    {
        if (Directory.Exists(DataDirectory))
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
    }
}

/// <summary>The app in its embedded default on a temporary data folder.</summary>
public sealed class PlatformWebFactory(string? dataDirectory = null) : PlatformWebFactoryBase(dataDirectory);

/// <summary>The app with the shipped outbound policy: nothing on this machine may be reached.</summary>
public sealed class DefaultOutboundWebFactory : PlatformWebFactoryBase
{
    protected override bool AllowLocalPeers => false;
}
