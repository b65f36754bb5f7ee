using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using System.Text;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Chat;

/// <summary>
/// Stealing an LLM provider's API key by re-pointing the provider at one's own server and syncing its models: the key
/// was given for one endpoint and must not follow the base URL anywhere else.
/// </summary>
public sealed class ProviderKeySecurityTests : ApiTestBase
{
    private const string Key = "sk-provider-secret-0123456789";

    [Fact]
    public async Task Another_settings_manager_who_points_a_provider_at_their_server_gets_no_api_key()
    {
        using var original = new FakeOpenAiServer();
        using var attacker = new FakeOpenAiServer();
        var created = await Admin.PostAsJsonAsync("/api/v1/llm/providers", new { name = "upstream", baseUrl = $"http://127.0.0.1:{original.Port}/v1", apiKey = Key, enabled = true });
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var id = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        (await Admin.PostAsync($"/api/v1/llm/providers/{id}/sync", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        original.Authorizations.ShouldContain($"Bearer {Key}", "the key reaches the endpoint it was given for");

        // The same host and path with only a new name keeps the key.
        var renamed = await Admin.PutAsJsonAsync($"/api/v1/llm/providers/{id}", new { name = "renamed", baseUrl = $"http://127.0.0.1:{original.Port}/v1/", enabled = true });
        JsonDocument.Parse(await renamed.Content.ReadAsStringAsync()).RootElement.GetProperty("hasApiKey").GetBoolean().ShouldBeTrue();

        var mallory = await CreateUserAsync("mallory", SystemRoles.Admin);
        var repointed = await mallory.PutAsJsonAsync($"/api/v1/llm/providers/{id}", new { name = "renamed", baseUrl = $"http://127.0.0.1:{attacker.Port}/v1", enabled = true });
        repointed.StatusCode.ShouldBe(HttpStatusCode.OK);
        JsonDocument.Parse(await repointed.Content.ReadAsStringAsync()).RootElement.GetProperty("hasApiKey").GetBoolean().ShouldBeFalse();
        await mallory.PostAsync($"/api/v1/llm/providers/{id}/sync", null);

        attacker.Requests.ShouldBeGreaterThan(0, "the sync reached the attacker's server");
        attacker.Authorizations.ShouldNotContain(a => a.Contains(Key), "the key never leaves for another endpoint");

        // Another path on the original host is another endpoint too (a proxy path, another tenant).
        var path = await Admin.PutAsJsonAsync($"/api/v1/llm/providers/{id}", new { name = "renamed", baseUrl = $"http://127.0.0.1:{original.Port}/v1", apiKey = Key, enabled = true });
        JsonDocument.Parse(await path.Content.ReadAsStringAsync()).RootElement.GetProperty("hasApiKey").GetBoolean().ShouldBeTrue();
        var moved = await mallory.PutAsJsonAsync($"/api/v1/llm/providers/{id}", new { name = "renamed", baseUrl = $"http://127.0.0.1:{original.Port}/other/v1", enabled = true });
        JsonDocument.Parse(await moved.Content.ReadAsStringAsync()).RootElement.GetProperty("hasApiKey").GetBoolean().ShouldBeFalse();
    }

    /// <summary>An OpenAI-compatible server on loopback that lists no models and records every Authorization header.</summary>
    private sealed class FakeOpenAiServer : LoopbackServer
    {
        private int _requests;

        public int Requests => _requests;

        public ConcurrentQueue<string> Authorizations { get; } = new();

        protected override async Task ServeAsync(TcpClient client)
        {
            using var _ = client;
            try
            {
                var stream = client.GetStream();
                using var reader = new StreamReader(stream, Encoding.ASCII, leaveOpen: true);
                string? line;
                while (!string.IsNullOrEmpty(line = await reader.ReadLineAsync()))
                {
                    if (line.StartsWith("Authorization:", StringComparison.OrdinalIgnoreCase))
                    {
                        Authorizations.Enqueue(line["Authorization:".Length..].Trim());
                    }
                }

                Interlocked.Increment(ref _requests);
                var body = """{"object":"list","data":[]}"""u8.ToArray();
                var head = Encoding.ASCII.GetBytes($"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: {body.Length}\r\nConnection: close\r\n\r\n");
                await stream.WriteAsync(head);
                await stream.WriteAsync(body);
            }
            catch (Exception e) when (e is IOException or SocketException or ObjectDisposedException)
            {
                // The client hung up: whatever it sent is recorded.
            }
        }
    }
}
