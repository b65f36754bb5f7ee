using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Chat;
using AiPlatform.Infrastructure.Chat;
using AiPlatform.Infrastructure.Tests.Builders;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Chat;

/// <summary>
/// The gateway's limits from review 37: embeddings inputs (#2), the request body size (#3), <c>n</c> and a
/// non-boolean <c>stream</c> (#5, #6), the routing fields never forwarded (#5), the provider's answer and stream line
/// sizes (#6).
/// </summary>
public sealed class GatewayLimitsTests(LlmPeer llm) : ApiTestBase, IClassFixture<LlmPeer>
{
    private const string Local = "local:all-MiniLM-L6-v2";

    protected override bool OverKestrel => true;

    [Fact]
    public async Task Embeddings_inputs_are_capped_like_openai()
    {
        var tooMany = await Admin.PostAsJsonAsync("/v1/embeddings", new { model = Local, input = Enumerable.Repeat("a", 2049).ToArray() });
        (await ErrorAsync(tooMany, HttpStatusCode.BadRequest)).GetProperty("param").GetString().ShouldBe("input");

        var tooLong = await Admin.PostAsJsonAsync("/v1/embeddings", new { model = Local, input = new string('a', 40_000) });
        (await ErrorAsync(tooLong, HttpStatusCode.BadRequest)).GetProperty("message").GetString()!.ShouldContain("8192");

        var tooMuch = await Admin.PostAsJsonAsync("/v1/embeddings", new { model = Local, input = Enumerable.Repeat(new string('a', 30_000), 50).ToArray() });
        (await ErrorAsync(tooMuch, HttpStatusCode.BadRequest)).GetProperty("message").GetString()!.ShouldContain("300000");

        // Under the limits the built-in model answers, floats or base64, one vector an input.
        var ok = JsonDocument.Parse(await (await Admin.PostAsJsonAsync("/v1/embeddings", new { model = Local, input = Enumerable.Repeat("some text", 40).ToArray() })).Content.ReadAsStringAsync()).RootElement;
        ok.GetProperty("data").GetArrayLength().ShouldBe(40);
        ok.GetProperty("data")[39].GetProperty("embedding").GetArrayLength().ShouldBe(384);
        var b64 = JsonDocument.Parse(await (await Admin.PostAsJsonAsync("/v1/embeddings", new { model = Local, input = "some text", encoding_format = "base64" })).Content.ReadAsStringAsync()).RootElement;
        Convert.FromBase64String(b64.GetProperty("data")[0].GetProperty("embedding").GetString()!).Length.ShouldBe(384 * 4);
    }

    [Fact]
    public async Task A_body_over_gateway_max_request_bytes_is_413_and_n_and_stream_are_checked()
    {
        var huge = "{\"model\":\"x\",\"messages\":[{\"role\":\"user\",\"content\":\"" + new string('a', 9 * 1024 * 1024) + "\"}]}";
        var tooLarge = await Admin.PostAsync("/v1/chat/completions", new StringContent(huge, Encoding.UTF8, "application/json"));
        (await ErrorAsync(tooLarge, HttpStatusCode.RequestEntityTooLarge)).GetProperty("code").GetString().ShouldBe("request_too_large");

        var messages = new[] { new { role = "user", content = "hi" } };
        var n = await Admin.PostAsJsonAsync("/v1/chat/completions", new { model = LlmPeer.Model, messages, n = 9 });
        (await ErrorAsync(n, HttpStatusCode.BadRequest)).GetProperty("param").GetString().ShouldBe("n");

        foreach (var stream in new object[] { "true", 1 })
        {
            var s = await Admin.PostAsJsonAsync("/v1/chat/completions", new { model = LlmPeer.Model, messages, stream });
            var error = await ErrorAsync(s, HttpStatusCode.BadRequest);
            error.GetProperty("param").GetString().ShouldBe("stream");
            error.GetProperty("type").GetString().ShouldBe("invalid_request_error");
        }
    }

    [Fact]
    public async Task Routing_and_credential_fields_never_reach_the_provider_and_stream_is_the_gateways_boolean()
    {
        await ProviderModelAsync();
        var body = new JsonObject
        {
            ["model"] = LlmPeer.Model,
            ["messages"] = new JsonArray(new JsonObject { ["role"] = "user", ["content"] = "hi" }),
            ["max_tokens"] = 4,
            ["vendor_extension"] = "kept",
        };
        foreach (var field in new[] { "models", "route", "provider", "api_base", "base_url", "api_key", "extra_headers", "extra_body", "transforms" })
        {
            body[field] = field == "models" ? new JsonArray("openai/gpt-4o") : "x";
        }

        var answer = await Admin.PostAsync("/v1/chat/completions", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        answer.StatusCode.ShouldBe(HttpStatusCode.OK, await answer.Content.ReadAsStringAsync());
        var sent = await LastAsync();
        foreach (var field in new[] { "models", "route", "provider", "api_base", "base_url", "api_key", "extra_headers", "extra_body", "transforms" })
        {
            sent.TryGetProperty(field, out _).ShouldBeFalse(field);
        }

        sent.GetProperty("vendor_extension").GetString().ShouldBe("kept");
        sent.GetProperty("stream").ValueKind.ShouldBe(JsonValueKind.False);
        sent.GetProperty("model").GetString().ShouldBe(LlmPeer.Model);
    }

    [Fact]
    public async Task A_provider_answer_or_stream_line_over_its_cap_is_refused_not_buffered()
    {
        var endpoint = new ProviderEndpoint("http://provider.test/v1", null, "m");
        var big = new OpenAiPassThrough(new HttpClient(new Reply("{\"x\":\"" + new string('a', OpenAiPassThrough.MaxAnswerBytes) + "\"}")), TimeSpan.FromMinutes(1));
        (await Should.ThrowAsync<ProviderUnavailableException>(() => big.PostAsync(endpoint, "chat/completions", [], CancellationToken.None))).Message.ShouldContain("16 MiB");

        var line = new OpenAiPassThrough(new HttpClient(new Reply("data: {\"x\":\"" + new string('a', OpenAiPassThrough.MaxLineChars) + "\"}\n\n")), TimeSpan.FromMinutes(1));
        var e = await Should.ThrowAsync<ProviderUnavailableException>(async () =>
        {
            await foreach (var _ in line.StreamAsync(endpoint, "chat/completions", [], CancellationToken.None))
            {
            }
        });
        e.Message.ShouldContain("1 MiB");

        // Under the caps both come through.
        var small = new OpenAiPassThrough(new HttpClient(new Reply("data: {\"a\":1}\r\n\r\ndata: [DONE]\n\n")), TimeSpan.FromMinutes(1));
        var chunks = new List<JsonObject>();
        await foreach (var chunk in small.StreamAsync(endpoint, "chat/completions", [], CancellationToken.None))
        {
            chunks.Add(chunk);
        }

        chunks.ShouldHaveSingleItem()["a"]!.GetValue<int>().ShouldBe(1);
    }

    private async Task ProviderModelAsync()
    {
        var provider = JsonDocument.Parse(await (await Admin.PostAsJsonAsync("/api/v1/llm/providers", new { name = "llama", baseUrl = llm.BaseUrl, apiKey = LlmPeer.ApiKey })).Content.ReadAsStringAsync()).RootElement;
        var models = JsonDocument.Parse(await (await Admin.PostAsync($"/api/v1/llm/providers/{provider.GetProperty("id").GetGuid()}/sync", null)).Content.ReadAsStringAsync()).RootElement;
        var id = models[0].GetProperty("id").GetGuid();
        (await Admin.PutAsJsonAsync($"/api/v1/llm/models/{id}", new { enabled = true, openToAll = true })).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private async Task<JsonElement> LastAsync()
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Bearer", LlmPeer.ApiKey);
        return JsonDocument.Parse(await http.GetStringAsync(llm.BaseUrl.Replace("/v1", "/debug/last-chat", StringComparison.Ordinal))).RootElement.Clone();
    }

    private static async Task<JsonElement> ErrorAsync(HttpResponseMessage response, HttpStatusCode status)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, text);
        response.Content.Headers.ContentType?.MediaType.ShouldBe("application/json", text);
        return JsonDocument.Parse(text).RootElement.GetProperty("error").Clone();
    }

    private sealed class Reply(string body) : HttpMessageHandler
    {
        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken) =>
            Task.FromResult(new HttpResponseMessage(HttpStatusCode.OK) { Content = new StringContent(body, Encoding.UTF8, "application/json") });
    }
}
