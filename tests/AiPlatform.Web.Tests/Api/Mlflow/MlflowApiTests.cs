using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Web.Features.Me;
using AiPlatform.Web.Features.Projects;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Api.Mlflow;

/// <summary>The MLflow REST surface as an unmodified MLflow client uses it, over HTTP against the real platform.</summary>
public sealed class MlflowApiTests : ApiTestBase
{
    [Fact]
    public async Task A_training_script_logs_a_run_with_a_token_the_way_the_mlflow_client_does()
    {
        var token = await CreateTokenAsync(Admin, "ReadWrite");
        var mlflow = MlflowClient.WithToken(Factory.CreateClient(), token);

        var created = await mlflow.OkAsync(mlflow.PostAsync("experiments/create", new { name = "churn" }));
        var experimentId = created.GetProperty("experiment_id").GetString()!;
        experimentId.ShouldMatch("^[0-9]+$");
        var byName = await mlflow.OkAsync(mlflow.GetAsync("experiments/get-by-name", ("experiment_name", "churn")));
        byName.GetProperty("experiment").GetProperty("experiment_id").GetString().ShouldBe(experimentId);
        byName.GetProperty("experiment").GetProperty("lifecycle_stage").GetString().ShouldBe("active");

        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        var run = (await mlflow.OkAsync(mlflow.PostAsync("runs/create", $$"""
            {"experiment_id": "{{experimentId}}", "start_time": {{now}}, "tags": [{"key": "mlflow.user", "value": "laptop-user"}, {"key": "mlflow.source.name", "value": "train.py"}, {"key": "mlflow.runName", "value": "lr-0.1"}]}
            """))).GetProperty("run");
        var runId = run.GetProperty("info").GetProperty("run_id").GetString()!;
        runId.Length.ShouldBe(32);
        run.GetProperty("info").GetProperty("run_name").GetString().ShouldBe("lr-0.1");
        run.GetProperty("info").GetProperty("status").GetString().ShouldBe("RUNNING");
        run.GetProperty("info").GetProperty("user_id").GetString().ShouldBe("admin");
        var artifactUri = run.GetProperty("info").GetProperty("artifact_uri").GetString()!;
        artifactUri.ShouldBe($"mlflow-artifacts:/{experimentId}/{runId}/artifacts");

        await mlflow.OkAsync(mlflow.PostAsync("runs/log-parameter", new { run_id = runId, key = "lr", value = "0.1" }));
        await mlflow.OkAsync(mlflow.PostAsync("runs/log-metric", new { run_id = runId, key = "loss", value = 0.9, timestamp = now, step = 0 }));
        await mlflow.OkAsync(mlflow.PostAsync("runs/set-tag", new { run_id = runId, key = "stage", value = "dev" }));
        await mlflow.OkAsync(mlflow.PostAsync("runs/log-batch", $$"""
            {"run_id": "{{runId}}", "metrics": [{"key": "loss", "value": 0.5, "timestamp": {{now + 1}}, "step": 1}, {"key": "loss", "value": 0.3, "timestamp": "{{now + 2}}", "step": "2"}, {"key": "gap", "value": "NaN", "timestamp": {{now}}, "step": 0}],
             "params": [{"key": "depth", "value": "6"}], "tags": [{"key": "stage", "value": "prod"}]}
            """));

        var fetched = (await mlflow.OkAsync(mlflow.GetAsync("runs/get", ("run_id", runId)))).GetProperty("run");
        var metrics = fetched.GetProperty("data").GetProperty("metrics").EnumerateArray().ToDictionary(m => m.GetProperty("key").GetString()!, m => m);
        metrics["loss"].GetProperty("value").GetDouble().ShouldBe(0.3);
        metrics["loss"].GetProperty("step").GetInt64().ShouldBe(2);
        metrics["gap"].GetProperty("value").GetString().ShouldBe("NaN");
        Pairs(fetched.GetProperty("data").GetProperty("params")).ShouldBe(new Dictionary<string, string> { ["depth"] = "6", ["lr"] = "0.1" });
        Pairs(fetched.GetProperty("data").GetProperty("tags"))["stage"].ShouldBe("prod");
        var history = await mlflow.OkAsync(mlflow.GetAsync("metrics/get-history", ("run_id", runId), ("metric_key", "loss")));
        history.GetProperty("metrics").EnumerateArray().Select(m => m.GetProperty("value").GetDouble()).ShouldBe([0.9, 0.5, 0.3]);

        // log_artifact: PUT the raw file to the proxied artifact API under the run's artifact root.
        var root = $"/api/2.0/mlflow-artifacts/artifacts/{experimentId}/{runId}/artifacts";
        (await mlflow.Http.PutAsync(root + "/model/MLmodel", new StringContent("flavors:\n  onnx: {}\n"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await mlflow.Http.PutAsync(root + "/metrics.csv", new StringContent("epoch,loss\n1,0.5\n"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        var listed = JsonDocument.Parse(await mlflow.Http.GetStringAsync($"/api/2.0/mlflow-artifacts/artifacts?path={experimentId}/{runId}/artifacts")).RootElement;
        listed.GetProperty("files").EnumerateArray().Select(f => (f.GetProperty("path").GetString(), f.GetProperty("is_dir").GetBoolean())).ShouldBe([("model", true), ("metrics.csv", false)]);
        var inFolder = JsonDocument.Parse(await mlflow.Http.GetStringAsync($"/api/2.0/mlflow-artifacts/artifacts?path={experimentId}/{runId}/artifacts/model")).RootElement;
        inFolder.GetProperty("files")[0].GetProperty("path").GetString().ShouldBe("MLmodel");
        (await mlflow.Http.GetStringAsync(root + "/model/MLmodel")).ShouldBe("flavors:\n  onnx: {}\n");
        var tracked = await mlflow.OkAsync(mlflow.GetAsync("artifacts/list", ("run_id", runId), ("path", "model")));
        tracked.GetProperty("root_uri").GetString().ShouldBe(artifactUri);
        tracked.GetProperty("files")[0].GetProperty("path").GetString().ShouldBe("model/MLmodel");
        (await mlflow.Http.DeleteAsync(root + "/metrics.csv")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await mlflow.Http.GetAsync(root + "/metrics.csv")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var ended = await mlflow.OkAsync(mlflow.PostAsync("runs/update", new { run_id = runId, status = "FINISHED", end_time = now + 5000 }));
        ended.GetProperty("run_info").GetProperty("status").GetString().ShouldBe("FINISHED");
        ended.GetProperty("run_info").GetProperty("end_time").GetInt64().ShouldBe(now + 5000);
    }

    [Fact]
    public async Task A_run_without_an_experiment_goes_to_the_callers_default_experiment()
    {
        var mlflow = new MlflowClient(Admin);
        await MlflowClient.ShouldFailAsync(mlflow.GetAsync("experiments/get", ("experiment_id", "0")), 404, "RESOURCE_DOES_NOT_EXIST");

        var run = (await mlflow.OkAsync(mlflow.PostAsync("runs/create", new { experiment_id = "0", run_name = "quick-try" }))).GetProperty("run");
        var again = (await mlflow.OkAsync(mlflow.PostAsync("runs/create", new { run_name = "second-try" }))).GetProperty("run");

        var experimentId = run.GetProperty("info").GetProperty("experiment_id").GetString();
        again.GetProperty("info").GetProperty("experiment_id").GetString().ShouldBe(experimentId);
        var experiment = (await mlflow.OkAsync(mlflow.GetAsync("experiments/get", ("experiment_id", "0")))).GetProperty("experiment");
        experiment.GetProperty("name").GetString().ShouldBe("Default (admin)");
        experiment.GetProperty("experiment_id").GetString().ShouldBe(experimentId);
    }

    [Fact]
    public async Task Search_takes_mlflows_filter_language_order_by_and_page_tokens()
    {
        var mlflow = new MlflowClient(Admin);
        var experimentId = (await mlflow.OkAsync(mlflow.PostAsync("experiments/create", new { name = "sweep", tags = new[] { new { key = "team", value = "vision" } } }))).GetProperty("experiment_id").GetString();
        for (var i = 0; i < 5; i++)
        {
            var runId = (await mlflow.OkAsync(mlflow.PostAsync("runs/create", new { experiment_id = experimentId, run_name = $"r{i}", start_time = 1000 + i }))).GetProperty("run").GetProperty("info").GetProperty("run_id").GetString();
            await mlflow.OkAsync(mlflow.PostAsync("runs/log-batch", new
            {
                run_id = runId,
                metrics = new[] { new { key = "acc", value = i / 10.0, timestamp = 1L, step = 0L } },
                @params = new[] { new { key = "model", value = i % 2 == 0 ? "LR" : "GBM" } },
            }));
        }

        var page1 = await mlflow.OkAsync(mlflow.PostAsync("runs/search", new { experiment_ids = new[] { experimentId }, filter = "metrics.acc > 0.05 and params.model = 'LR'", order_by = new[] { "metrics.acc DESC" }, max_results = 1 }));
        page1.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("info").GetProperty("run_name").GetString()).ShouldBe(["r4"]);
        var token = page1.GetProperty("next_page_token").GetString();
        var page2 = await mlflow.OkAsync(mlflow.PostAsync("runs/search", new { experiment_ids = new[] { experimentId }, filter = "metrics.acc > 0.05 and params.model = 'LR'", order_by = new[] { "metrics.acc DESC" }, max_results = 1, page_token = token }));
        page2.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("info").GetProperty("run_name").GetString()).ShouldBe(["r2"]);
        page2.TryGetProperty("next_page_token", out _).ShouldBeFalse();

        var experiments = await mlflow.OkAsync(mlflow.PostAsync("experiments/search", new { filter = "tags.team = 'vision' and name LIKE 'sw%'", max_results = 10 }));
        experiments.GetProperty("experiments").EnumerateArray().Single().GetProperty("name").GetString().ShouldBe("sweep");
        var viaGet = await mlflow.OkAsync(mlflow.GetAsync("experiments/search", ("filter", "name = 'sweep'"), ("view_type", "ALL"), ("max_results", "5")));
        viaGet.GetProperty("experiments").GetArrayLength().ShouldBe(1);

        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("runs/search", new { experiment_ids = new[] { experimentId }, filter = "metrics.acc >> 1" }), 400, "INVALID_PARAMETER_VALUE");
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("runs/search", new { experiment_ids = new[] { experimentId }, max_results = 50001 }), 400, "INVALID_PARAMETER_VALUE");
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("runs/search", new { experiment_ids = new[] { experimentId }, page_token = "not-a-token" }), 400, "INVALID_PARAMETER_VALUE");
    }

    [Fact]
    public async Task Bad_input_gets_mlflows_error_codes_and_never_a_500()
    {
        var mlflow = new MlflowClient(Admin);
        var experimentId = (await mlflow.OkAsync(mlflow.PostAsync("experiments/create", new { name = "errors" }))).GetProperty("experiment_id").GetString();
        var runId = (await mlflow.OkAsync(mlflow.PostAsync("runs/create", new { experiment_id = experimentId }))).GetProperty("run").GetProperty("info").GetProperty("run_id").GetString();

        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("experiments/create", new { name = "errors" }), 400, "RESOURCE_ALREADY_EXISTS");
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("experiments/create", new { name = "" }), 400, "INVALID_PARAMETER_VALUE");
        await MlflowClient.ShouldFailAsync(mlflow.GetAsync("experiments/get", ("experiment_id", "999999")), 404, "RESOURCE_DOES_NOT_EXIST");
        await MlflowClient.ShouldFailAsync(mlflow.GetAsync("experiments/get-by-name", ("experiment_name", "nope")), 404, "RESOURCE_DOES_NOT_EXIST");
        await MlflowClient.ShouldFailAsync(mlflow.GetAsync("runs/get", ("run_id", Guid.NewGuid().ToString("N"))), 404, "RESOURCE_DOES_NOT_EXIST");
        await MlflowClient.ShouldFailAsync(mlflow.GetAsync("runs/get", ("run_id", "garbage")), 404, "RESOURCE_DOES_NOT_EXIST");
        await MlflowClient.ShouldFailAsync(mlflow.GetAsync("runs/get"), 400, "INVALID_PARAMETER_VALUE");
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("runs/log-metric", "{\"run_id\": \"" + runId + "\", \"key\": \"x\""), 400, "BAD_REQUEST");
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("runs/log-metric", "[1, 2]"), 400, "BAD_REQUEST");
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("runs/log-metric", new { run_id = runId, key = "x", value = 1.0 }), 400, "INVALID_PARAMETER_VALUE");
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("runs/log-metric", new { run_id = runId, key = "x", value = "high", timestamp = 1 }), 400, "BAD_REQUEST");

        await mlflow.OkAsync(mlflow.PostAsync("runs/log-parameter", new { run_id = runId, key = "lr", value = "0.1" }));
        await mlflow.OkAsync(mlflow.PostAsync("runs/log-parameter", new { run_id = runId, key = "lr", value = "0.1" }));
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("runs/log-parameter", new { run_id = runId, key = "lr", value = "0.2" }), 400, "INVALID_PARAMETER_VALUE");

        var tooMany = Enumerable.Range(0, 1001).Select(i => new { key = "m", value = (double)i, timestamp = 1L, step = (long)i }).ToArray();
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("runs/log-batch", new { run_id = runId, metrics = tooMany }), 400, "INVALID_PARAMETER_VALUE");
        var tooBig = new { run_id = runId, tags = new[] { new { key = "big", value = new string('x', 1_100_000) } } };
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("runs/log-batch", tooBig), 400, "INVALID_PARAMETER_VALUE");
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("runs/log-batch", new { run_id = runId, @params = new[] { new { key = "a", value = "1" }, new { key = "a", value = "2" } } }), 400, "INVALID_PARAMETER_VALUE");
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("runs/set-tag", new { run_id = runId, key = "bad/../key", value = "v" }), 400, "INVALID_PARAMETER_VALUE");
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("runs/delete-tag", new { run_id = runId, key = "never-set" }), 404, "RESOURCE_DOES_NOT_EXIST");

        await mlflow.OkAsync(mlflow.PostAsync("runs/delete", new { run_id = runId }));
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("runs/log-metric", new { run_id = runId, key = "x", value = 1.0, timestamp = 1 }), 400, "INVALID_PARAMETER_VALUE");
        await mlflow.OkAsync(mlflow.PostAsync("runs/restore", new { run_id = runId }));
        await mlflow.OkAsync(mlflow.PostAsync("runs/log-metric", new { run_id = runId, key = "x", value = 1.0, timestamp = 1 }));

        await MlflowClient.ShouldFailAsync(mlflow.GetAsync("no/such/endpoint"), 404, "ENDPOINT_NOT_FOUND");

        var root = $"/api/2.0/mlflow-artifacts/artifacts/{experimentId}/{runId}/artifacts";
        foreach (var escape in new[] { "/%2E%2E/%2E%2E/secret.txt", "/..%2F..%2Fsecret.txt", "/a%5C..%5C..%5Cb" })
        {
            var response = await Admin.PutAsync(root + escape, new StringContent("x"));
            ((int)response.StatusCode).ShouldBeInRange(400, 404, escape);
        }

        (await Admin.PutAsync($"/api/2.0/mlflow-artifacts/artifacts/999/{runId}/artifacts/x.txt", new StringContent("x"))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var files = JsonDocument.Parse(await Admin.GetStringAsync($"/api/2.0/mlflow-artifacts/artifacts?path={experimentId}/{runId}/artifacts")).RootElement.GetProperty("files");
        files.GetArrayLength().ShouldBe(0);
    }

    [Fact]
    public async Task Permissions_apply_per_experiment_and_read_only_tokens_can_search_but_not_log()
    {
        var alice = await CreateUserAsync("alice", SystemRoles.ModelDeveloper);
        var bob = await CreateUserAsync("bob", SystemRoles.ModelDeveloper);
        var mlflowAlice = new MlflowClient(alice);
        var project = (await (await alice.PostAsJsonAsync("/api/v1/projects", new { name = "fraud" })).Content.ReadFromJsonAsync<ProjectView>(JsonDefaults.Options))!;
        var experimentId = (await mlflowAlice.OkAsync(mlflowAlice.PostAsync("experiments/create", $$"""{"name": "fraud-model", "tags": [{"key": "aiplatform.project", "value": "{{project.Id}}"}]}"""))).GetProperty("experiment_id").GetString()!;
        var runId = (await mlflowAlice.OkAsync(mlflowAlice.PostAsync("runs/create", new { experiment_id = experimentId }))).GetProperty("run").GetProperty("info").GetProperty("run_id").GetString()!;
        (await alice.PutAsync($"/api/2.0/mlflow-artifacts/artifacts/{experimentId}/{runId}/artifacts/secret.txt", new StringContent("s3cr3t"))).StatusCode.ShouldBe(HttpStatusCode.OK);

        var mlflowBob = new MlflowClient(bob);
        await MlflowClient.ShouldFailAsync(mlflowBob.GetAsync("experiments/get", ("experiment_id", experimentId)), 404, "RESOURCE_DOES_NOT_EXIST");
        await MlflowClient.ShouldFailAsync(mlflowBob.GetAsync("runs/get", ("run_id", runId)), 404, "RESOURCE_DOES_NOT_EXIST");
        (await mlflowBob.OkAsync(mlflowBob.PostAsync("runs/search", new { experiment_ids = new[] { experimentId } }))).GetProperty("runs").GetArrayLength().ShouldBe(0);
        (await mlflowBob.OkAsync(mlflowBob.PostAsync("experiments/search", new { max_results = 100 }))).GetProperty("experiments").EnumerateArray().ShouldNotContain(e => e.GetProperty("experiment_id").GetString() == experimentId);
        (await bob.GetAsync($"/api/2.0/mlflow-artifacts/artifacts/{experimentId}/{runId}/artifacts/secret.txt")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        await MlflowClient.ShouldFailAsync(mlflowBob.PostAsync("runs/log-metric", new { run_id = runId, key = "x", value = 1.0, timestamp = 1 }), 404, "RESOURCE_DOES_NOT_EXIST");

        var bobId = (await bob.GetFromJsonAsync<JsonElement>("/api/v1/me", JsonDefaults.Options)).GetProperty("id").GetGuid();
        (await alice.PostAsJsonAsync($"/api/v1/projects/{project.Id}/grants", new { principalType = "User", principalId = bobId, level = "Read" }, JsonDefaults.Options)).EnsureSuccessStatusCode();
        (await mlflowBob.OkAsync(mlflowBob.GetAsync("runs/get", ("run_id", runId)))).GetProperty("run").GetProperty("info").GetProperty("run_id").GetString().ShouldBe(runId);
        (await bob.GetStringAsync($"/api/2.0/mlflow-artifacts/artifacts/{experimentId}/{runId}/artifacts/secret.txt")).ShouldBe("s3cr3t");
        await MlflowClient.ShouldFailAsync(mlflowBob.PostAsync("runs/log-metric", new { run_id = runId, key = "x", value = 1.0, timestamp = 1 }), 403, "PERMISSION_DENIED");
        (await bob.PutAsync($"/api/2.0/mlflow-artifacts/artifacts/{experimentId}/{runId}/artifacts/evil.txt", new StringContent("x"))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        var readToken = await CreateTokenAsync(alice, "Read");
        var readOnly = MlflowClient.WithToken(Factory.CreateClient(), readToken);
        (await readOnly.OkAsync(readOnly.PostAsync("runs/search", new { experiment_ids = new[] { experimentId } }))).GetProperty("runs").GetArrayLength().ShouldBe(1);
        (await readOnly.PostAsync("runs/log-metric", new { run_id = runId, key = "x", value = 1.0, timestamp = 1 })).Status.ShouldBe(403);
        (await Factory.CreateClient().PostAsync("/api/2.0/mlflow/runs/search", new StringContent("{}", Encoding.UTF8, "application/json"))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task Experiment_names_are_per_owner_so_a_hidden_experiment_never_leaks_and_a_default_cannot_be_squatted()
    {
        var alice = new MlflowClient(await CreateUserAsync("alice", SystemRoles.ModelDeveloper));
        var bob = new MlflowClient(await CreateUserAsync("bob", SystemRoles.ModelDeveloper));
        var secret = (await alice.OkAsync(alice.PostAsync("experiments/create", new { name = "acquisition-target-x" }))).GetProperty("experiment_id").GetString()!;

        await MlflowClient.ShouldFailAsync(bob.GetAsync("experiments/get-by-name", ("experiment_name", "acquisition-target-x")), 404, "RESOURCE_DOES_NOT_EXIST");
        var bobs = (await bob.OkAsync(bob.PostAsync("experiments/create", new { name = "acquisition-target-x" }))).GetProperty("experiment_id").GetString()!;
        bobs.ShouldNotBe(secret);
        (await bob.OkAsync(bob.GetAsync("experiments/get-by-name", ("experiment_name", "acquisition-target-x")))).GetProperty("experiment").GetProperty("experiment_id").GetString().ShouldBe(bobs);
        (await alice.OkAsync(alice.GetAsync("experiments/get-by-name", ("experiment_name", "acquisition-target-x")))).GetProperty("experiment").GetProperty("experiment_id").GetString().ShouldBe(secret);

        await MlflowClient.ShouldFailAsync(bob.PostAsync("experiments/create", new { name = "Default (alice)" }), 400, "INVALID_PARAMETER_VALUE");
        await MlflowClient.ShouldFailAsync(bob.PostAsync("experiments/update", new { experiment_id = bobs, new_name = "Default (alice)" }), 400, "INVALID_PARAMETER_VALUE");
        var project = (await (await Admin.PostAsJsonAsync("/api/v1/projects", new { name = "squat" })).Content.ReadFromJsonAsync<ProjectView>(JsonDefaults.Options))!;
        var squat = await Admin.PostAsJsonAsync("/api/v1/experiments", new { projectId = project.Id, name = "Default (alice)" });
        squat.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await squat.Content.ReadAsStringAsync()).ShouldContain("reserved");

        var run = (await alice.OkAsync(alice.PostAsync("runs/create", new { experiment_id = "0" }))).GetProperty("run").GetProperty("info");
        var aliceDefault = (await alice.OkAsync(alice.GetAsync("experiments/get-by-name", ("experiment_name", "Default (alice)")))).GetProperty("experiment");
        run.GetProperty("experiment_id").GetString().ShouldBe(aliceDefault.GetProperty("experiment_id").GetString());
    }

    private static async Task<string> CreateTokenAsync(HttpClient client, string scope)
    {
        var created = await client.PostAsJsonAsync("/api/v1/me/tokens", new { name = "mlflow-" + scope, scope, expiresInDays = 7 }, JsonDefaults.Options);
        return (await created.Content.ReadFromJsonAsync<CreatedTokenView>(JsonDefaults.Options))!.Value;
    }

    private static Dictionary<string, string> Pairs(JsonElement array) =>
        array.EnumerateArray().ToDictionary(e => e.GetProperty("key").GetString()!, e => e.GetProperty("value").GetString()!);
}
