using System.Net;
using System.Net.Sockets;
using AiPlatform.Web.Tests.Builders;
using Microsoft.AspNetCore.Hosting;

namespace AiPlatform.Web.Tests.Security;

/// <summary>
/// <c>/metrics</c> names endpoints and models (private ones too): the public port serves it to nobody by default,
/// to a scraper with the metrics token when one is set, and the management port serves it to whoever can reach it.
/// </summary>
public sealed class MetricsAccessTests
{
    [Fact]
    public async Task By_default_the_public_port_serves_no_metrics_even_to_a_signed_in_user()
    {
        await using var factory = new SettingsFactory(new() { ["Observability:MetricsToken"] = string.Empty });
        try
        {
            var anonymous = factory.CreateClient();
            var admin = factory.CreateAdminClient();
            await anonymous.GetAsync("/health/live");

            await (await anonymous.GetAsync("/metrics")).ShouldBeProblemAsync(HttpStatusCode.NotFound, "not-found");
            (await admin.GetAsync("/metrics")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
            foreach (var variant in new[] { "/metrics/", "/METRICS", "/Metrics/", "/metrics//", "/METRICS/" })
            {
                var response = await anonymous.GetAsync(variant);
                response.StatusCode.ShouldBe(HttpStatusCode.NotFound, $"{variant} is the metrics endpoint too");
                (await response.Content.ReadAsStringAsync()).ShouldNotContain("# TYPE", customMessage: variant);
            }
        }
        finally
        {
            factory.DeleteData();
        }
    }

    [Fact]
    public async Task With_a_scrape_token_the_public_port_serves_metrics_to_that_token_only()
    {
        await using var factory = new SettingsFactory(new() { ["Observability:MetricsToken"] = "scrape-secret-0123456789" });
        try
        {
            var client = factory.CreateClient();

            await (await client.GetAsync("/metrics")).ShouldBeProblemAsync(HttpStatusCode.Unauthorized, "unauthenticated");
            (await factory.CreateClient().WithBearer("scrape-secret-wrong").GetAsync("/metrics")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            (await factory.CreateAdminClient().GetAsync("/metrics")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
            foreach (var variant in new[] { "/metrics/", "/METRICS", "/Metrics/", "/metrics//" })
            {
                (await client.GetAsync(variant)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, $"{variant} is the metrics endpoint too");
            }
            var scraped = await factory.CreateClient().WithBearer("scrape-secret-0123456789").GetAsync("/metrics");
            scraped.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await scraped.Content.ReadAsStringAsync()).ShouldContain("# TYPE");
        }
        finally
        {
            factory.DeleteData();
        }
    }

    [Fact]
    public async Task The_management_port_serves_metrics_anonymously_and_nothing_else_while_the_public_port_refuses_them()
    {
        var (publicPort, managementPort) = (FreePort(), FreePort());
        await using var factory = new SettingsFactory(new()
        {
            ["Observability:MetricsToken"] = string.Empty,
            ["urls"] = $"http://127.0.0.1:{publicPort}",
            ["Observability:ManagementUrls"] = $"http://127.0.0.1:{managementPort}",
        });
        try
        {
            factory.UseKestrel();
            factory.StartServer();
            using var http = new HttpClient();

            (await http.GetAsync($"http://127.0.0.1:{publicPort}/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);
            (await http.GetAsync($"http://127.0.0.1:{publicPort}/metrics")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
            using var spoofed = new HttpRequestMessage(HttpMethod.Get, $"http://127.0.0.1:{publicPort}/metrics");
            spoofed.Headers.Host = $"127.0.0.1:{managementPort}";
            (await http.SendAsync(spoofed)).StatusCode.ShouldBe(HttpStatusCode.NotFound, "a Host header naming the management port does not make the public port one");

            var scraped = await http.GetAsync($"http://127.0.0.1:{managementPort}/metrics");
            scraped.StatusCode.ShouldBe(HttpStatusCode.OK);
            (await scraped.Content.ReadAsStringAsync()).ShouldContain("# TYPE");
            (await http.GetAsync($"http://127.0.0.1:{managementPort}/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);
            (await http.GetAsync($"http://127.0.0.1:{managementPort}/account/login")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
            (await http.GetAsync($"http://127.0.0.1:{managementPort}/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        }
        finally
        {
            factory.DeleteData();
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private sealed class SettingsFactory(Dictionary<string, string> settings) : PlatformWebFactoryBase
    {
        protected override void Configure(IWebHostBuilder builder)
        {
            foreach (var (key, value) in settings)
            {
                builder.UseSetting(key, value);
            }
        }
    }
}
