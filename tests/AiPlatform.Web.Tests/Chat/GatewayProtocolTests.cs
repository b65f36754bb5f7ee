using System.ClientModel;
using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Infrastructure.Tests.Builders;
using AiPlatform.Web.Tests.Builders;
using AiPlatform.Web.Tests.Security;
using OpenAI;
using OpenAI.Chat;
using OpenAI.Embeddings;

namespace AiPlatform.Web.Tests.Chat;

/// <summary>
/// The gateway as OpenAI's own SDKs use it (the .NET <c>OpenAI</c> package here, npm <c>openai</c> through
/// scripts/peers/openai-node), against the llama.cpp peer: tool calls streamed or not and their results, structured
/// output, the request fields passed through, embeddings of a provider model and of the built-in MiniLM, and OpenAI's
/// error body on every refusal.
/// </summary>
public sealed class GatewayProtocolTests(LlmPeer llm) : ApiTestBase, IClassFixture<LlmPeer>
{
    private const string Local = "local:all-MiniLM-L6-v2";

    private static readonly BinaryData WeatherParameters = BinaryData.FromString("""
        {"type": "object", "properties": {"city": {"type": "string", "enum": ["Paris", "Rome"]}}, "required": ["city"], "additionalProperties": false}
        """);

    protected override bool OverKestrel => true;

    [Fact]
    public async Task The_dotnet_sdk_gets_a_forced_tool_call_streamed_or_not_and_sends_its_result_back()
    {
        var chat = (await SdkAsync()).GetChatClient(LlmPeer.Model);
        var tool = ChatTool.CreateFunctionTool("get_weather", "The weather in a city.", WeatherParameters);
        var options = new ChatCompletionOptions { Tools = { tool }, ToolChoice = ChatToolChoice.CreateFunctionChoice("get_weather"), MaxOutputTokenCount = 64 };

        var called = (await chat.CompleteChatAsync([new UserChatMessage("Weather in Paris?")], options)).Value;
        called.FinishReason.ShouldBe(ChatFinishReason.ToolCalls);
        var call = called.ToolCalls.ShouldHaveSingleItem();
        call.FunctionName.ShouldBe("get_weather");
        JsonDocument.Parse(call.FunctionArguments).RootElement.GetProperty("city").GetString().ShouldBeOneOf("Paris", "Rome");

        // Streamed: the SDK's tool call updates (id and name first, then the arguments piece by piece) make one call.
        var id = new StringBuilder();
        var name = new StringBuilder();
        var arguments = new StringBuilder();
        var pieces = 0;
        ChatFinishReason? finish = null;
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("Weather in Rome?")], options))
        {
            foreach (var part in update.ToolCallUpdates)
            {
                part.Index.ShouldBe(0);
                id.Append(part.ToolCallId);
                name.Append(part.FunctionName);
                arguments.Append(part.FunctionArgumentsUpdate?.ToString());
                pieces++;
            }

            finish = update.FinishReason ?? finish;
        }

        finish.ShouldBe(ChatFinishReason.ToolCalls);
        pieces.ShouldBeGreaterThan(2, "the arguments arrive as deltas");
        id.ToString().ShouldStartWith("call_");
        name.ToString().ShouldBe("get_weather");
        JsonDocument.Parse(arguments.ToString()).RootElement.GetProperty("city").GetString().ShouldBeOneOf("Paris", "Rome");

        // The result goes back with the call it answers; the provider gets both messages as OpenAI wrote them.
        var answered = (await chat.CompleteChatAsync(
            [new UserChatMessage("Weather in Paris?"), new AssistantChatMessage([call]), new ToolChatMessage(call.Id, """{"celsius": 21}""")],
            new ChatCompletionOptions { MaxOutputTokenCount = 8 })).Value;
        answered.FinishReason.ShouldBeOneOf(ChatFinishReason.Stop, ChatFinishReason.Length);
        var sent = await LastAsync("last-chat");
        sent.GetProperty("model").GetString().ShouldBe(LlmPeer.Model);
        var messages = sent.GetProperty("messages");
        messages[1].GetProperty("tool_calls")[0].GetProperty("id").GetString().ShouldBe(call.Id);
        messages[1].GetProperty("tool_calls")[0].GetProperty("function").GetProperty("name").GetString().ShouldBe("get_weather");
        messages[2].GetProperty("role").GetString().ShouldBe("tool");
        messages[2].GetProperty("tool_call_id").GetString().ShouldBe(call.Id);

        var usage = JsonDocument.Parse(await Admin.GetStringAsync("/api/v1/llm/usage")).RootElement.EnumerateArray().Single(u => u.GetProperty("source").GetString() == "gateway");
        usage.GetProperty("requests").GetInt64().ShouldBe(3);
        usage.GetProperty("completionTokens").GetInt64().ShouldBeGreaterThan(0);
    }

    [Fact]
    public async Task Json_schema_output_parses_and_every_request_field_reaches_the_provider()
    {
        var chat = (await SdkAsync()).GetChatClient(LlmPeer.Model);
        var schema = BinaryData.FromString("""
            {"type": "object", "properties": {"sunny": {"type": "boolean"}, "city": {"type": "string", "enum": ["Paris", "Rome"]}}, "required": ["sunny", "city"], "additionalProperties": false}
            """);
        var structured = (await chat.CompleteChatAsync(
            [new UserChatMessage("Is it sunny?")],
            new ChatCompletionOptions { ResponseFormat = ChatResponseFormat.CreateJsonSchemaFormat("answer", schema, jsonSchemaIsStrict: true), MaxOutputTokenCount = 64 })).Value;
        var answer = JsonDocument.Parse(structured.Content[0].Text).RootElement;
        answer.GetProperty("sunny").ValueKind.ShouldBeOneOf(JsonValueKind.True, JsonValueKind.False);
        answer.GetProperty("city").GetString().ShouldBeOneOf("Paris", "Rome");
        (await LastAsync("last-chat")).GetProperty("response_format").GetProperty("json_schema").GetProperty("name").GetString().ShouldBe("answer");

        // n, seed, user, logprobs, parallel_tool_calls and a field no client library knows: all reach the provider as sent.
        var response = await Admin.PostAsync("/v1/chat/completions", new StringContent($$"""
            {"model": "{{LlmPeer.Model}}", "messages": [{"role": "user", "content": "Hi"}], "n": 2, "seed": 7, "temperature": 0.8, "user": "user-42",
             "logprobs": false, "parallel_tool_calls": false, "vendor_extension": {"keep": [1, 2]}, "max_tokens": 4}
            """, Encoding.UTF8, "application/json"));
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, body);
        var completion = JsonDocument.Parse(body).RootElement;
        completion.GetProperty("model").GetString().ShouldBe(LlmPeer.Model);
        completion.GetProperty("choices").GetArrayLength().ShouldBe(2, "n choices come back");
        completion.GetProperty("system_fingerprint").GetString().ShouldBe("tiny-llama", "the provider's fields come back");
        var sent = await LastAsync("last-chat");
        sent.GetProperty("n").GetInt32().ShouldBe(2);
        sent.GetProperty("seed").GetInt32().ShouldBe(7);
        sent.GetProperty("user").GetString().ShouldBe("user-42");
        sent.GetProperty("logprobs").GetBoolean().ShouldBeFalse();
        sent.GetProperty("parallel_tool_calls").GetBoolean().ShouldBeFalse();
        sent.GetProperty("vendor_extension").GetProperty("keep").GetArrayLength().ShouldBe(2);
    }

    [Fact]
    public async Task Embeddings_of_a_provider_model_and_of_the_built_in_minilm_come_as_floats_or_base64_and_are_counted()
    {
        var sdk = await SdkAsync();
        JsonDocument.Parse(await Admin.GetStringAsync("/v1/models")).RootElement.GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()).ShouldContain(Local);

        foreach (var (model, dimensions) in new[] { (LlmPeer.Model, 64), (Local, 384) })
        {
            // The SDK asks for base64 and decodes it.
            var embeddings = (await sdk.GetEmbeddingClient(model).GenerateEmbeddingsAsync(["first text", "second text"])).Value;
            embeddings.Count.ShouldBe(2);
            embeddings.Model.ShouldBe(model);
            var vector = embeddings[0].ToFloats().ToArray();
            vector.Length.ShouldBe(dimensions, model);
            embeddings.Usage.InputTokenCount.ShouldBeGreaterThan(0);

            var floats = JsonDocument.Parse(await (await Admin.PostAsJsonAsync("/v1/embeddings", new { model, input = "first text", encoding_format = "float" })).Content.ReadAsStringAsync()).RootElement;
            floats.GetProperty("data")[0].GetProperty("embedding").EnumerateArray().Select(e => e.GetSingle()).ShouldBe(vector, model);
            floats.GetProperty("usage").GetProperty("total_tokens").GetInt32().ShouldBeGreaterThan(0);
        }

        // Token ids and dimensions go to a provider that takes them; the built-in model has its 384.
        var tokens = JsonDocument.Parse(await (await Admin.PostAsJsonAsync("/v1/embeddings", new { model = LlmPeer.Model, input = new[] { new[] { 1, 2, 3 } }, dimensions = 8 })).Content.ReadAsStringAsync()).RootElement;
        tokens.GetProperty("data")[0].GetProperty("embedding").GetArrayLength().ShouldBe(8);
        tokens.GetProperty("usage").GetProperty("prompt_tokens").GetInt32().ShouldBe(3);
        var local = await Admin.PostAsJsonAsync("/v1/embeddings", new { model = Local, input = "text", dimensions = 10 });
        local.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await ErrorAsync(local)).GetProperty("message").GetString()!.ShouldContain("384");

        var usage = JsonDocument.Parse(await Admin.GetStringAsync("/api/v1/llm/usage")).RootElement.EnumerateArray().Where(u => u.GetProperty("source").GetString() == "gateway").ToList();
        usage.Single(u => u.GetProperty("model").GetString() == LlmPeer.Model).GetProperty("requests").GetInt64().ShouldBe(3);
        usage.Single(u => u.GetProperty("model").GetString() == Local).GetProperty("promptTokens").GetInt64().ShouldBeGreaterThan(0);

        // Quotas hold for embeddings as for chat.
        var me = JsonDocument.Parse(await Admin.GetStringAsync("/api/v1/me")).RootElement.GetProperty("id").GetGuid();
        (await Admin.PutAsJsonAsync("/api/v1/llm/quotas", new { principalType = "User", principalId = me, tokensPerDay = 1 })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var quota = await Should.ThrowAsync<ClientResultException>(() => sdk.GetEmbeddingClient(Local).GenerateEmbeddingAsync("more"));
        quota.Status.ShouldBe(429);
        quota.Message.ShouldContain("daily quota");
    }

    [Fact]
    public async Task Every_refusal_has_openais_error_body_and_the_gateway_takes_the_models_grants()
    {
        var modelId = await ProviderModelAsync(openToAll: false);

        // 401: no token, a wrong token (refused before any endpoint runs).
        var anonymous = new HttpClient { BaseAddress = Factory.ClientOptions.BaseAddress };
        var noToken = await anonymous.PostAsJsonAsync("/v1/chat/completions", new { model = LlmPeer.Model, messages = new[] { new { role = "user", content = "hi" } } });
        noToken.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await ErrorAsync(noToken)).GetProperty("code").GetString().ShouldBe("invalid_api_key");
        var wrong = Client("aip_not-a-real-token");
        var unauthorized = await Should.ThrowAsync<ClientResultException>(() => wrong.GetChatClient(LlmPeer.Model).CompleteChatAsync([new UserChatMessage("hi")]));
        unauthorized.Status.ShouldBe(401);
        var body = await ErrorAsync(unauthorized);
        body.GetProperty("type").GetString().ShouldBe("invalid_request_error");
        unauthorized.Message.ShouldContain(body.GetProperty("message").GetString()!);

        // 403: a user without chat.use; a read-only token on a POST that writes.
        await CreateUserAsync("viewer", SystemRoles.Viewer);
        var viewer = Client(await As("viewer").MintTokenAsync());
        var forbidden = await Should.ThrowAsync<ClientResultException>(() => viewer.GetOpenAIModelClient().GetModelsAsync());
        forbidden.Status.ShouldBe(403);
        (await ErrorAsync(forbidden)).GetProperty("type").GetString().ShouldBe("permission_error");
        var readOnly = await Admin.MintTokenAsync("Read");
        var readOnlyClient = new HttpClient { BaseAddress = Factory.ClientOptions.BaseAddress }.WithBearer(readOnly);
        var write = await readOnlyClient.PostAsJsonAsync("/v1/files", new { });
        write.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await ErrorAsync(write)).GetProperty("message").GetString()!.ShouldContain("only read");

        // A Read grant opens the model to one analyst, for chat and embeddings; her read-only token is refused by both
        // (the gateway's chat.use takes a token that may write, as the platform's chat does).
        await CreateUserAsync("ana", SystemRoles.DataAnalyst);
        await CreateUserAsync("bob", SystemRoles.DataAnalyst);
        var ana = As("ana");
        var anaId = JsonDocument.Parse(await ana.GetStringAsync("/api/v1/me")).RootElement.GetProperty("id").GetGuid();
        (await Admin.PostAsJsonAsync($"/api/v1/llm/models/{modelId}/grants", new { principalType = "User", principalId = anaId, level = "Read" })).IsSuccessStatusCode.ShouldBeTrue();
        var anaReadOnly = Client(await ana.MintTokenAsync("Read"));
        (await Should.ThrowAsync<ClientResultException>(() => anaReadOnly.GetChatClient(LlmPeer.Model).CompleteChatAsync([new UserChatMessage("hi")]))).Status.ShouldBe(403);
        var readOnlyEmbedding = await Should.ThrowAsync<ClientResultException>(() => anaReadOnly.GetEmbeddingClient(LlmPeer.Model).GenerateEmbeddingAsync("hi"));
        readOnlyEmbedding.Status.ShouldBe(403);
        (await ErrorAsync(readOnlyEmbedding)).GetProperty("message").GetString()!.ShouldContain("only read");
        var anaSdk = Client(await ana.MintTokenAsync());
        (await anaSdk.GetChatClient(LlmPeer.Model).CompleteChatAsync([new UserChatMessage("hi")], new ChatCompletionOptions { MaxOutputTokenCount = 4 })).Value.Content.ShouldNotBeEmpty();
        (await anaSdk.GetEmbeddingClient(LlmPeer.Model).GenerateEmbeddingAsync("hi")).Value.ToFloats().Length.ShouldBe(64);

        // 404: a model the caller may not use is one that does not exist, for chat and embeddings alike.
        var bob = Client(await As("bob").MintTokenAsync());
        var notFound = await Should.ThrowAsync<ClientResultException>(() => bob.GetChatClient(LlmPeer.Model).CompleteChatAsync([new UserChatMessage("hi")]));
        notFound.Status.ShouldBe(404);
        (await ErrorAsync(notFound)).GetProperty("code").GetString().ShouldBe("model_not_found");
        (await Should.ThrowAsync<ClientResultException>(() => bob.GetEmbeddingClient(LlmPeer.Model).GenerateEmbeddingAsync("hi"))).Status.ShouldBe(404);
        (await bob.GetEmbeddingClient(Local).GenerateEmbeddingAsync("hi")).Value.ToFloats().Length.ShouldBe(384);

        // 429: the daily quota.
        (await Admin.PutAsJsonAsync("/api/v1/llm/quotas", new { principalType = "User", principalId = anaId, tokensPerDay = 1 })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var quota = await Should.ThrowAsync<ClientResultException>(() => anaSdk.GetChatClient(LlmPeer.Model).CompleteChatAsync([new UserChatMessage("hi")]));
        quota.Status.ShouldBe(429);
        var spent = await ErrorAsync(quota);
        spent.GetProperty("type").GetString().ShouldBe("insufficient_quota");
        spent.GetProperty("code").GetString().ShouldBe("insufficient_quota");
    }

    [Fact]
    public async Task The_npm_openai_sdk_calls_tools_structured_output_embeddings_and_gets_openai_errors()
    {
        var token = await Admin.MintTokenAsync();
        await ProviderModelAsync(openToAll: true);
        await CreateUserAsync("viewer", SystemRoles.Viewer);
        var viewerToken = await As("viewer").MintTokenAsync();
        await CreateUserAsync("spent", SystemRoles.DataAnalyst);
        var spent = As("spent");
        var spentToken = await spent.MintTokenAsync();
        var spentId = JsonDocument.Parse(await spent.GetStringAsync("/api/v1/me")).RootElement.GetProperty("id").GetGuid();
        (await Admin.PutAsJsonAsync("/api/v1/llm/quotas", new { principalType = "User", principalId = spentId, tokensPerDay = 1 })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await spent.PostAsJsonAsync("/v1/embeddings", new { model = Local, input = "use up the day" })).StatusCode.ShouldBe(HttpStatusCode.OK);

        var result = await RunNodeAsync(new Dictionary<string, string>
        {
            ["AIP_GATEWAY_URL"] = new Uri(Factory.ClientOptions.BaseAddress, "/v1").ToString(),
            ["AIP_MODEL"] = LlmPeer.Model,
            ["AIP_LOCAL_MODEL"] = Local,
            ["AIP_TOKEN"] = token,
            ["AIP_VIEWER_TOKEN"] = viewerToken,
            ["AIP_SPENT_TOKEN"] = spentToken,
        });

        var call = result.GetProperty("toolCall");
        call.GetProperty("finish").GetString().ShouldBe("tool_calls");
        call.GetProperty("model").GetString().ShouldBe(LlmPeer.Model);
        JsonDocument.Parse(call.GetProperty("calls")[0].GetProperty("function").GetProperty("arguments").GetString()!).RootElement.GetProperty("city").GetString().ShouldBeOneOf("Paris", "Rome");
        var streamed = result.GetProperty("streamedToolCall");
        streamed.GetProperty("deltas").GetInt32().ShouldBeGreaterThan(2);
        streamed.GetProperty("finish").GetString().ShouldBe("tool_calls");
        var assembled = streamed.GetProperty("calls")[0];
        assembled.GetProperty("id").GetString()!.ShouldStartWith("call_");
        JsonDocument.Parse(assembled.GetProperty("function").GetProperty("arguments").GetString()!).RootElement.GetProperty("city").GetString().ShouldBeOneOf("Paris", "Rome");
        streamed.GetProperty("usage").GetProperty("completion_tokens").GetInt32().ShouldBeGreaterThan(0);
        result.GetProperty("toolResult").GetProperty("finish").GetString().ShouldBeOneOf("stop", "length");
        result.GetProperty("jsonSchema").GetProperty("parsed").GetProperty("city").GetString().ShouldBeOneOf("Paris", "Rome");

        foreach (var (key, model, dimensions) in new[] { ("embeddings_provider", LlmPeer.Model, 64), ("embeddings_local", Local, 384) })
        {
            var embeddings = result.GetProperty(key);
            embeddings.GetProperty("model").GetString().ShouldBe(model);
            embeddings.GetProperty("count").GetInt32().ShouldBe(2);
            embeddings.GetProperty("dimensions").GetInt32().ShouldBe(dimensions);
            embeddings.GetProperty("sameAsFloat").GetBoolean().ShouldBeTrue(key);
            embeddings.GetProperty("usage").GetProperty("prompt_tokens").GetInt32().ShouldBeGreaterThan(0);
        }

        foreach (var (key, name, status, type) in new[]
        {
            ("unauthorized", "AuthenticationError", 401, "invalid_request_error"),
            ("forbidden", "PermissionDeniedError", 403, "permission_error"),
            ("notFound", "NotFoundError", 404, "invalid_request_error"),
            ("quota", "RateLimitError", 429, "insufficient_quota"),
        })
        {
            var refusal = result.GetProperty(key);
            refusal.GetProperty("refused").GetBoolean().ShouldBeTrue(key);
            refusal.GetProperty("name").GetString().ShouldBe(name, key);
            refusal.GetProperty("status").GetInt32().ShouldBe(status, key);
            refusal.GetProperty("type").GetString().ShouldBe(type, key);
            refusal.GetProperty("message").GetString()!.ShouldContain(refusal.GetProperty("error").GetProperty("message").GetString()!, Case.Sensitive, key);
        }
    }

    /// <summary>Adds the peer as a provider and its model, open to everyone or not; returns the model's id.</summary>
    private async Task<Guid> ProviderModelAsync(bool openToAll)
    {
        var provider = await Json(Admin.PostAsJsonAsync("/api/v1/llm/providers", new { name = "llama", baseUrl = llm.BaseUrl, apiKey = LlmPeer.ApiKey }));
        var models = JsonDocument.Parse(await (await Admin.PostAsync($"/api/v1/llm/providers/{provider.GetProperty("id").GetGuid()}/sync", null)).Content.ReadAsStringAsync()).RootElement;
        var id = models[0].GetProperty("id").GetGuid();
        (await Admin.PutAsJsonAsync($"/api/v1/llm/models/{id}", new { enabled = true, openToAll })).StatusCode.ShouldBe(HttpStatusCode.OK);
        return id;
    }

    /// <summary>The official SDK with an administrator's token, the model enabled for everyone.</summary>
    private async Task<OpenAIClient> SdkAsync()
    {
        await ProviderModelAsync(openToAll: true);
        return Client(await Admin.MintTokenAsync());
    }

    /// <summary>A client signed in as a user <see cref="ApiTestBase.CreateUserAsync"/> made, on the Kestrel port.</summary>
    private HttpClient As(string userName)
    {
        var client = Factory.CreateClientAs(userName, "Passw0rd-" + userName);
        client.BaseAddress = Factory.ClientOptions.BaseAddress;
        return client;
    }

    private OpenAIClient Client(string token) =>
        new(new ApiKeyCredential(token), new OpenAIClientOptions { Endpoint = new Uri(Factory.ClientOptions.BaseAddress, "/v1"), RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(maxRetries: 0) });

    /// <summary>The body the peer last received at /v1/chat/completions or /v1/embeddings.</summary>
    private async Task<JsonElement> LastAsync(string which)
    {
        using var http = new HttpClient();
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", LlmPeer.ApiKey);
        return JsonDocument.Parse(await http.GetStringAsync(llm.BaseUrl.Replace("/v1", "/debug/" + which, StringComparison.Ordinal))).RootElement.Clone();
    }

    /// <summary>The <c>error</c> object of an OpenAI-shaped body, with all four members.</summary>
    private static async Task<JsonElement> ErrorAsync(HttpResponseMessage response) => ErrorOf(await response.Content.ReadAsStringAsync(), response.Content.Headers.ContentType?.MediaType);

    private static Task<JsonElement> ErrorAsync(ClientResultException e)
    {
        var raw = e.GetRawResponse().ShouldNotBeNull();
        return Task.FromResult(ErrorOf(raw.Content.ToString(), raw.Headers.TryGetValue("Content-Type", out var type) ? type : null));
    }

    private static JsonElement ErrorOf(string body, string? contentType)
    {
        contentType.ShouldNotBeNull(body).ShouldStartWith("application/json", Case.Sensitive, body);
        var error = JsonDocument.Parse(body).RootElement.GetProperty("error").Clone();
        foreach (var member in new[] { "message", "type", "param", "code" })
        {
            error.TryGetProperty(member, out _).ShouldBeTrue($"{member} in {body}");
        }

        error.GetProperty("message").GetString().ShouldNotBeNullOrEmpty(body);
        return error;
    }

    /// <summary>Runs scripts/peers/openai-node/exercise.mjs and returns the JSON it prints.</summary>
    private static async Task<JsonElement> RunNodeAsync(IReadOnlyDictionary<string, string> environment)
    {
        var folder = Path.Combine(NodePeer.RepositoryRoot(), "scripts", "peers", "openai-node");
        if (!Directory.Exists(Path.Combine(folder, "node_modules")))
        {
            throw new InvalidOperationException("scripts/peers/openai-node is not installed: run scripts/test.sh (it runs npm ci there).");
        }

        var start = new ProcessStartInfo("node", ["exercise.mjs"]) { WorkingDirectory = folder, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("node did not start.");
        var output = process.StandardOutput.ReadToEndAsync();
        var errors = process.StandardError.ReadToEndAsync();
        using var limit = new CancellationTokenSource(TimeSpan.FromMinutes(5));
        try
        {
            await process.WaitForExitAsync(limit.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw new TimeoutException($"exercise.mjs did not finish in 5 minutes: {await errors}");
        }

        process.ExitCode.ShouldBe(0, await errors);
        return JsonDocument.Parse(await output).RootElement.Clone();
    }

    private static async Task<JsonElement> Json(Task<HttpResponseMessage> call)
    {
        var response = await call;
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue(text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
