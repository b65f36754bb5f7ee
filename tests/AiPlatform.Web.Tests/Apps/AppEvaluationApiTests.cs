using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Access;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Apps;

/// <summary>Evaluations over HTTP with the real engine, dataset engine and tracking: a template-only app over a real CSV dataset version.</summary>
public sealed class AppEvaluationApiTests : ApiTestBase
{
    /// <summary>The app's only output: JSON with the greeting and the name's length.</summary>
    private const string Template = """{"greeting": "Hello {{ name }}!", "n": {{ name | size }}}""";

    private const string Csv = "name,expected,len\nAda,Hello Ada!,3\nBob,Hello Bob!,3\nCy,Hi Cy,2\n";

    private async Task<(Guid App, Guid Dataset)> SeedAsync(string slug)
    {
        var app = await AppApi.CreateAsync(Admin, slug);
        await AppApi.PublishAsync(Admin, app, AppApi.Workflow(Template));
        var dataset = (await AppApi.JsonAsync(Admin.PostAsJsonAsync("/api/v1/datasets", new { name = slug + "-cases" }), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        await AppApi.JsonAsync(Admin.PostAsync($"/api/v1/datasets/{dataset}/versions?fileName=cases.csv", new StringContent(Csv)), HttpStatusCode.Created);
        return (app, dataset);
    }

    private async Task<JsonElement> WaitAsync(Guid app, Guid evaluation)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var current = await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/apps/{app}/evaluations/{evaluation}"), HttpStatusCode.OK);
            if (current.GetProperty("status").GetString() is "Succeeded" or "Failed" or "Cancelled")
            {
                return current;
            }

            DateTime.UtcNow.ShouldBeLessThan(deadline, current.GetRawText());
            await Task.Delay(100);
        }
    }

    [Fact]
    public async Task An_evaluation_runs_every_row_scores_it_and_logs_an_experiment_run_with_metrics_and_the_row_table()
    {
        var (app, dataset) = await SeedAsync("greeter-eval");
        var body = new
        {
            datasetId = dataset,
            settings = new
            {
                inputs = new Dictionary<string, string> { ["name"] = "name" },
                expected = "expected",
                scorers = new object[]
                {
                    new { kind = "json-field", name = "greeting", settings = new { path = "greeting" } },
                    new { kind = "contains", name = "mentions" },
                    new { kind = "regex", name = "has_n", settings = new { pattern = "\"n\": \\d+" } },
                },
                concurrency = 2,
            },
        };
        var started = await AppApi.JsonAsync(Admin.PostAsJsonAsync($"/api/v1/apps/{app}/evaluations", body), HttpStatusCode.Created);
        started.GetProperty("version").GetInt32().ShouldBe(1);
        started.GetProperty("datasetVersion").GetInt32().ShouldBe(1);
        var done = await WaitAsync(app, started.GetProperty("id").GetGuid());
        done.GetProperty("status").GetString().ShouldBe("Succeeded", done.GetRawText());
        done.GetProperty("rowsDone").GetInt32().ShouldBe(3);
        done.GetProperty("rowsFailed").GetInt32().ShouldBe(0);
        var metrics = done.GetProperty("metrics");
        metrics.GetProperty("greeting.pass_rate").GetDouble().ShouldBe(2.0 / 3, 1e-9);
        metrics.GetProperty("mentions.pass_rate").GetDouble().ShouldBe(2.0 / 3, 1e-9);
        metrics.GetProperty("has_n.pass_rate").GetDouble().ShouldBe(1);
        metrics.GetProperty("pass_rate").GetDouble().ShouldBe(2.0 / 3, 1e-9);

        // The rows ran as published runs of version 1, source "evaluation".
        var runs = await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/apps/{app}/runs"), HttpStatusCode.OK);
        runs.GetProperty("items").EnumerateArray().Count(r => r.GetProperty("source").GetString() == "evaluation" && r.GetProperty("version").GetInt32() == 1).ShouldBe(3);

        var runId = Guid.Parse(done.GetProperty("experimentRunId").GetString()!);
        var run = await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/runs/{runId}"), HttpStatusCode.OK);
        run.GetProperty("status").GetString().ShouldBe("FINISHED");
        run.GetProperty("params").GetProperty("app").GetString().ShouldBe("greeter-eval");
        run.GetProperty("params").GetProperty("version").GetString().ShouldBe("1");
        var logged = run.GetProperty("metrics").EnumerateArray().ToDictionary(m => m.GetProperty("key").GetString()!, m => m.GetProperty("value").GetDouble());
        logged["greeting.mean"].ShouldBe(2.0 / 3, 1e-9);
        logged["rows"].ShouldBe(3);
        logged.ShouldContainKey("latency_p95_ms");
        var experiment = await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/experiments/{run.GetProperty("experimentId").GetGuid()}"), HttpStatusCode.OK);
        experiment.GetRawText().ShouldContain("App evaluation: greeter-eval");

        var csv = await Admin.GetStringAsync($"/api/v1/runs/{runId}/artifacts/content?path=evaluation.csv");
        var lines = csv.Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines.Length.ShouldBe(4);
        lines[0].ShouldStartWith("row,inputs,query,output,expected,greeting,mentions,has_n,passed");
        lines[3].ShouldContain("Hello Cy!");
        lines[3].ShouldContain("Hi Cy,0,0,1,false");
        (await Admin.GetStringAsync($"/api/v1/runs/{runId}/artifacts/content?path=evaluation.json")).ShouldContain("\"passed\":true");

        // A second evaluation (numbers against the length column) compares with the first on the run compare page.
        var numeric = await AppApi.JsonAsync(Admin.PostAsJsonAsync($"/api/v1/apps/{app}/evaluations", new
        {
            version = 1,
            datasetId = dataset,
            datasetVersion = 1,
            settings = new { inputs = new Dictionary<string, string> { ["name"] = "name" }, expected = "len", scorers = new object[] { new { kind = "numeric", settings = new { tolerance = 0 } } } },
        }), HttpStatusCode.Created);
        var second = await WaitAsync(app, numeric.GetProperty("id").GetGuid());
        second.GetProperty("metrics").GetProperty("numeric.pass_rate").GetDouble().ShouldBe(1, second.GetRawText());
        var secondRun = await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/runs/{second.GetProperty("experimentRunId").GetString()}"), HttpStatusCode.OK);
        secondRun.GetProperty("experimentId").GetGuid().ShouldBe(run.GetProperty("experimentId").GetGuid());
        var list = await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/apps/{app}/evaluations"), HttpStatusCode.OK);
        list.GetProperty("totalCount").GetInt32().ShouldBe(2);
        list.GetProperty("items")[0].GetProperty("id").GetGuid().ShouldBe(numeric.GetProperty("id").GetGuid());

        // Cancelling an ended evaluation is a conflict.
        await AppApi.ProblemAsync(await Admin.PostAsync($"/api/v1/apps/{app}/evaluations/{numeric.GetProperty("id").GetGuid()}/cancel", null), HttpStatusCode.Conflict, null, "Apps.Error.EvalEnded");
    }

    [Fact]
    public async Task Bad_columns_versions_and_datasets_are_refused_with_message_keys_and_readers_cannot_evaluate()
    {
        var (app, dataset) = await SeedAsync("strict-eval");
        object Body(object settings, int? version = null, Guid? datasetId = null, int? datasetVersion = null) => new { version, datasetId = datasetId ?? dataset, datasetVersion, settings };
        var good = new { inputs = new Dictionary<string, string> { ["name"] = "name" }, expected = "expected", scorers = new[] { new { kind = "exact" } } };

        var unknown = await AppApi.ProblemAsync(await Admin.PostAsJsonAsync($"/api/v1/apps/{app}/evaluations", Body(new { inputs = new Dictionary<string, string> { ["name"] = "nom" }, expected = "expected", scorers = new[] { new { kind = "exact" } } })), HttpStatusCode.BadRequest, null, "Apps.Error.EvalColumn");
        unknown.GetRawText().ShouldContain("nom");
        await AppApi.ProblemAsync(await Admin.PostAsJsonAsync($"/api/v1/apps/{app}/evaluations", Body(new { scorers = new[] { new { kind = "exact" } } })), HttpStatusCode.BadRequest, null, "Apps.Error.EvalExpectedColumn");
        await AppApi.ProblemAsync(await Admin.PostAsJsonAsync($"/api/v1/apps/{app}/evaluations", Body(new { expected = "expected", scorers = new[] { new { kind = "bleu" } } })), HttpStatusCode.BadRequest, null, "Apps.Error.EvalScorerKind");
        await AppApi.ProblemAsync(await Admin.PostAsJsonAsync($"/api/v1/apps/{app}/evaluations", Body(good, version: 7)), HttpStatusCode.NotFound, null, "Apps.Error.EvalVersionNotFound");
        await AppApi.ProblemAsync(await Admin.PostAsJsonAsync($"/api/v1/apps/{app}/evaluations", Body(good, datasetVersion: 4)), HttpStatusCode.NotFound, null, "Apps.Error.EvalDatasetVersion");
        (await Admin.PostAsJsonAsync($"/api/v1/apps/{app}/evaluations", Body(good, datasetId: Guid.NewGuid()))).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var draftOnly = await AppApi.CreateAsync(Admin, "draft-only");
        await AppApi.ProblemAsync(await Admin.PostAsJsonAsync($"/api/v1/apps/{draftOnly}/evaluations", Body(good)), HttpStatusCode.BadRequest, null, "Apps.Error.EvalNotPublished");

        // A builder with Write on the app but no grant on the dataset cannot read it (404); a Read grantee cannot evaluate (403) nor list.
        var builder = await CreateUserAsync("eval-builder", SystemRoles.AppBuilder);
        await AppApi.GrantAsync(Admin, builder, app, "Write");
        (await builder.PostAsJsonAsync($"/api/v1/apps/{app}/evaluations", Body(good))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var reader = await CreateUserAsync("eval-reader", SystemRoles.Viewer);
        await AppApi.GrantAsync(Admin, reader, app, "Read");
        await AppApi.GrantAsync(Admin, reader, dataset, "Read", "datasets");
        (await reader.PostAsJsonAsync($"/api/v1/apps/{app}/evaluations", Body(good))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await reader.GetAsync($"/api/v1/apps/{app}/evaluations")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }
}
