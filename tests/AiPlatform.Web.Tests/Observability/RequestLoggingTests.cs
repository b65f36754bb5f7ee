using AiPlatform.Web.Observability;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Observability;

/// <summary>The request log an operator reads: written off the request thread, yet complete when the app stops.</summary>
public sealed class RequestLoggingTests
{
    [Fact]
    public async Task Refused_calls_are_in_the_log_file_with_their_correlation_id_and_fast_gateway_calls_are_not()
    {
        var factory = new PlatformWebFactory();
        try
        {
            using var client = factory.CreateAdminClient();
            using (var ok = new HttpRequestMessage(HttpMethod.Get, "/v1/models"))
            {
                ok.Headers.Add(CorrelationIdMiddleware.Header, "corr-fast-ok");
                (await client.SendAsync(ok)).EnsureSuccessStatusCode();
            }

            // The last request before the app stops: its line must survive the shutdown (the sinks are asynchronous).
            using (var missing = new HttpRequestMessage(HttpMethod.Post, "/v2/models/no-such-endpoint/infer"))
            {
                missing.Headers.Add(CorrelationIdMiddleware.Header, "corr-refused-404");
                missing.Content = new StringContent("{\"inputs\": []}", System.Text.Encoding.UTF8, "application/json");
                ((int)(await client.SendAsync(missing)).StatusCode).ShouldBe(404);
            }

            await factory.DisposeAsync();

            var lines = Directory.GetFiles(Path.Combine(factory.DataDirectory, "logs"), "aiplatform-*.log").SelectMany(ReadShared).ToList();
            lines.ShouldContain(l => l.Contains("/v2/models/no-such-endpoint/infer", StringComparison.Ordinal) && l.Contains("404", StringComparison.Ordinal) && l.Contains("corr-refused-404", StringComparison.Ordinal), string.Join('\n', lines));
            lines.ShouldNotContain(l => l.Contains("corr-fast-ok", StringComparison.Ordinal));
        }
        finally
        {
            await factory.DisposeAsync();
            factory.DeleteData();
        }
    }

    private static IEnumerable<string> ReadShared(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete);
        using var reader = new StreamReader(stream);
        return reader.ReadToEnd().Split('\n');
    }
}
