using System.ClientModel;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AiPlatform.Infrastructure.Tests.Builders;
using AiPlatform.Web.Tests.Builders;
using OpenAI;
using OpenAI.Chat;

namespace AiPlatform.Web.Tests.Chat;

/// <summary>Providers, chat and the OpenAI-compatible gateway over HTTP, called with the official OpenAI .NET SDK.</summary>
public sealed class GatewayApiTests(LlmPeer llm) : ApiTestBase, IClassFixture<LlmPeer>
{
    protected override bool OverKestrel => true;

    [Fact]
    public async Task The_openai_sdk_lists_and_streams_the_platforms_models_with_a_platform_token_and_usage_is_counted()
    {
        var provider = await Json(Admin.PostAsJsonAsync("/api/v1/llm/providers", new { name = "llama", baseUrl = llm.BaseUrl, apiKey = LlmPeer.ApiKey }));
        provider.GetProperty("hasApiKey").GetBoolean().ShouldBeTrue();
        (await Admin.GetStringAsync("/api/v1/llm/providers")).ShouldNotContain(LlmPeer.ApiKey);
        var models = JsonDocument.Parse(await (await Admin.PostAsync($"/api/v1/llm/providers/{provider.GetProperty("id").GetGuid()}/sync", null)).Content.ReadAsStringAsync()).RootElement;
        var modelId = models[0].GetProperty("id").GetGuid();
        models[0].GetProperty("contextTokens").GetInt32().ShouldBe(512, "the provider's max_model_len");
        var tooSmall = await Admin.PutAsJsonAsync($"/api/v1/llm/models/{modelId}", new { enabled = true, openToAll = true, contextTokens = 100 });
        tooSmall.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        tooSmall.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        JsonDocument.Parse(await tooSmall.Content.ReadAsStringAsync()).RootElement.GetProperty("errors").GetProperty("contextTokens")[0].GetString()!.ShouldContain("256");
        var updated = await Json(Admin.PutAsJsonAsync($"/api/v1/llm/models/{modelId}", new { enabled = true, openToAll = true, contextTokens = 4096 }));
        updated.GetProperty("contextTokens").GetInt32().ShouldBe(4096);

        var token = JsonDocument.Parse(await (await Admin.PostAsJsonAsync("/api/v1/me/tokens", new { name = "sdk", scope = "ReadWrite", expiresInDays = 1 })).Content.ReadAsStringAsync()).RootElement.GetProperty("value").GetString()!;
        var sdk = new OpenAIClient(new ApiKeyCredential(token), new OpenAIClientOptions { Endpoint = new Uri(Factory.ClientOptions.BaseAddress, "/v1") });
        (await sdk.GetOpenAIModelClient().GetModelsAsync()).Value.Select(m => m.Id).ShouldContain(LlmPeer.Model);
        var listed = JsonDocument.Parse(await Admin.GetStringAsync("/v1/models")).RootElement.GetProperty("data").EnumerateArray().Single(m => m.GetProperty("id").GetString() == LlmPeer.Model);
        listed.GetProperty("max_model_len").GetInt32().ShouldBe(4096, "the window, as vLLM lists it");

        var chat = sdk.GetChatClient(LlmPeer.Model);
        var completion = (await chat.CompleteChatAsync([new SystemChatMessage("Be brief."), new UserChatMessage("Hello!")], new ChatCompletionOptions { MaxOutputTokenCount = 8 })).Value;
        completion.Content[0].Text.ShouldNotBeNullOrEmpty();
        completion.Usage.OutputTokenCount.ShouldBeGreaterThan(0);
        completion.Usage.InputTokenCount.ShouldBeGreaterThan(0);

        var streamed = new StringBuilder();
        var updates = 0;
        await foreach (var update in chat.CompleteChatStreamingAsync([new UserChatMessage("Tell me a story.")], new ChatCompletionOptions { MaxOutputTokenCount = 12 }))
        {
            foreach (var part in update.ContentUpdate)
            {
                streamed.Append(part.Text);
                updates++;
            }
        }

        updates.ShouldBeGreaterThan(1);
        streamed.Length.ShouldBeGreaterThan(0);

        var wrong = await Should.ThrowAsync<ClientResultException>(() => sdk.GetChatClient("no-such-model").CompleteChatAsync([new UserChatMessage("hi")]));
        wrong.Status.ShouldBe(404);
        var anonymous = new HttpClient { BaseAddress = Factory.ClientOptions.BaseAddress };
        (await anonymous.GetAsync("/v1/models")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var bad = await Admin.PostAsync("/v1/chat/completions", new StringContent("""{"model": "tiny-llama"}""", Encoding.UTF8, "application/json"));
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        JsonDocument.Parse(await bad.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("message").GetString()!.ShouldContain("messages");

        var usage = JsonDocument.Parse(await Admin.GetStringAsync("/api/v1/llm/usage")).RootElement.EnumerateArray().Single(u => u.GetProperty("source").GetString() == "gateway");
        usage.GetProperty("requests").GetInt64().ShouldBe(2);
        usage.GetProperty("completionTokens").GetInt64().ShouldBeGreaterThan(0);

        var me = JsonDocument.Parse(await Admin.GetStringAsync("/api/v1/me")).RootElement.GetProperty("id").GetGuid();
        (await Admin.PutAsJsonAsync("/api/v1/llm/quotas", new { principalType = "User", principalId = me, tokensPerDay = 1 })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var quota = await Should.ThrowAsync<ClientResultException>(() => chat.CompleteChatAsync([new UserChatMessage("More?")]));
        quota.Status.ShouldBe(429);
        var refused = await Admin.PostAsync("/v1/chat/completions", new StringContent("{\"model\": \"tiny-llama\", \"messages\": [{\"role\": \"user\", \"content\": \"hi\"}]}", Encoding.UTF8, "application/json"));
        var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        error.GetProperty("type").GetString().ShouldBe("insufficient_quota");
        error.GetProperty("message").GetString()!.ShouldContain("resets at");
        JsonDocument.Parse(await Admin.GetStringAsync("/api/v1/llm/quota")).RootElement.GetProperty("limit").GetInt64().ShouldBe(1);
    }

    [Fact]
    public async Task A_request_over_the_models_context_window_is_the_clients_400_streamed_or_not_with_the_providers_reason()
    {
        var provider = await Json(Admin.PostAsJsonAsync("/api/v1/llm/providers", new { name = "llama", baseUrl = llm.BaseUrl, apiKey = LlmPeer.ApiKey }));
        var model = JsonDocument.Parse(await (await Admin.PostAsync($"/api/v1/llm/providers/{provider.GetProperty("id").GetGuid()}/sync", null)).Content.ReadAsStringAsync()).RootElement[0];
        (await Admin.PutAsJsonAsync($"/api/v1/llm/models/{model.GetProperty("id").GetGuid()}", new { enabled = true, openToAll = true })).StatusCode.ShouldBe(HttpStatusCode.OK);
        var tooLong = string.Join(' ', Enumerable.Repeat("The quarterly report lists revenue by region and costs by department.", 60));

        foreach (var stream in new[] { false, true })
        {
            var response = await Admin.PostAsJsonAsync("/v1/chat/completions", new { model = LlmPeer.Model, stream, messages = new[] { new { role = "user", content = tooLong } } });
            response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, $"stream: {stream}");
            response.Content.Headers.ContentType!.MediaType.ShouldBe("application/json");
            var error = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
            error.GetProperty("code").GetString().ShouldBe("context_length_exceeded");
            error.GetProperty("type").GetString().ShouldBe("invalid_request_error");
            error.GetProperty("message").GetString()!.ShouldContain("maximum context length is 512 tokens");
        }

        // The provider's own failures stay the platform's 502.
        await Admin.PutAsJsonAsync($"/api/v1/llm/providers/{provider.GetProperty("id").GetGuid()}", new { name = "llama", baseUrl = "http://127.0.0.1:9/v1", enabled = true });
        var down = await Admin.PostAsJsonAsync("/v1/chat/completions", new { model = LlmPeer.Model, stream = true, messages = new[] { new { role = "user", content = "Hi" } } });
        down.StatusCode.ShouldBe(HttpStatusCode.BadGateway);
        JsonDocument.Parse(await down.Content.ReadAsStringAsync()).RootElement.GetProperty("error").GetProperty("message").GetString()!.ShouldContain("did not answer");
    }

    [Fact]
    public async Task A_conversation_streams_its_answer_as_server_sent_events_and_keeps_the_question_when_the_provider_is_down()
    {
        var provider = await Json(Admin.PostAsJsonAsync("/api/v1/llm/providers", new { name = "llama", baseUrl = llm.BaseUrl, apiKey = LlmPeer.ApiKey }));
        var providerId = provider.GetProperty("id").GetGuid();
        var modelId = JsonDocument.Parse(await (await Admin.PostAsync($"/api/v1/llm/providers/{providerId}/sync", null)).Content.ReadAsStringAsync()).RootElement[0].GetProperty("id").GetGuid();
        await Admin.PutAsJsonAsync($"/api/v1/llm/models/{modelId}", new { enabled = true, openToAll = true });
        var conversation = await Json(Admin.PostAsJsonAsync("/api/v1/conversations", new { model = LlmPeer.Model }));
        var id = conversation.GetProperty("id").GetGuid();

        var response = await Admin.PostAsJsonAsync($"/api/v1/conversations/{id}/messages", new { content = "Hello, streaming?", stream = true });
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
        var events = await response.Content.ReadAsStringAsync();
        events.ShouldContain("event: delta");
        events.ShouldContain("event: message");

        await Admin.PutAsJsonAsync($"/api/v1/llm/providers/{providerId}", new { name = "llama", baseUrl = "http://127.0.0.1:9/v1", apiKey = "" });
        var failed = await Json(Admin.PostAsJsonAsync($"/api/v1/conversations/{id}/messages", new { content = "Still there?" }));
        failed.GetProperty("status").GetString().ShouldBe("Failed");
        failed.GetProperty("error").GetString()!.ShouldContain("did not answer");
        var details = JsonDocument.Parse(await Admin.GetStringAsync($"/api/v1/conversations/{id}")).RootElement.GetProperty("messages");
        details.EnumerateArray().Select(m => m.GetProperty("content").GetString()).ShouldContain("Still there?");
        (await Admin.GetStringAsync($"/api/v1/conversations/{id}/export")).ShouldContain("Hello, streaming?");
    }

    [Fact]
    public async Task Over_http_answers_cite_knowledge_base_chunks_two_models_answer_side_by_side_and_templates_are_saved()
    {
        var names = new List<string>();
        foreach (var name in new[] { "llama-a", "llama-b" })
        {
            var provider = await Json(Admin.PostAsJsonAsync("/api/v1/llm/providers", new { name, baseUrl = llm.BaseUrl, apiKey = LlmPeer.ApiKey }));
            var model = JsonDocument.Parse(await (await Admin.PostAsync($"/api/v1/llm/providers/{provider.GetProperty("id").GetGuid()}/sync", null)).Content.ReadAsStringAsync()).RootElement[0];
            await Admin.PutAsJsonAsync($"/api/v1/llm/models/{model.GetProperty("id").GetGuid()}", new { enabled = true, openToAll = true });
            names.Add(model.GetProperty("name").GetString()!);
        }

        var kb = await Json(Admin.PostAsJsonAsync("/api/v1/knowledge-bases", new { name = "facts", chunkSize = 200, chunkOverlap = 0 }));
        var kbId = kb.GetProperty("id").GetGuid();
        var upload = new StringContent("The cafeteria serves lunch from 11:30 to 14:00 on weekdays.");
        var document = JsonDocument.Parse(await (await Admin.PostAsync($"/api/v1/knowledge-bases/{kbId}/documents?fileName=cafeteria.txt", upload)).Content.ReadAsStringAsync()).RootElement[0];
        await Admin.WaitForJobAsync(document.GetProperty("jobId").GetGuid(), j => j.Status == Core.Jobs.JobStatus.Succeeded, 120);

        var conversation = await Json(Admin.PostAsJsonAsync("/api/v1/conversations", new { model = names[0], knowledgeBases = new[] { kbId } }));
        var id = conversation.GetProperty("id").GetGuid();
        var events = await (await Admin.PostAsJsonAsync($"/api/v1/conversations/{id}/messages", new { content = "When is lunch served?", compareModel = names[1], stream = true })).Content.ReadAsStringAsync();
        events.ShouldContain("\"side\":1");
        events.ShouldContain("event: messages");
        var messages = JsonDocument.Parse(await Admin.GetStringAsync($"/api/v1/conversations/{id}")).RootElement.GetProperty("messages").EnumerateArray().ToList();
        messages.Select(m => m.GetProperty("model").GetString()).ShouldBe([null, names[0], names[1]]);
        messages[2].GetProperty("alternate").GetBoolean().ShouldBeTrue();
        var citations = JsonDocument.Parse(messages[1].GetProperty("citations").GetString()!).RootElement;
        citations[0].GetProperty("documentName").GetString().ShouldBe("cafeteria.txt");
        (await Admin.PostAsJsonAsync($"/api/v1/conversations/{id}/messages", new { content = "x", compareModel = names[0] })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await Admin.PatchAsJsonAsync($"/api/v1/conversations/{id}", new { knowledgeBases = new[] { Guid.NewGuid() } })).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var template = await Json(Admin.PostAsJsonAsync("/api/v1/prompt-templates", new { name = "Brief", content = "Answer in one sentence.", shared = true }));
        JsonDocument.Parse(await Admin.GetStringAsync("/api/v1/prompt-templates")).RootElement.EnumerateArray().ShouldContain(t => t.GetProperty("name").GetString() == "Brief");
        (await Admin.PostAsJsonAsync("/api/v1/prompt-templates", new { name = "Brief", content = "again" })).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await Admin.DeleteAsync($"/api/v1/prompt-templates/{template.GetProperty("id").GetGuid()}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    private static async Task<JsonElement> Json(Task<HttpResponseMessage> call)
    {
        var response = await call;
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue(text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
