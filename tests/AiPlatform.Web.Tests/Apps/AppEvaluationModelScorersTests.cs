using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AiPlatform.Infrastructure.Tests.Builders;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Apps;

/// <summary>
/// The two scorers that need a model, against real ones: embedding similarity with the built-in MiniLM embedder and
/// LLM-as-judge through the gateway to the llama.cpp test server (structured output, so its tiny random model still
/// answers with a score the scorer can read).
/// </summary>
public sealed class AppEvaluationModelScorersTests(LlmPeer llm) : ApiTestBase, IClassFixture<LlmPeer>
{
    [Fact]
    public async Task Embedding_similarity_and_an_llm_judge_score_every_row_with_real_models()
    {
        var provider = (await AppApi.JsonAsync(Admin.PostAsJsonAsync("/api/v1/llm/providers", new { name = "llama", baseUrl = llm.BaseUrl, apiKey = LlmPeer.ApiKey }), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var models = JsonDocument.Parse(await (await Admin.PostAsync($"/api/v1/llm/providers/{provider}/sync", null)).Content.ReadAsStringAsync()).RootElement;
        await AppApi.JsonAsync(Admin.PutAsJsonAsync($"/api/v1/llm/models/{models[0].GetProperty("id").GetGuid()}", new { enabled = true, openToAll = true }), HttpStatusCode.OK);
        var app = await AppApi.CreateAsync(Admin, "greeter-judged");
        await AppApi.PublishAsync(Admin, app, AppApi.Workflow("Hello {{ name }}!"));
        var dataset = (await AppApi.JsonAsync(Admin.PostAsJsonAsync("/api/v1/datasets", new { name = "judged-cases" }), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await AppApi.JsonAsync(Admin.PostAsync($"/api/v1/datasets/{dataset}/versions?fileName=cases.csv", new StringContent("name,expected\nAda,Hello Ada!\nBob,Hello Bob!\nCy,Good evening Cy\n")), HttpStatusCode.Created);
        var before = await llm.RequestsAsync();

        var started = await AppApi.JsonAsync(Admin.PostAsJsonAsync($"/api/v1/apps/{app}/evaluations", new
        {
            datasetId = dataset,
            settings = new
            {
                inputs = new Dictionary<string, string> { ["name"] = "name" },
                expected = "expected",
                scorers = new object[]
                {
                    new { kind = "embedding", name = "similar", settings = new { threshold = 0.99 } },
                    new { kind = "llm-judge", name = "judge", settings = new { model = LlmPeer.Model, rubric = "The answer greets the person by name." } },
                },
            },
        }), HttpStatusCode.Created);
        var id = started.GetProperty("id").GetGuid();
        JsonElement done;
        var deadline = DateTime.UtcNow.AddSeconds(120);
        while ((done = await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/apps/{app}/evaluations/{id}"), HttpStatusCode.OK)).GetProperty("status").GetString() is "Queued" or "Running")
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline, done.GetRawText());
            await Task.Delay(200);
        }

        done.GetProperty("status").GetString().ShouldBe("Succeeded", done.GetRawText());
        var rowsJson = await Admin.GetStringAsync($"/api/v1/runs/{done.GetProperty("experimentRunId").GetString()}/artifacts/content?path=evaluation.json");
        done.GetProperty("rowsFailed").GetInt32().ShouldBe(0, rowsJson);
        var metrics = done.GetProperty("metrics");

        // Identical answers are similar (cosine 1); "Hello Cy!" against "Good evening Cy" is not, at 0.99.
        metrics.GetProperty("similar.pass_rate").GetDouble().ShouldBe(2.0 / 3, 1e-9);
        metrics.GetProperty("similar.mean").GetDouble().ShouldBeInRange(0.67, 0.999);

        // Every row was graded by the model; its scores (1…5) come out in [0, 1].
        metrics.GetProperty("judge.mean").GetDouble().ShouldBeInRange(0, 1);
        (await llm.RequestsAsync()).Completed.ShouldBeGreaterThanOrEqualTo(before.Completed + 3);
        var csv = await Admin.GetStringAsync($"/api/v1/runs/{done.GetProperty("experimentRunId").GetString()}/artifacts/content?path=evaluation.csv");
        csv.Split('\n', StringSplitOptions.RemoveEmptyEntries)[0].ShouldStartWith("row,inputs,query,output,expected,similar,judge,passed");
    }
}
