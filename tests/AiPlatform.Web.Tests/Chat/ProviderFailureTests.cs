using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AiPlatform.Infrastructure.Tests.Builders;
using AiPlatform.Web.Tests.Builders;
using Microsoft.AspNetCore.Hosting;

namespace AiPlatform.Web.Tests.Chat;

/// <summary>
/// A slow provider (the LLM peer with <c>AIP_LLM_TOKEN_DELAY_MS</c>) and one that refuses with its own 429, through chat
/// and the OpenAI-compatible gateway on a real Kestrel port: a client that goes away stops the answer and the upstream
/// request, <c>Chat:ProviderTimeout</c> ends a wait with an error that says so, and the provider's 429 reaches the
/// client with its Retry-After.
/// </summary>
public sealed class ProviderFailureTests : IAsyncLifetime
{
    private readonly List<(LlmPeer Peer, ProviderFactory Factory)> _started = [];

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        foreach (var (peer, factory) in _started)
        {
            await factory.DisposeAsync();
            factory.DeleteData();
            await peer.DisposeAsync();
        }
    }

    [Fact]
    public async Task A_chat_client_that_goes_away_mid_answer_stops_it_keeps_the_partial_answer_and_cancels_the_provider_request()
    {
        // 32 tokens a second apart: a complete answer would take half a minute and end as Complete, not Stopped.
        var (peer, admin) = await StartAsync(tokenDelay: TimeSpan.FromSeconds(1));
        var conversation = await Json(admin.PostAsJsonAsync("/api/v1/conversations", new { model = LlmPeer.Model }));
        var id = conversation.GetProperty("id").GetGuid();

        using (var request = new HttpRequestMessage(HttpMethod.Post, $"/api/v1/conversations/{id}/messages") { Content = JsonContent.Create(new { content = "Tell me a long story.", stream = true }) })
        using (var response = await admin.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            await ReadUntilAsync(response, "event: delta");
        }

        // Leaving the using closed the connection: the platform stops the answer, saves what came, and hangs up on the provider.
        var answer = await WaitForAsync("the stopped answer saved", async () =>
        {
            var messages = JsonDocument.Parse(await admin.GetStringAsync($"/api/v1/conversations/{id}")).RootElement.GetProperty("messages").EnumerateArray().ToList();
            return messages.FirstOrDefault(m => m.GetProperty("role").GetString() == "assistant") is { ValueKind: JsonValueKind.Object } a ? a.Clone() : (JsonElement?)null;
        });
        answer.GetProperty("status").GetString().ShouldBe("Stopped");
        answer.GetProperty("content").GetString().ShouldNotBeNullOrEmpty("the part of the answer that arrived is kept");
        await WaitForAsync("the provider request aborted", async () => await peer.RequestsAsync() is { Aborted: 1, Open: 0, Completed: 0 } ? true : (bool?)null);
    }

    [Fact]
    public async Task A_gateway_client_that_disconnects_from_a_stream_cancels_the_provider_request()
    {
        var (peer, admin) = await StartAsync(tokenDelay: TimeSpan.FromSeconds(1));

        using (var request = new HttpRequestMessage(HttpMethod.Post, "/v1/chat/completions") { Content = JsonContent.Create(new { model = LlmPeer.Model, stream = true, max_tokens = 64, messages = new[] { new { role = "user", content = "Tell me a long story." } } }) })
        using (var response = await admin.SendAsync(request, HttpCompletionOption.ResponseHeadersRead))
        {
            response.StatusCode.ShouldBe(HttpStatusCode.OK);
            await ReadUntilAsync(response, "\"content\":\"", skip: 1);
        }

        await WaitForAsync("the provider request aborted", async () => await peer.RequestsAsync() is { Aborted: 1, Open: 0, Completed: 0 } ? true : (bool?)null);
    }

    [Fact]
    public async Task A_provider_slower_than_the_provider_timeout_fails_the_chat_answer_and_the_gateway_call_with_a_timeout_error()
    {
        // Each token 30 s after the previous one, a 2 s timeout: only the timeout can end these calls within the test.
        var (peer, admin) = await StartAsync(tokenDelay: TimeSpan.FromSeconds(30), providerTimeout: "00:00:02");
        const string TimedOut = "the provider sent nothing for 2 s (Chat:ProviderTimeout), so the request was stopped.";
        var conversation = await Json(admin.PostAsJsonAsync("/api/v1/conversations", new { model = LlmPeer.Model }));

        var failed = await Json(admin.PostAsJsonAsync($"/api/v1/conversations/{conversation.GetProperty("id").GetGuid()}/messages", new { content = "Are you there?" }));
        failed.GetProperty("status").GetString().ShouldBe("Failed");
        failed.GetProperty("error").GetString().ShouldBe($"The model '{LlmPeer.Model}' did not answer: {TimedOut}");

        var plain = await admin.PostAsJsonAsync("/v1/chat/completions", new { model = LlmPeer.Model, messages = new[] { new { role = "user", content = "Hi" } } });
        plain.StatusCode.ShouldBe(HttpStatusCode.GatewayTimeout, await plain.Content.ReadAsStringAsync());
        var error = JsonDocument.Parse(await plain.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        error.GetProperty("code").GetString().ShouldBe("timeout");
        error.GetProperty("message").GetString().ShouldBe($"The model '{LlmPeer.Model}' did not answer: {TimedOut}");

        // A stream has begun (the provider sent its first chunk at once), so the timeout is an error event, then [DONE].
        var streamed = await admin.PostAsJsonAsync("/v1/chat/completions", new { model = LlmPeer.Model, stream = true, messages = new[] { new { role = "user", content = "Hi" } } });
        streamed.StatusCode.ShouldBe(HttpStatusCode.OK);
        var events = (await streamed.Content.ReadAsStringAsync()).Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => l[6..]).ToList();
        events[^1].ShouldBe("[DONE]");
        var streamedError = JsonDocument.Parse(events[^2]).RootElement.GetProperty("error");
        streamedError.GetProperty("message").GetString().ShouldBe($"The model '{LlmPeer.Model}' did not answer: {TimedOut}");
        streamedError.GetProperty("type").GetString().ShouldBe("server_error");

        await WaitForAsync("the three provider requests hung up", async () => await peer.RequestsAsync() is { Aborted: 3, Open: 0 } ? true : (bool?)null);
    }

    [Theory]
    [InlineData(7, 7)]
    [InlineData(99999999, 3600)]
    public async Task A_providers_own_429_reaches_the_gateway_client_with_its_retry_after_streamed_or_not(int providerSays, int clientHears)
    {
        // A provider's Retry-After is passed on, kept within one hour.
        var (_, admin) = await StartAsync(failStatus: 429, retryAfterSeconds: providerSays);

        foreach (var stream in new[] { false, true })
        {
            var response = await admin.PostAsJsonAsync("/v1/chat/completions", new { model = LlmPeer.Model, stream, messages = new[] { new { role = "user", content = "Hi" } } });

            var body = await response.Content.ReadAsStringAsync();
            response.StatusCode.ShouldBe(HttpStatusCode.TooManyRequests, $"stream: {stream}: {body}");
            response.Headers.RetryAfter.ShouldNotBeNull($"stream: {stream}").Delta.ShouldBe(TimeSpan.FromSeconds(clientHears));
            var error = JsonDocument.Parse(body).RootElement.GetProperty("error");
            error.GetProperty("type").GetString().ShouldBe("rate_limit_exceeded");
            error.GetProperty("message").GetString()!.ShouldContain("Refused with 429");
        }
    }

    /// <summary>A platform on a real port whose only provider is a peer of its own, its model enabled for everyone.</summary>
    private async Task<(LlmPeer Peer, HttpClient Admin)> StartAsync(TimeSpan? tokenDelay = null, string? providerTimeout = null, int? failStatus = null, int? retryAfterSeconds = null)
    {
        var peer = await LlmPeer.StartAsync(tokenDelay, failStatus, retryAfterSeconds);
        var factory = new ProviderFactory(providerTimeout);
        _started.Add((peer, factory));
        factory.UseKestrel(0);
        factory.StartServer();
        var admin = factory.CreateAdminClient();
        admin.BaseAddress = factory.ClientOptions.BaseAddress;

        // Generous: a call that nothing stops fails the test here instead of hanging it.
        admin.Timeout = TimeSpan.FromSeconds(90);
        var provider = await Json(admin.PostAsJsonAsync("/api/v1/llm/providers", new { name = "llama", baseUrl = peer.BaseUrl, apiKey = LlmPeer.ApiKey }));
        var models = JsonDocument.Parse(await (await admin.PostAsync($"/api/v1/llm/providers/{provider.GetProperty("id").GetGuid()}/sync", null)).Content.ReadAsStringAsync()).RootElement;
        (await admin.PutAsJsonAsync($"/api/v1/llm/models/{models[0].GetProperty("id").GetGuid()}", new { enabled = true, openToAll = true })).StatusCode.ShouldBe(HttpStatusCode.OK);
        return (peer, admin);
    }

    /// <summary>Reads the event stream until <paramref name="marker"/> has come <paramref name="skip"/> + 1 times.</summary>
    private static async Task ReadUntilAsync(HttpResponseMessage response, string marker, int skip = 0)
    {
        using var reader = new StreamReader(await response.Content.ReadAsStreamAsync());
        var seen = new StringBuilder();
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (await reader.ReadLineAsync(limit.Token) is { } line)
        {
            seen.AppendLine(line);
            if (line.Contains(marker, StringComparison.Ordinal) && skip-- == 0)
            {
                return;
            }
        }

        throw new ShouldAssertException($"The stream ended without '{marker}':\n{seen}");
    }

    private static async Task<T> WaitForAsync<T>(string what, Func<Task<T?>> probe)
        where T : struct
    {
        using var limit = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        while (!limit.IsCancellationRequested)
        {
            if (await probe() is { } value)
            {
                return value;
            }

            await Task.Delay(200, CancellationToken.None);
        }

        throw new TimeoutException($"Waited 60 s for {what}.");
    }

    private static async Task<JsonElement> Json(Task<HttpResponseMessage> call)
    {
        var response = await call;
        var body = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue(body);
        return JsonDocument.Parse(body).RootElement.Clone();
    }

    private sealed class ProviderFactory(string? providerTimeout) : PlatformWebFactoryBase
    {
        protected override void Configure(IWebHostBuilder builder)
        {
            if (providerTimeout is not null)
            {
                builder.UseSetting("Chat:ProviderTimeout", providerTimeout);
            }
        }
    }
}
