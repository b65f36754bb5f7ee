using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Audit;
using AiPlatform.Web.Tests.Builders;
using Microsoft.Extensions.DependencyInjection;

namespace AiPlatform.Web.Tests.Apps;

/// <summary>
/// App monitoring over HTTP from real runs: counts, error rate, nearest-rank p50/p95 overall and per node (checked
/// against the runs' own recorded durations), versions, per-key figures only for Write and above, 404 for a
/// non-reader, the window's validation, and the Prometheus meter.
/// </summary>
public sealed class AppMonitoringApiTests : ApiTestBase
{
    [Fact]
    public async Task Monitoring_counts_real_runs_and_its_percentiles_match_the_recorded_run_and_node_durations()
    {
        var id = await AppApi.CreateAsync(Admin, "watched");
        await AppApi.PublishAsync(Admin, id, AppApi.Workflow("Hi {{ name }}"));
        for (var i = 0; i < 5; i++)
        {
            var ok = await AppApi.JsonAsync(Admin.PostAsJsonAsync("/api/v1/apps/watched/run", new { inputs = new { name = $"n{i}" } }), HttpStatusCode.OK);
            ok.GetProperty("status").GetString().ShouldBe("Succeeded", ok.GetRawText());
        }

        await AppApi.SaveDraftAsync(Admin, id, (JsonObject)JsonNode.Parse(AppGraphs.Failing().ToJson())!);
        var failed = await AppApi.JsonAsync(Admin.PostAsJsonAsync($"/api/v1/apps/{id}/draft/run", new { inputs = new { } }), HttpStatusCode.OK);
        failed.GetProperty("status").GetString().ShouldBe("Failed", failed.GetRawText());

        var runs = (await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/apps/{id}/runs?pageSize=100"), HttpStatusCode.OK)).GetProperty("items").EnumerateArray().ToList();
        runs.Count.ShouldBe(6);
        var details = new List<JsonElement>();
        foreach (var run in runs)
        {
            details.Add(await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/apps/{id}/runs/{run.GetProperty("id").GetGuid()}"), HttpStatusCode.OK));
        }

        var report = await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/apps/{id}/monitoring?window=24h"), HttpStatusCode.OK);
        report.GetProperty("window").GetString().ShouldBe("24h");
        report.GetProperty("runs").GetInt32().ShouldBe(6);
        report.GetProperty("succeeded").GetInt32().ShouldBe(5);
        report.GetProperty("failed").GetInt32().ShouldBe(1);
        report.GetProperty("errorRate").GetDouble().ShouldBe(1 / 6.0, 1e-9);
        report.GetProperty("truncated").GetBoolean().ShouldBeFalse();
        var durations = details.Select(d => d.GetProperty("durationMs").GetDouble()).Order().ToArray();
        report.GetProperty("p50Ms").GetDouble().ShouldBe(durations[2], 1e-6, "nearest rank: ceil(0.5 × 6) = the 3rd");
        report.GetProperty("p95Ms").GetDouble().ShouldBe(durations[5], 1e-6, "nearest rank: ceil(0.95 × 6) = the 6th");
        report.GetProperty("buckets").EnumerateArray().Sum(b => b.GetProperty("runs").GetInt32()).ShouldBe(6);
        report.GetProperty("buckets").EnumerateArray().Sum(b => b.GetProperty("failed").GetInt32()).ShouldBe(1);

        var nodes = report.GetProperty("nodes").EnumerateArray().ToDictionary(n => n.GetProperty("nodeId").GetString()!);
        nodes.Keys.Order().ShouldBe(["code1", "end", "start", "tpl"], ignoreOrder: true);
        nodes["tpl"].GetProperty("nodeType").GetString().ShouldBe("template");
        nodes["tpl"].GetProperty("executions").GetInt32().ShouldBe(5);
        nodes["start"].GetProperty("executions").GetInt32().ShouldBe(6);
        nodes["code1"].GetProperty("failures").GetInt32().ShouldBe(1);
        var tpl = details.SelectMany(d => d.GetProperty("nodes").EnumerateArray()).Where(n => n.GetProperty("nodeId").GetString() == "tpl")
            .Select(n => n.GetProperty("durationMs").GetDouble()).Order().ToArray();
        nodes["tpl"].GetProperty("p50Ms").GetDouble().ShouldBe(tpl[2], 1e-6, "nearest rank: ceil(0.5 × 5) = the 3rd");
        nodes["tpl"].GetProperty("p95Ms").GetDouble().ShouldBe(tpl[4], 1e-6);

        var v1 = await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/apps/{id}/monitoring?window=1h&version=1"), HttpStatusCode.OK);
        v1.GetProperty("version").GetInt32().ShouldBe(1);
        v1.GetProperty("runs").GetInt32().ShouldBe(5);
        v1.GetProperty("failed").GetInt32().ShouldBe(0);
        v1.GetProperty("buckets").GetArrayLength().ShouldBeInRange(12, 13);
        (await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/apps/{id}/monitoring?version=7"), HttpStatusCode.OK)).GetProperty("runs").GetInt32().ShouldBe(0);
        await AppApi.ProblemAsync(await Admin.GetAsync($"/api/v1/apps/{id}/monitoring?window=2w"), HttpStatusCode.BadRequest, "validation", "Apps.Monitoring.Error.Window");

        var metrics = await Factory.ScrapeMetricsAsync();
        metrics.ShouldContain("aiplatform_app_runs_total{app=\"watched\",version=\"1\",source=\"api\",status=\"Succeeded\"}");
        metrics.ShouldContain("aiplatform_app_runs_total{app=\"watched\",version=\"draft\",source=\"draft\",status=\"Failed\"}");
        metrics.ShouldContain("aiplatform_app_node_duration_seconds_count{app=\"watched\",node_type=\"template\"}");
        metrics.ShouldContain("aiplatform_app_run_duration_seconds_bucket");
    }

    [Fact]
    public async Task Per_key_figures_are_for_write_and_above_a_read_grantee_sees_the_rest_and_a_non_reader_gets_404()
    {
        var id = await AppApi.CreateAsync(Admin, "keyed");
        await AppApi.PublishAsync(Admin, id, AppApi.Workflow("{{ name }}"));
        var run = await AppApi.JsonAsync(Admin.PostAsJsonAsync("/api/v1/apps/keyed/run", new { inputs = new { name = "k" } }), HttpStatusCode.OK);
        await AppApi.JsonAsync(Admin.PostAsJsonAsync("/api/v1/apps/keyed/run", new { inputs = new { name = "plain" } }), HttpStatusCode.OK);

        // A key and a run made with it, written through the store as the key's run endpoint would.
        var keyId = Guid.NewGuid();
        using (var scope = Factory.Services.CreateScope())
        {
            var store = scope.ServiceProvider.GetRequiredService<IAppStore>();
            var adminId = await AppApi.UserIdAsync(Admin);
            await store.AddKeyAsync(new AppApiKey { Id = keyId, AppId = id, Name = "partner", Prefix = "aipk_1234", Hash = Guid.NewGuid().ToString("N"), CreatedBy = adminId, CreatedAt = DateTimeOffset.UtcNow },
                new AuditEntry { At = DateTimeOffset.UtcNow, ActorId = adminId, ActorName = "admin", Action = "app.key.create", ObjectType = SecurableTypes.App, ObjectId = id.ToString() }, default);
            await Factory.Services.GetRequiredService<AppRunRecorder>().WaitForRunAsync(run.GetProperty("runId").GetGuid());
            var stored = (await store.FindRunAsync(run.GetProperty("runId").GetGuid(), default))!;
            stored.ApiKeyId = keyId;
            stored.PromptTokens = 7;
            stored.CompletionTokens = 3;
            await store.SaveRunsAsync([new(stored, false)], default);
        }

        var full = await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/apps/{id}/monitoring"), HttpStatusCode.OK);
        var key = full.GetProperty("keys").EnumerateArray().Single();
        key.GetProperty("keyId").GetGuid().ShouldBe(keyId);
        key.GetProperty("name").GetString().ShouldBe("partner");
        key.GetProperty("prefix").GetString().ShouldBe("aipk_1234");
        key.GetProperty("runs").GetInt32().ShouldBe(1);
        key.GetProperty("promptTokens").GetInt64().ShouldBe(7);
        key.GetProperty("completionTokens").GetInt64().ShouldBe(3);
        full.GetProperty("promptTokens").GetInt64().ShouldBe(7);

        var reader = await CreateUserAsync("watcher", SystemRoles.Viewer);
        await AppApi.ProblemAsync(await reader.GetAsync($"/api/v1/apps/{id}/monitoring"), HttpStatusCode.NotFound, "not-found", null);
        await AppApi.ProblemAsync(await reader.GetAsync($"/api/v1/apps/{id}/monitoring?window=bogus"), HttpStatusCode.NotFound, "not-found", null);
        await AppApi.GrantAsync(Admin, reader, id, "Read");
        var limited = await AppApi.JsonAsync(reader.GetAsync($"/api/v1/apps/{id}/monitoring"), HttpStatusCode.OK);
        limited.GetProperty("runs").GetInt32().ShouldBe(2);
        limited.GetProperty("keys").ValueKind.ShouldBe(JsonValueKind.Null, "key names and their traffic are the publisher's business");
        limited.GetRawText().ShouldNotContain("partner");

        var writer = await CreateUserAsync("editor", SystemRoles.Viewer);
        await AppApi.GrantAsync(Admin, writer, id, "Write");
        (await AppApi.JsonAsync(writer.GetAsync($"/api/v1/apps/{id}/monitoring"), HttpStatusCode.OK)).GetProperty("keys").GetArrayLength().ShouldBe(1);
    }
}
