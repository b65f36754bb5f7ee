using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Tracing;
using AiPlatform.Core.Tracking;
using AiPlatform.Infrastructure.Tests.Builders;
using AiPlatform.Web.Tests.Api.Mlflow;
using AiPlatform.Web.Tests.Builders;
using Microsoft.Extensions.DependencyInjection;

namespace AiPlatform.Web.Tests.Chat;

/// <summary>The platform's own LLM traffic (gateway calls, chat answers) lands as traces in the caller's private system experiment.</summary>
public sealed class PlatformTraceTests(LlmPeer llm) : ApiTestBase, IClassFixture<LlmPeer>
{
    protected override bool OverKestrel => true;

    [Fact]
    public async Task A_gateway_call_and_a_chat_answer_each_write_a_trace_that_only_the_caller_can_read()
    {
        var provider = await Json(Admin.PostAsJsonAsync("/api/v1/llm/providers", new { name = "llama", baseUrl = llm.BaseUrl, apiKey = LlmPeer.ApiKey }));
        var modelId = JsonDocument.Parse(await (await Admin.PostAsync($"/api/v1/llm/providers/{provider.GetProperty("id").GetGuid()}/sync", null)).Content.ReadAsStringAsync()).RootElement[0].GetProperty("id").GetGuid();
        (await Admin.PutAsJsonAsync($"/api/v1/llm/models/{modelId}", new { enabled = true, openToAll = true })).EnsureSuccessStatusCode();

        var completion = await Admin.PostAsync("/v1/chat/completions", new StringContent(
            """{"model": "tiny-llama", "max_tokens": 8, "messages": [{"role": "system", "content": "Be brief."}, {"role": "user", "content": "Name a colour."}]}""", Encoding.UTF8, "application/json"));
        var answer = JsonDocument.Parse(await completion.Content.ReadAsStringAsync()).RootElement;
        completion.StatusCode.ShouldBe(HttpStatusCode.OK, answer.ToString());
        var answerText = answer.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;

        var gateway = await WaitForTraceAsync("gateway");
        gateway.GetProperty("state").GetString().ShouldBe("OK");
        gateway.GetProperty("tags").GetProperty("mlflow.traceName").GetString().ShouldBe("chat.completions");
        gateway.GetProperty("trace_metadata").GetProperty("aiplatform.model").GetString().ShouldBe(LlmPeer.Model);
        gateway.GetProperty("request_preview").GetString().ShouldBe("Name a colour.");
        var usage = JsonDocument.Parse(gateway.GetProperty("trace_metadata").GetProperty("mlflow.trace.tokenUsage").GetString()!).RootElement;
        usage.GetProperty("total_tokens").GetInt64().ShouldBe(answer.GetProperty("usage").GetProperty("total_tokens").GetInt64());
        gateway.GetProperty("execution_duration").GetString()!.ShouldEndWith("s");
        var root = (await SpansAsync(gateway)).Single();
        var inputs = JsonDocument.Parse(root.GetProperty("attributes").GetProperty("mlflow.spanInputs").GetString()!).RootElement;
        inputs.GetProperty("messages")[1].GetProperty("content").GetString().ShouldBe("Name a colour.");
        JsonDocument.Parse(root.GetProperty("attributes").GetProperty("mlflow.spanOutputs").GetString()!).RootElement.GetProperty("content").GetString().ShouldBe(answerText);
        root.GetProperty("status").GetProperty("code").GetString().ShouldBe("STATUS_CODE_OK");

        var conversation = await Json(Admin.PostAsJsonAsync("/api/v1/conversations", new { model = LlmPeer.Model, systemPrompt = "You are terse." }));
        var message = await Json(Admin.PostAsJsonAsync($"/api/v1/conversations/{conversation.GetProperty("id").GetGuid()}/messages", new { content = "Say hello." }));
        var chat = await WaitForTraceAsync("chat");
        chat.GetProperty("tags").GetProperty("mlflow.traceName").GetString().ShouldBe("chat.answer");
        chat.GetProperty("request_preview").GetString().ShouldBe("Say hello.");
        chat.GetProperty("response_preview").GetString().ShouldBe(message.GetProperty("content").GetString());
        var spans = await SpansAsync(chat);
        var llmSpan = spans.Single(s => s.GetProperty("attributes").GetProperty("mlflow.spanType").GetString() == "\"CHAT_MODEL\"");
        var llmInputs = JsonDocument.Parse(llmSpan.GetProperty("attributes").GetProperty("mlflow.spanInputs").GetString()!).RootElement;
        llmInputs.GetProperty("system_prompt").GetString().ShouldBe("You are terse.");
        llmInputs.GetProperty("question").GetString().ShouldBe("Say hello.");
        llmSpan.GetProperty("attributes").GetProperty("mlflow.chat.tokenUsage").GetString()!.ShouldContain("output_tokens");
        llmSpan.GetProperty("parent_span_id").GetString().ShouldBe(spans.Single(s => s.GetProperty("name").GetString() == "chat.answer").GetProperty("span_id").GetString());

        // Bob may read admin's Default project, which holds the system experiment; he still sees none of the prompts.
        var bob = await CreateUserAsync("bob", SystemRoles.ModelDeveloper);
        bob.BaseAddress = Factory.ClientOptions.BaseAddress;
        var bobId = (await bob.GetFromJsonAsync<JsonElement>("/api/v1/me", JsonDefaults.Options)).GetProperty("id").GetGuid();
        Experiment experiment;
        using (var scope = Factory.Services.CreateScope())
        {
            var admin = (await scope.ServiceProvider.GetRequiredService<IUserDirectory>().FindByNameAsync("admin", default))!.Id;
            experiment = (await scope.ServiceProvider.GetRequiredService<ITrackingStore>().FindExperimentByNameAsync(admin, PlatformTraceWriter.ExperimentName("admin"), default))!;
        }

        (await Admin.PostAsJsonAsync($"/api/v1/projects/{experiment.ProjectId}/grants", new { principalType = "User", principalId = bobId, level = "Write" }, JsonDefaults.Options)).EnsureSuccessStatusCode();
        (await bob.GetAsync($"/api/2.0/mlflow/experiments/get?experiment_id={experiment.MlflowId}")).StatusCode.ShouldBe(HttpStatusCode.OK, "the experiment is in a project bob may write");
        (await MlflowTraceApiTests.RawAsync(bob, HttpMethod.Post, "/api/3.0/mlflow/traces/search", Search(experiment.MlflowId))).Status.ShouldBe(404);
        (await MlflowTraceApiTests.RawAsync(bob, HttpMethod.Get, $"/api/3.0/mlflow/traces/{chat.GetProperty("trace_id").GetString()}", null)).Status.ShouldBe(404);
        (await bob.GetAsync($"/api/2.0/mlflow-artifacts/artifacts/{experiment.MlflowId}/traces/{gateway.GetProperty("trace_id").GetString()}/artifacts/traces.json")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    private async Task<JsonElement> WaitForTraceAsync(string source)
    {
        var deadline = DateTimeOffset.UtcNow.AddSeconds(90);
        while (true)
        {
            var experiment = await Admin.GetAsync($"/api/2.0/mlflow/experiments/get-by-name?experiment_name={Uri.EscapeDataString(PlatformTraceWriter.ExperimentName("admin"))}");
            if (experiment.IsSuccessStatusCode)
            {
                var id = JsonDocument.Parse(await experiment.Content.ReadAsStringAsync()).RootElement.GetProperty("experiment").GetProperty("experiment_id").GetString()!;
                var (status, body) = await MlflowTraceApiTests.RawAsync(Admin, HttpMethod.Post, "/api/3.0/mlflow/traces/search", Search(id, $"tags.`aiplatform.source` = '{source}'"));
                status.ShouldBe(200, body.ToString());
                if (body.GetProperty("traces").GetArrayLength() > 0)
                {
                    return body.GetProperty("traces")[0];
                }
            }

            if (DateTimeOffset.UtcNow > deadline)
            {
                throw new TimeoutException($"No {source} trace was written to '{PlatformTraceWriter.ExperimentName("admin")}' within 90 s.");
            }

            await Task.Delay(200);
        }
    }

    private async Task<List<JsonElement>> SpansAsync(JsonElement trace)
    {
        var location = trace.GetProperty("tags").GetProperty("mlflow.artifactLocation").GetString()!["mlflow-artifacts:/".Length..];
        var json = await Admin.GetStringAsync($"/api/2.0/mlflow-artifacts/artifacts/{location}/traces.json");
        return JsonDocument.Parse(json).RootElement.GetProperty("spans").EnumerateArray().Select(s => s.Clone()).ToList();
    }

    private static string Search(string experimentId, string? filter = null) =>
        JsonSerializer.Serialize(new { locations = new[] { new { type = "MLFLOW_EXPERIMENT", mlflow_experiment = new { experiment_id = experimentId } } }, filter, max_results = 10 });

    private static async Task<JsonElement> Json(Task<HttpResponseMessage> call)
    {
        var response = await call;
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue(text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }
}
