using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Tracking;
using AiPlatform.Web.Features.Me;
using AiPlatform.Web.Features.Projects;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Api.Mlflow;

/// <summary>
/// MLflow 3's logged models over real HTTP, replaying call for call what the MLflow 3.6 Python client sends
/// (mlflow/models/model.py Model.log, mlflow/tracking/_model_registry/fluent.py _register_model,
/// mlflow/store/artifact/runs_artifact_repo.py, mlflow/store/tracking/rest_store.py).
/// </summary>
public sealed class MlflowLoggedModelTests : ApiTestBase
{
    private static readonly Dictionary<string, string> SklearnFiles = new()
    {
        ["MLmodel"] = "artifact_path: mlflow-artifacts:/x\nflavors:\n  python_function:\n    loader_module: mlflow.sklearn\n  sklearn:\n    pickled_model: model.pkl\nmlflow_version: 3.6.0\n",
        ["conda.yaml"] = "channels: [conda-forge]\ndependencies: [python=3.11, pip]\n",
        ["model.pkl"] = "\u0080\u0004pickled-logistic-regression",
        ["python_env.yaml"] = "python: 3.11.9\n",
        ["requirements.txt"] = "mlflow==3.6.0\nscikit-learn==1.5.2\n",
    };

    [Fact]
    public async Task Sklearn_log_model_creates_uploads_finalizes_and_outputs_and_loads_back_by_its_models_uri()
    {
        var mlflow = new MlflowClient(Admin);
        var (experimentId, runId) = await StartRunAsync(mlflow, "churn");
        await mlflow.OkAsync(mlflow.PostAsync("runs/log-parameter", new { run_id = runId, run_uuid = runId, key = "C", value = "1.0" }));
        await mlflow.OkAsync(mlflow.PostAsync("runs/log-metric", new { run_id = runId, run_uuid = runId, key = "accuracy", value = 0.93, timestamp = 1_700_000_000_000L, step = 0 }));

        var (modelId, artifactUri) = await SklearnLogModelAsync(mlflow, experimentId, runId, "model");

        modelId.ShouldMatch("^m-[0-9a-f]{32}$");
        artifactUri.ShouldBe($"mlflow-artifacts:/{experimentId}/models/{modelId}/artifacts");
        var model = (await mlflow.OkAsync(mlflow.GetAsync($"logged-models/{modelId}"))).GetProperty("model");
        model.GetProperty("info").GetProperty("status").GetString().ShouldBe("LOGGED_MODEL_READY");
        model.GetProperty("info").GetProperty("source_run_id").GetString().ShouldBe(runId);
        model.GetProperty("info").GetProperty("experiment_id").GetString().ShouldBe(experimentId);
        model.GetProperty("data").GetProperty("params").EnumerateArray().Single(p => p.GetProperty("key").GetString() == "C").GetProperty("value").GetString().ShouldBe("1.0");
        var metric = model.GetProperty("data").GetProperty("metrics").EnumerateArray().Single();
        (metric.GetProperty("key").GetString(), metric.GetProperty("value").GetDouble(), metric.GetProperty("run_id").GetString(), metric.GetProperty("model_id").GetString()).ShouldBe(("accuracy", 0.93, runId, modelId));

        // The run lists the model among its outputs (the client's register_model reads run.outputs.model_outputs).
        var outputs = (await mlflow.OkAsync(mlflow.GetAsync("runs/get", ("run_id", runId)))).GetProperty("run").GetProperty("outputs").GetProperty("model_outputs");
        outputs.EnumerateArray().Select(o => (o.GetProperty("model_id").GetString(), o.GetProperty("step").GetInt64())).ShouldBe([(modelId, 0L)]);
        var searched = await mlflow.OkAsync(mlflow.PostAsync("runs/search", new { experiment_ids = new[] { experimentId } }));
        searched.GetProperty("runs")[0].GetProperty("outputs").GetProperty("model_outputs")[0].GetProperty("model_id").GetString().ShouldBe(modelId);

        // mlflow.pyfunc.load_model(model_info.model_uri) with models:/m-…: ModelsArtifactRepository resolves the logged
        // model (GET logged-models/{id}), then the HTTP artifact repository lists its root and downloads each file.
        var resolved = (await mlflow.OkAsync(mlflow.GetAsync($"logged-models/{modelId}"))).GetProperty("model").GetProperty("info").GetProperty("artifact_uri").GetString()!;
        var root = resolved["mlflow-artifacts:/".Length..];
        var listing = JsonDocument.Parse(await Admin.GetStringAsync($"/api/2.0/mlflow-artifacts/artifacts?path={root}")).RootElement.GetProperty("files");
        listing.EnumerateArray().Select(f => f.GetProperty("path").GetString()).Order().ShouldBe(SklearnFiles.Keys.Order());
        foreach (var file in listing.EnumerateArray())
        {
            var name = file.GetProperty("path").GetString()!;
            file.GetProperty("is_dir").GetBoolean().ShouldBeFalse();
            (await Admin.GetStringAsync($"/api/2.0/mlflow-artifacts/artifacts/{root}/{name}")).ShouldBe(SklearnFiles[name]);
        }

        // The UI's own listing of a logged model's artifacts.
        var directories = await mlflow.OkAsync(mlflow.GetAsync($"logged-models/{modelId}/artifacts/directories"));
        directories.GetProperty("root_uri").GetString().ShouldBe(artifactUri);
        directories.GetProperty("files").GetArrayLength().ShouldBe(SklearnFiles.Count);

        // The ajax-api prefix the MLflow UI uses serves the same API.
        var viaAjax = await mlflow.OkAsync(mlflow.SendAsync(HttpMethod.Get, $"logged-models/{modelId}", prefix: "/ajax-api/2.0/mlflow/"));
        viaAjax.GetProperty("model").GetProperty("info").GetProperty("model_id").GetString().ShouldBe(modelId);
    }

    [Fact]
    public async Task Register_model_with_a_runs_uri_resolves_the_logged_model_through_search_and_with_a_models_uri_directly()
    {
        var mlflow = new MlflowClient(Admin);
        var (experimentId, runId) = await StartRunAsync(mlflow, "fraud");
        var (modelId, _) = await SklearnLogModelAsync(mlflow, experimentId, runId, "model");

        // mlflow.register_model("runs:/<run>/model", "fraud-detector"), _register_model in MLflow 3.6:
        await mlflow.OkAsync(mlflow.PostAsync("registered-models/create", new { name = "fraud-detector" }));
        // RunsArtifactRepository("runs:/<run>/model"): get_underlying_uri → get_run; _is_directory("model") lists the run's artifacts.
        var run = (await mlflow.OkAsync(mlflow.GetAsync("runs/get", ("run_id", runId), ("run_uuid", runId)))).GetProperty("run");
        var runRoot = run.GetProperty("info").GetProperty("artifact_uri").GetString()!["mlflow-artifacts:/".Length..];
        JsonDocument.Parse(await Admin.GetStringAsync($"/api/2.0/mlflow-artifacts/artifacts?path={runRoot}/model")).RootElement.GetProperty("files").GetArrayLength().ShouldBe(0);
        // Not a folder of the run: client.get_run, then _get_logged_models_from_run pages logged-models/search (no filter).
        run = (await mlflow.OkAsync(mlflow.GetAsync("runs/get", ("run_id", runId), ("run_uuid", runId)))).GetProperty("run");
        var found = await mlflow.OkAsync(mlflow.PostAsync("logged-models/search", new { experiment_ids = new[] { run.GetProperty("info").GetProperty("experiment_id").GetString() } }));
        found.TryGetProperty("next_page_token", out _).ShouldBeFalse();
        var candidates = found.GetProperty("models").EnumerateArray().Where(m => m.GetProperty("info").GetProperty("source_run_id").GetString() == runId && m.GetProperty("info").GetProperty("name").GetString() == "model").ToList();
        var steps = run.GetProperty("outputs").GetProperty("model_outputs").EnumerateArray().ToDictionary(o => o.GetProperty("model_id").GetString()!, o => o.GetProperty("step").GetInt64());
        var resolvedId = candidates.OrderByDescending(m => steps[m.GetProperty("info").GetProperty("model_id").GetString()!]).First().GetProperty("info").GetProperty("model_id").GetString()!;
        resolvedId.ShouldBe(modelId);
        var v1 = (await mlflow.OkAsync(mlflow.PostAsync("model-versions/create", new { name = "fraud-detector", source = $"models:/{resolvedId}", run_id = runId, model_id = resolvedId }))).GetProperty("model_version");
        await RecordRegistrationAsync(mlflow, resolvedId, "fraud-detector", v1.GetProperty("version").GetString()!);

        v1.GetProperty("version").GetString().ShouldBe("1");
        v1.GetProperty("status").GetString().ShouldBe("READY");
        v1.GetProperty("model_id").GetString().ShouldBe(modelId);
        v1.GetProperty("run_id").GetString().ShouldBe(runId);
        v1.GetProperty("source").GetString().ShouldBe($"models:/{modelId}");

        // mlflow.register_model("models:/m-…", "fraud-detector"): the model exists (RESOURCE_ALREADY_EXISTS is expected), the id comes from the URI.
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("registered-models/create", new { name = "fraud-detector" }), 400, "RESOURCE_ALREADY_EXISTS");
        var v2 = (await mlflow.OkAsync(mlflow.PostAsync("model-versions/create", new { name = "fraud-detector", source = $"models:/{modelId}", model_id = modelId }))).GetProperty("model_version");
        await RecordRegistrationAsync(mlflow, modelId, "fraud-detector", v2.GetProperty("version").GetString()!);
        v2.GetProperty("version").GetString().ShouldBe("2");
        v2.GetProperty("run_id").GetString().ShouldBe(runId);

        var registrations = (await mlflow.OkAsync(mlflow.GetAsync($"logged-models/{modelId}"))).GetProperty("model").GetProperty("info").GetProperty("registrations");
        registrations.EnumerateArray().Select(r => r.GetProperty("version").GetString()).ShouldBe(["1", "2"]);

        // The registry holds its own copy of the logged model's files.
        var registered = (await Admin.GetFromJsonAsync<JsonElement>("/api/v1/models?q=fraud-detector", JsonDefaults.Options)).GetProperty("items")[0].GetProperty("id").GetGuid();
        (await Admin.GetStringAsync($"/api/v1/models/{registered}/versions/1/files/model.pkl")).ShouldBe(SklearnFiles["model.pkl"]);

        // A plain MlflowClient.create_model_version(name, "runs:/<run>/model", run_id) is resolved on the server the same way.
        var v3 = (await mlflow.OkAsync(mlflow.PostAsync("model-versions/create", new { name = "fraud-detector", source = $"runs:/{runId}/model", run_id = runId }))).GetProperty("model_version");
        v3.GetProperty("model_id").GetString().ShouldBe(modelId);
        v3.GetProperty("status").GetString().ShouldBe("READY");
    }

    [Fact]
    public async Task Log_model_with_registered_model_name_creates_the_version_after_finalizing()
    {
        var mlflow = new MlflowClient(Admin);
        var (experimentId, runId) = await StartRunAsync(mlflow, "pricing");
        var (modelId, _) = await SklearnLogModelAsync(mlflow, experimentId, runId, "pricing-model");

        // Model.log(..., registered_model_name="pricing"): _register_model(f"models:/{model.model_id}", name, local_model_path=…).
        await mlflow.OkAsync(mlflow.PostAsync("registered-models/create", new { name = "pricing" }));
        var version = (await mlflow.OkAsync(mlflow.PostAsync("model-versions/create", new { name = "pricing", source = $"models:/{modelId}", model_id = modelId }))).GetProperty("model_version");
        await RecordRegistrationAsync(mlflow, modelId, "pricing", version.GetProperty("version").GetString()!);

        var fetched = (await mlflow.OkAsync(mlflow.GetAsync("model-versions/get", ("name", "pricing"), ("version", "1")))).GetProperty("model_version");
        fetched.GetProperty("model_id").GetString().ShouldBe(modelId);
        fetched.GetProperty("status").GetString().ShouldBe("READY");
        var latest = await mlflow.OkAsync(mlflow.PostAsync("registered-models/get-latest-versions", new { name = "pricing" }));
        latest.GetProperty("model_versions")[0].GetProperty("source").GetString().ShouldBe($"models:/{modelId}");
    }

    [Fact]
    public async Task List_artifacts_of_a_folder_and_log_table_search_the_runs_logged_models_first()
    {
        var mlflow = new MlflowClient(Admin);
        var (experimentId, runId) = await StartRunAsync(mlflow, "tables");
        var (modelId, _) = await SklearnLogModelAsync(mlflow, experimentId, runId, "model");
        (await Admin.PutAsync($"/api/2.0/mlflow-artifacts/artifacts/{experimentId}/{runId}/artifacts/plots/roc.png", new ByteArrayContent([1, 2, 3]))).StatusCode.ShouldBe(HttpStatusCode.OK);

        // MlflowClient.list_artifacts(run_id, "plots") through RunsArtifactRepository: the run's own listing, then
        // _list_model_artifacts: get_run and logged-models/search for a model named like the folder.
        var listed = await ListRunArtifactsAsync(mlflow, experimentId, runId, "plots");
        listed.ShouldBe(["plots/roc.png"]);
        // list_artifacts(run_id, "model"): the run has no such folder; the logged model "model" of the run answers.
        var modelFiles = await ListRunArtifactsAsync(mlflow, experimentId, runId, "model");
        modelFiles.Order().ShouldBe(SklearnFiles.Keys.Select(k => "model/" + k).Order());

        // mlflow.log_table(data, "eval/predictions.json"): list_artifacts(run_id, "eval") first (nothing yet), then the
        // PUT of the table, get_run and the mlflow.loggedArtifacts tag.
        (await ListRunArtifactsAsync(mlflow, experimentId, runId, "eval")).ShouldBeEmpty();
        var table = """{"columns": ["x", "y"], "data": [[1, 2]]}""";
        (await Admin.PutAsync($"/api/2.0/mlflow-artifacts/artifacts/{experimentId}/{runId}/artifacts/eval/predictions.json", new StringContent(table))).StatusCode.ShouldBe(HttpStatusCode.OK);
        var run = (await mlflow.OkAsync(mlflow.GetAsync("runs/get", ("run_id", runId), ("run_uuid", runId)))).GetProperty("run");
        run.GetProperty("data").GetProperty("tags").EnumerateArray().ShouldNotContain(t => t.GetProperty("key").GetString() == "mlflow.loggedArtifacts");
        await mlflow.OkAsync(mlflow.PostAsync("runs/set-tag", new { run_id = runId, run_uuid = runId, key = "mlflow.loggedArtifacts", value = """[{"path": "eval/predictions.json", "type": "table"}]""" }));
        // A second log_table to the same file finds it, downloads it and appends.
        (await ListRunArtifactsAsync(mlflow, experimentId, runId, "eval")).ShouldBe(["eval/predictions.json"]);
        (await Admin.GetStringAsync($"/api/2.0/mlflow-artifacts/artifacts/{experimentId}/{runId}/artifacts/eval/predictions.json")).ShouldBe(table);
        modelId.ShouldNotBeNullOrEmpty();
    }

    [Fact]
    public async Task Search_filters_orders_pages_and_scopes_metrics_to_datasets_and_tags_params_and_delete_work()
    {
        var mlflow = new MlflowClient(Admin);
        var (experimentId, runId) = await StartRunAsync(mlflow, "sweep");
        var ids = new List<string>();
        foreach (var (name, lr, acc, evalAcc) in new[] { ("lr-a", "0.1", 0.70, 0.60), ("lr-b", "0.1", 0.90, 0.50), ("lr-c", "0.5", 0.80, 0.95) })
        {
            // MlflowClient.create_logged_model(experiment_id, name, source_run_id, params=…, tags=…)
            var created = (await mlflow.OkAsync(mlflow.PostAsync("logged-models", new
            {
                experiment_id = experimentId,
                name,
                source_run_id = runId,
                @params = new[] { new { key = "lr", value = lr } },
                tags = new[] { new { key = "env", value = "dev" } },
            }))).GetProperty("model");
            created.GetProperty("info").GetProperty("status").GetString().ShouldBe("LOGGED_MODEL_PENDING");
            var id = created.GetProperty("info").GetProperty("model_id").GetString()!;
            ids.Add(id);
            // mlflow.log_metric(..., model_id=…, dataset=…) → runs/log-batch with model_id and the dataset on each metric.
            await mlflow.OkAsync(mlflow.PostAsync("runs/log-batch", new
            {
                run_id = runId,
                metrics = new object[]
                {
                    new { key = "acc", value = acc, timestamp = 1L, step = 0L, model_id = id, run_id = runId, dataset_name = "train", dataset_digest = "d1" },
                    new { key = "acc", value = evalAcc, timestamp = 1L, step = 0L, model_id = id, run_id = runId, dataset_name = "eval", dataset_digest = "d2" },
                },
            }));
        }

        var page1 = await SearchAsync(mlflow, new { experiment_ids = new[] { experimentId }, filter = "params.lr = '0.1' AND metrics.acc > 0.4", order_by = new[] { new { field_name = "name", ascending = false } }, max_results = 1 });
        Names(page1).ShouldBe(["lr-b"]);
        var page2 = await SearchAsync(mlflow, new { experiment_ids = new[] { experimentId }, filter = "params.lr = '0.1' AND metrics.acc > 0.4", order_by = new[] { new { field_name = "name", ascending = false } }, max_results = 1, page_token = page1.GetProperty("next_page_token").GetString() });
        Names(page2).ShouldBe(["lr-a"]);
        page2.TryGetProperty("next_page_token", out _).ShouldBeFalse();

        var byTrain = await SearchAsync(mlflow, new { experiment_ids = new[] { experimentId }, datasets = new[] { new { dataset_name = "train" } }, order_by = new[] { new { field_name = "metrics.acc", ascending = false, dataset_name = "train" } } });
        Names(byTrain).ShouldBe(["lr-b", "lr-c", "lr-a"]);
        var byEval = await SearchAsync(mlflow, new { experiment_ids = new[] { experimentId }, filter = "metrics.acc >= 0.9", datasets = new[] { new { dataset_name = "eval", dataset_digest = "d2" } } });
        Names(byEval).ShouldBe(["lr-c"]);
        var newestFirst = await SearchAsync(mlflow, new { experiment_ids = new[] { experimentId } });
        Names(newestFirst).ShouldBe(["lr-c", "lr-b", "lr-a"]);
        Names(await SearchAsync(mlflow, new { experiment_ids = new[] { experimentId }, filter = $"name LIKE 'lr-%' AND source_run_id = '{runId}' AND model_id IN ('{ids[0]}', '{ids[2]}')", order_by = new[] { new { field_name = "creation_timestamp" } } })).ShouldBe(["lr-a", "lr-c"]);

        // set_logged_model_tags, delete_logged_model_tag, log_logged_model_params, finalize, delete.
        await mlflow.OkAsync(mlflow.SendAsync(HttpMethod.Patch, $"logged-models/{ids[0]}/tags", new { tags = new[] { new { key = "env", value = "prod" }, new { key = "owner", value = "ml" } } }));
        Names(await SearchAsync(mlflow, new { experiment_ids = new[] { experimentId }, filter = "tags.env = 'prod'" })).ShouldBe(["lr-a"]);
        await mlflow.OkAsync(mlflow.SendAsync(HttpMethod.Delete, $"logged-models/{ids[0]}/tags/owner"));
        await MlflowClient.ShouldFailAsync(mlflow.SendAsync(HttpMethod.Delete, $"logged-models/{ids[0]}/tags/owner"), 404, "RESOURCE_DOES_NOT_EXIST");
        await mlflow.OkAsync(mlflow.PostAsync($"logged-models/{ids[0]}/params", new { model_id = ids[0], @params = new[] { new { key = "depth", value = "4" }, new { key = "lr", value = "0.1" } } }));
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync($"logged-models/{ids[0]}/params", new { model_id = ids[0], @params = new[] { new { key = "lr", value = "0.9" } } }), 400, "INVALID_PARAMETER_VALUE");
        var tagged = (await mlflow.OkAsync(mlflow.GetAsync($"logged-models/{ids[0]}"))).GetProperty("model");
        tagged.GetProperty("info").GetProperty("tags").EnumerateArray().Select(t => (t.GetProperty("key").GetString(), t.GetProperty("value").GetString())).ShouldBe([("env", "prod")]);
        tagged.GetProperty("data").GetProperty("params").EnumerateArray().Select(p => p.GetProperty("key").GetString()).ShouldBe(["depth", "lr"]);

        var failed = await mlflow.OkAsync(mlflow.SendAsync(HttpMethod.Patch, $"logged-models/{ids[1]}", new { model_id = ids[1], status = "LOGGED_MODEL_UPLOAD_FAILED" }));
        failed.GetProperty("model").GetProperty("info").GetProperty("status").GetString().ShouldBe("LOGGED_MODEL_UPLOAD_FAILED");
        Names(await SearchAsync(mlflow, new { experiment_ids = new[] { experimentId }, filter = "status = 'LOGGED_MODEL_UPLOAD_FAILED'" })).ShouldBe(["lr-b"]);

        await mlflow.OkAsync(mlflow.SendAsync(HttpMethod.Delete, $"logged-models/{ids[2]}", new { model_id = ids[2] }));
        await MlflowClient.ShouldFailAsync(mlflow.GetAsync($"logged-models/{ids[2]}"), 404, "RESOURCE_DOES_NOT_EXIST");
        Names(await SearchAsync(mlflow, new { experiment_ids = new[] { experimentId } })).ShouldBe(["lr-b", "lr-a"]);
    }

    [Fact]
    public async Task Bad_input_gets_mlflows_error_json()
    {
        var mlflow = new MlflowClient(Admin);
        var (experimentId, runId) = await StartRunAsync(mlflow, "bad-input");
        var modelId = (await mlflow.OkAsync(mlflow.PostAsync("logged-models", new { experiment_id = experimentId, name = "m" }))).GetProperty("model").GetProperty("info").GetProperty("model_id").GetString()!;

        await MlflowClient.ShouldFailAsync(mlflow.GetAsync("logged-models/not-a-model"), 404, "RESOURCE_DOES_NOT_EXIST");
        await MlflowClient.ShouldFailAsync(mlflow.GetAsync($"logged-models/m-{Guid.NewGuid():N}"), 404, "RESOURCE_DOES_NOT_EXIST");
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("logged-models", new { name = "no-experiment" }), 400, "INVALID_PARAMETER_VALUE");
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("logged-models", new { experiment_id = "999999", name = "x" }), 404, "RESOURCE_DOES_NOT_EXIST");
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("logged-models", new { experiment_id = experimentId, name = "a/b" }), 400, "INVALID_PARAMETER_VALUE");
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("logged-models", new { experiment_id = experimentId, @params = new[] { new { key = "lr", value = "1" }, new { key = "lr", value = "2" } } }), 400, "INVALID_PARAMETER_VALUE");
        await MlflowClient.ShouldFailAsync(mlflow.SendAsync(HttpMethod.Patch, $"logged-models/{modelId}", new { model_id = modelId, status = "DONE" }), 400, "INVALID_PARAMETER_VALUE");
        await MlflowClient.ShouldFailAsync(mlflow.SendAsync(HttpMethod.Patch, $"logged-models/{modelId}", new { model_id = modelId }), 400, "INVALID_PARAMETER_VALUE");
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("logged-models/search", new { experiment_ids = new[] { experimentId }, filter = "metrics.acc >> 1" }), 400, "INVALID_PARAMETER_VALUE");
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("logged-models/search", new { experiment_ids = new[] { experimentId }, filter = "run_name = 'x'" }), 400, "INVALID_PARAMETER_VALUE");
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("logged-models/search", new { experiment_ids = new[] { experimentId }, max_results = 5000 }), 400, "INVALID_PARAMETER_VALUE");
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("logged-models/search", new { experiment_ids = new[] { experimentId }, page_token = "garbage" }), 400, "INVALID_PARAMETER_VALUE");
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("logged-models/search", new { experiment_ids = new[] { experimentId }, order_by = new[] { new { field_name = "params.lr" } } }), 400, "INVALID_PARAMETER_VALUE");
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("runs/outputs", new { run_id = runId, models = new[] { new { model_id = $"m-{Guid.NewGuid():N}", step = 0 } } }), 404, "RESOURCE_DOES_NOT_EXIST");
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("runs/outputs", new { models = new[] { new { model_id = modelId } } }), 400, "INVALID_PARAMETER_VALUE");
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("model-versions/create", new { name = "none", source = $"models:/{modelId}" }), 404, "RESOURCE_DOES_NOT_EXIST");
        await mlflow.OkAsync(mlflow.PostAsync("registered-models/create", new { name = "empty" }));
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("model-versions/create", new { name = "empty", source = $"models:/{modelId}", model_id = modelId }), 400, "INVALID_PARAMETER_VALUE");
        var escape = await Admin.PutAsync($"/api/2.0/mlflow-artifacts/artifacts/{experimentId}/models/{modelId}/artifacts/..%2F..%2Fsecret", new StringContent("x"));
        ((int)escape.StatusCode).ShouldBeInRange(400, 404);
        (await Admin.PutAsync($"/api/2.0/mlflow-artifacts/artifacts/999/models/{modelId}/artifacts/x.txt", new StringContent("x"))).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Logged_models_take_their_experiments_permissions()
    {
        var alice = await CreateUserAsync("alice", SystemRoles.ModelDeveloper);
        var bob = await CreateUserAsync("bob", SystemRoles.ModelDeveloper);
        var mlflowAlice = new MlflowClient(alice);
        var project = (await (await alice.PostAsJsonAsync("/api/v1/projects", new { name = "secret-project" })).Content.ReadFromJsonAsync<ProjectView>(JsonDefaults.Options))!;
        var experimentId = (await mlflowAlice.OkAsync(mlflowAlice.PostAsync("experiments/create", $$"""{"name": "secret", "tags": [{"key": "aiplatform.project", "value": "{{project.Id}}"}]}"""))).GetProperty("experiment_id").GetString()!;
        var runId = (await mlflowAlice.OkAsync(mlflowAlice.PostAsync("runs/create", new { experiment_id = experimentId }))).GetProperty("run").GetProperty("info").GetProperty("run_id").GetString()!;
        var (modelId, _) = await SklearnLogModelAsync(mlflowAlice, experimentId, runId, "model");
        var file = $"/api/2.0/mlflow-artifacts/artifacts/{experimentId}/models/{modelId}/artifacts/model.pkl";

        // A stranger sees nothing.
        var mlflowBob = new MlflowClient(bob);
        await MlflowClient.ShouldFailAsync(mlflowBob.GetAsync($"logged-models/{modelId}"), 404, "RESOURCE_DOES_NOT_EXIST");
        (await mlflowBob.OkAsync(mlflowBob.PostAsync("logged-models/search", new { experiment_ids = new[] { experimentId } }))).GetProperty("models").GetArrayLength().ShouldBe(0);
        (await bob.GetAsync(file)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        await MlflowClient.ShouldFailAsync(mlflowBob.PostAsync("logged-models", new { experiment_id = experimentId, name = "intruder" }), 404, "RESOURCE_DOES_NOT_EXIST");

        // A Read grantee reads and downloads but cannot create, finalize, tag, upload or delete.
        var bobId = (await bob.GetFromJsonAsync<JsonElement>("/api/v1/me", JsonDefaults.Options)).GetProperty("id").GetGuid();
        (await alice.PostAsJsonAsync($"/api/v1/projects/{project.Id}/grants", new { principalType = "User", principalId = bobId, level = "Read" }, JsonDefaults.Options)).EnsureSuccessStatusCode();
        (await mlflowBob.OkAsync(mlflowBob.GetAsync($"logged-models/{modelId}"))).GetProperty("model").GetProperty("info").GetProperty("model_id").GetString().ShouldBe(modelId);
        (await mlflowBob.OkAsync(mlflowBob.PostAsync("logged-models/search", new { experiment_ids = new[] { experimentId } }))).GetProperty("models").GetArrayLength().ShouldBe(1);
        (await bob.GetStringAsync(file)).ShouldBe(SklearnFiles["model.pkl"]);
        await MlflowClient.ShouldFailAsync(mlflowBob.PostAsync("logged-models", new { experiment_id = experimentId, name = "intruder" }), 403, "PERMISSION_DENIED");
        await MlflowClient.ShouldFailAsync(mlflowBob.SendAsync(HttpMethod.Patch, $"logged-models/{modelId}", new { model_id = modelId, status = "LOGGED_MODEL_UPLOAD_FAILED" }), 403, "PERMISSION_DENIED");
        await MlflowClient.ShouldFailAsync(mlflowBob.SendAsync(HttpMethod.Patch, $"logged-models/{modelId}/tags", new { tags = new[] { new { key = "x", value = "y" } } }), 403, "PERMISSION_DENIED");
        await MlflowClient.ShouldFailAsync(mlflowBob.SendAsync(HttpMethod.Delete, $"logged-models/{modelId}", new { model_id = modelId }), 403, "PERMISSION_DENIED");
        (await bob.PutAsync(file, new StringContent("evil"))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await bob.DeleteAsync(file)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        // A read-only token of the owner searches but cannot write; an anonymous caller gets 401.
        var created = await alice.PostAsJsonAsync("/api/v1/me/tokens", new { name = "read", scope = "Read", expiresInDays = 7 }, JsonDefaults.Options);
        var readOnly = MlflowClient.WithToken(Factory.CreateClient(), (await created.Content.ReadFromJsonAsync<CreatedTokenView>(JsonDefaults.Options))!.Value);
        (await readOnly.OkAsync(readOnly.PostAsync("logged-models/search", new { experiment_ids = new[] { experimentId } }))).GetProperty("models").GetArrayLength().ShouldBe(1);
        // (The token's scope is refused before the endpoint, with the platform's problem details, as for runs.)
        (await readOnly.PostAsync("logged-models", new { experiment_id = experimentId, name = "x" })).Status.ShouldBe(403);
        (await readOnly.SendAsync(HttpMethod.Patch, $"logged-models/{modelId}", new { model_id = modelId, status = "LOGGED_MODEL_UPLOAD_FAILED" })).Status.ShouldBe(403);
        var anonymous = Factory.CreateClient();
        (await anonymous.PostAsync("/api/2.0/mlflow/logged-models/search", new StringContent("{}", Encoding.UTF8, "application/json"))).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.GetAsync($"/api/2.0/mlflow/logged-models/{modelId}")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.GetAsync(file)).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        // Still intact after all the refused calls.
        var model = (await mlflowAlice.OkAsync(mlflowAlice.GetAsync($"logged-models/{modelId}"))).GetProperty("model");
        model.GetProperty("info").GetProperty("status").GetString().ShouldBe("LOGGED_MODEL_READY");
        (await alice.GetStringAsync(file)).ShouldBe(SklearnFiles["model.pkl"]);
    }

    [Fact]
    public async Task Registering_a_logged_model_keeps_its_source_run_and_refuses_another_run_or_source()
    {
        var mlflow = new MlflowClient(Admin);
        var (experimentId, runId) = await StartRunAsync(mlflow, "lineage");
        var (modelId, artifactUri) = await SklearnLogModelAsync(mlflow, experimentId, runId, "model");
        var (_, otherRunId) = await StartRunAsync(mlflow, "someone-elses");
        await mlflow.OkAsync(mlflow.PostAsync("registered-models/create", new { name = "lineage" }));

        // The version's run is the logged model's source run: another run_id, or a source naming another object, is refused.
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("model-versions/create", new { name = "lineage", source = $"models:/{modelId}", model_id = modelId, run_id = otherRunId }), 400, "INVALID_PARAMETER_VALUE");
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("model-versions/create", new { name = "lineage", source = $"runs:/{otherRunId}/model", model_id = modelId }), 400, "INVALID_PARAMETER_VALUE");
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("model-versions/create", new { name = "lineage", source = $"models:/m-{Guid.NewGuid():N}", model_id = modelId }), 400, "INVALID_PARAMETER_VALUE");

        // Spellings of the same logged model are accepted and stored as models:/m-….
        foreach (var source in new[] { $"runs:/{runId}/model", artifactUri })
        {
            var version = (await mlflow.OkAsync(mlflow.PostAsync("model-versions/create", new { name = "lineage", source, model_id = modelId, run_id = runId }))).GetProperty("model_version");
            (version.GetProperty("source").GetString(), version.GetProperty("run_id").GetString()).ShouldBe(($"models:/{modelId}", runId));
        }

        // A logged model without a source run takes a client run only when the caller may read it.
        var alice = await CreateUserAsync("alice", SystemRoles.ModelDeveloper);
        var bob = await CreateUserAsync("bob", SystemRoles.ModelDeveloper);
        var mlflowAlice = new MlflowClient(alice);
        var mlflowBob = new MlflowClient(bob);
        var (_, aliceRunId) = await StartRunAsync(mlflowAlice, "alice-private");
        var (bobExperimentId, bobRunId) = await StartRunAsync(mlflowBob, "bob-own");
        var orphanId = await LogModelWithoutRunAsync(mlflowBob, bobExperimentId, "orphan");
        await mlflowBob.OkAsync(mlflowBob.PostAsync("registered-models/create", new { name = "bobs" }));
        await MlflowClient.ShouldFailAsync(mlflowBob.PostAsync("model-versions/create", new { name = "bobs", source = $"runs:/{aliceRunId}/model", model_id = orphanId, run_id = aliceRunId }), 400, "INVALID_PARAMETER_VALUE");
        (await mlflowBob.PostAsync("model-versions/create", new { name = "bobs", source = $"models:/{orphanId}", model_id = orphanId, run_id = aliceRunId })).Status.ShouldBeOneOf(403, 404);
        var own = (await mlflowBob.OkAsync(mlflowBob.PostAsync("model-versions/create", new { name = "bobs", source = $"models:/{orphanId}", model_id = orphanId, run_id = bobRunId }))).GetProperty("model_version");
        (own.GetProperty("source").GetString(), own.GetProperty("run_id").GetString()).ShouldBe(($"models:/{orphanId}", bobRunId));
    }

    [Fact]
    public async Task Logged_model_search_caps_experiments_and_matches_like_without_backtracking()
    {
        var mlflow = new MlflowClient(Admin);
        var (experimentId, runId) = await StartRunAsync(mlflow, "bounded");
        var longName = new string('a', 240);
        await SklearnLogModelAsync(mlflow, experimentId, runId, longName);

        var tooMany = Enumerable.Range(1, LoggedModelService.MaxSearchExperiments + 1).Select(i => i.ToString(System.Globalization.CultureInfo.InvariantCulture)).ToArray();
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("logged-models/search", new { experiment_ids = tooMany }), 400, "INVALID_PARAMETER_VALUE");

        // A backtracking regex needs about C(240, 12) steps to reject this pattern (it ran into its timeout and gave 500).
        var pathological = "name LIKE '" + string.Concat(Enumerable.Repeat("%a", 12)) + "%b'";
        Names(await SearchAsync(mlflow, new { experiment_ids = new[] { experimentId }, filter = pathological })).ShouldBeEmpty();
        Names(await SearchAsync(mlflow, new { experiment_ids = new[] { experimentId }, filter = "name ILIKE '" + string.Concat(Enumerable.Repeat("%A", 12)) + "%'" })).ShouldBe([longName]);
        Names(await SearchAsync(mlflow, new { experiment_ids = new[] { experimentId }, filter = $"name = '{longName}'" })).ShouldBe([longName]);
        Names(await SearchAsync(mlflow, new { experiment_ids = new[] { experimentId }, filter = "name LIKE 'a_a%'" })).ShouldBe([longName]);
    }

    [Fact]
    public async Task Metrics_naming_a_refused_model_write_nothing_to_the_run()
    {
        var mlflow = new MlflowClient(Admin);
        var (experimentId, runId) = await StartRunAsync(mlflow, "atomic");
        var unknown = $"m-{Guid.NewGuid():N}";

        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("runs/log-metric", new { run_id = runId, key = "loss", value = 0.5, timestamp = 1_700_000_000_000L, step = 0, model_id = unknown }), 404, "RESOURCE_DOES_NOT_EXIST");
        await MlflowClient.ShouldFailAsync(mlflow.PostAsync("runs/log-batch", new { run_id = runId, metrics = new[] { new { key = "acc", value = 0.9, timestamp = 1_700_000_000_000L, step = 0L, model_id = unknown } } }), 404, "RESOURCE_DOES_NOT_EXIST");

        var run = (await mlflow.OkAsync(mlflow.GetAsync("runs/get", ("run_id", runId)))).GetProperty("run");
        (run.GetProperty("data").TryGetProperty("metrics", out var metrics) ? metrics.GetArrayLength() : 0).ShouldBe(0);

        // A logged model without files has its own message key (not the run's).
        var emptyId = (await mlflow.OkAsync(mlflow.PostAsync("logged-models", new { experiment_id = experimentId, name = "empty" }))).GetProperty("model").GetProperty("info").GetProperty("model_id").GetString()!;
        await mlflow.OkAsync(mlflow.PostAsync("registered-models/create", new { name = "from-empty" }));
        var registered = (await Admin.GetFromJsonAsync<JsonElement>("/api/v1/models?q=from-empty", JsonDefaults.Options)).GetProperty("items")[0].GetProperty("id").GetGuid();
        var refused = await Admin.PostAsJsonAsync($"/api/v1/models/{registered}/versions", new { source = $"models:/{emptyId}" }, JsonDefaults.Options);
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await refused.Content.ReadFromJsonAsync<JsonElement>(JsonDefaults.Options)).GetProperty("messageKey").GetString().ShouldBe("Error.LoggedModelHasNoArtifacts");
    }

    // ---- replays ----

    private static async Task<(string ExperimentId, string RunId)> StartRunAsync(MlflowClient mlflow, string experiment)
    {
        var experimentId = (await mlflow.OkAsync(mlflow.PostAsync("experiments/create", new { name = experiment }))).GetProperty("experiment_id").GetString()!;
        var runId = (await mlflow.OkAsync(mlflow.PostAsync("runs/create", new { experiment_id = experimentId, start_time = 1_700_000_000_000L, tags = new[] { new { key = "mlflow.user", value = "me" } } }))).GetProperty("run").GetProperty("info").GetProperty("run_id").GetString()!;
        return (experimentId, runId);
    }

    /// <summary>
    /// mlflow.sklearn.log_model(model, name=…) inside a run, as Model.log in MLflow 3.6 calls the server: get_run (its
    /// params go to the model), create_logged_model, log_outputs, log_model_metrics_for_step (get_run, each metric's
    /// history, log_batch with model_id), log_model_artifacts (get_logged_model, a PUT per file under the model's
    /// artifact location) and, leaving _use_logged_model, finalize_logged_model(READY).
    /// </summary>
    private async Task<(string ModelId, string ArtifactUri)> SklearnLogModelAsync(MlflowClient mlflow, string experimentId, string runId, string name)
    {
        var run = (await mlflow.OkAsync(mlflow.GetAsync("runs/get", ("run_uuid", runId), ("run_id", runId)))).GetProperty("run");
        var runParams = run.GetProperty("data").TryGetProperty("params", out var p) ? p.EnumerateArray().Select(x => new { key = x.GetProperty("key").GetString(), value = x.GetProperty("value").GetString() }).ToArray() : [];
        var created = (await mlflow.OkAsync(mlflow.PostAsync("logged-models", new
        {
            experiment_id = experimentId,
            name,
            source_run_id = runId,
            @params = runParams,
            tags = new[] { new { key = "mlflow.user", value = "me" }, new { key = "mlflow.source.name", value = "train.py" }, new { key = "mlflow.source.type", value = "LOCAL" } },
        }))).GetProperty("model");
        var modelId = created.GetProperty("info").GetProperty("model_id").GetString()!;
        var artifactUri = created.GetProperty("info").GetProperty("artifact_uri").GetString()!;

        await mlflow.OkAsync(mlflow.PostAsync("runs/outputs", new { run_id = runId, models = new[] { new { model_id = modelId, step = 0L } } }));

        run = (await mlflow.OkAsync(mlflow.GetAsync("runs/get", ("run_uuid", runId), ("run_id", runId)))).GetProperty("run");
        var forStep = new List<object>();
        foreach (var key in run.GetProperty("data").TryGetProperty("metrics", out var m) ? m.EnumerateArray().Select(x => x.GetProperty("key").GetString()!) : [])
        {
            var history = await mlflow.OkAsync(mlflow.GetAsync("metrics/get-history", ("run_uuid", runId), ("run_id", runId), ("metric_key", key)));
            forStep.AddRange(history.GetProperty("metrics").EnumerateArray().Where(h => h.GetProperty("step").GetInt64() == 0)
                .Select(h => new { key, value = h.GetProperty("value").GetDouble(), timestamp = h.GetProperty("timestamp").GetInt64(), step = 0L, run_id = runId, model_id = modelId }));
        }

        if (forStep.Count > 0)
        {
            await mlflow.OkAsync(mlflow.PostAsync("runs/log-batch", new { run_id = runId, metrics = forStep }));
        }

        var location = (await mlflow.OkAsync(mlflow.GetAsync($"logged-models/{modelId}"))).GetProperty("model").GetProperty("info").GetProperty("artifact_uri").GetString()!;
        foreach (var (file, content) in SklearnFiles)
        {
            var put = await mlflow.Http.PutAsync($"/api/2.0/mlflow-artifacts/artifacts/{location["mlflow-artifacts:/".Length..]}/{file}", new StringContent(content));
            put.StatusCode.ShouldBe(HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        }

        var finalized = await mlflow.OkAsync(mlflow.SendAsync(HttpMethod.Patch, $"logged-models/{modelId}", new { model_id = modelId, status = "LOGGED_MODEL_READY" }));
        finalized.GetProperty("model").GetProperty("info").GetProperty("status").GetString().ShouldBe("LOGGED_MODEL_READY");
        return (modelId, artifactUri);
    }

    /// <summary>A logged model with files but no source run (mlflow.pyfunc.log_model outside a run, no active run).</summary>
    private static async Task<string> LogModelWithoutRunAsync(MlflowClient mlflow, string experimentId, string name)
    {
        var info = (await mlflow.OkAsync(mlflow.PostAsync("logged-models", new { experiment_id = experimentId, name }))).GetProperty("model").GetProperty("info");
        var location = info.GetProperty("artifact_uri").GetString()!["mlflow-artifacts:/".Length..];
        var put = await mlflow.Http.PutAsync($"/api/2.0/mlflow-artifacts/artifacts/{location}/model.pkl", new StringContent(SklearnFiles["model.pkl"]));
        put.StatusCode.ShouldBe(HttpStatusCode.OK, await put.Content.ReadAsStringAsync());
        return info.GetProperty("model_id").GetString()!;
    }

    /// <summary>The end of _register_model when a model id is known: get_logged_model, then the mlflow.modelVersions tag extended.</summary>
    private static async Task RecordRegistrationAsync(MlflowClient mlflow, string modelId, string name, string version)
    {
        var model = (await mlflow.OkAsync(mlflow.GetAsync($"logged-models/{modelId}"))).GetProperty("model");
        var existing = model.GetProperty("info").GetProperty("tags").EnumerateArray().FirstOrDefault(t => t.GetProperty("key").GetString() == "mlflow.modelVersions");
        var value = existing.ValueKind == JsonValueKind.Undefined ? [] : JsonSerializer.Deserialize<List<Dictionary<string, string>>>(existing.GetProperty("value").GetString()!)!;
        value.Add(new Dictionary<string, string> { ["name"] = name, ["version"] = version });
        await mlflow.OkAsync(mlflow.SendAsync(HttpMethod.Patch, $"logged-models/{modelId}/tags", new { tags = new[] { new { key = "mlflow.modelVersions", value = JsonSerializer.Serialize(value) } } }));
    }

    /// <summary>
    /// MlflowClient.list_artifacts(run_id, path) through RunsArtifactRepository (MLflow 3.6): get_run for the run's
    /// artifact root, the run's own listing, then _list_model_artifacts: get_run and logged-models/search for a model of
    /// the run named like the first path segment, whose artifacts are listed under it.
    /// </summary>
    private async Task<List<string>> ListRunArtifactsAsync(MlflowClient mlflow, string experimentId, string runId, string path)
    {
        var run = (await mlflow.OkAsync(mlflow.GetAsync("runs/get", ("run_uuid", runId), ("run_id", runId)))).GetProperty("run");
        var root = run.GetProperty("info").GetProperty("artifact_uri").GetString()!["mlflow-artifacts:/".Length..];
        var result = JsonDocument.Parse(await Admin.GetStringAsync($"/api/2.0/mlflow-artifacts/artifacts?path={root}/{path}")).RootElement
            .GetProperty("files").EnumerateArray().Select(f => $"{path}/{f.GetProperty("path").GetString()}").ToList();

        var (modelName, rest) = path.Split('/', 2) is [var first, var tail] ? (first, tail) : (path, string.Empty);
        await mlflow.OkAsync(mlflow.GetAsync("runs/get", ("run_uuid", runId), ("run_id", runId)));
        var models = await mlflow.OkAsync(mlflow.PostAsync("logged-models/search", new { experiment_ids = new[] { experimentId }, filter = $"name = '{modelName}'" }));
        var match = models.GetProperty("models").EnumerateArray().FirstOrDefault(m => m.GetProperty("info").GetProperty("source_run_id").GetString() == runId);
        if (match.ValueKind != JsonValueKind.Undefined)
        {
            var modelRoot = match.GetProperty("info").GetProperty("artifact_uri").GetString()!["mlflow-artifacts:/".Length..];
            var files = JsonDocument.Parse(await Admin.GetStringAsync($"/api/2.0/mlflow-artifacts/artifacts?path={modelRoot}{(rest.Length > 0 ? "/" + rest : string.Empty)}")).RootElement.GetProperty("files");
            result.AddRange(files.EnumerateArray().Select(f => $"{modelName}/{(rest.Length > 0 ? rest + "/" : string.Empty)}{f.GetProperty("path").GetString()}"));
        }

        return result;
    }

    private static async Task<JsonElement> SearchAsync(MlflowClient mlflow, object body) => await mlflow.OkAsync(mlflow.PostAsync("logged-models/search", body));

    private static List<string?> Names(JsonElement page) => page.GetProperty("models").EnumerateArray().Select(m => m.GetProperty("info").GetProperty("name").GetString()).ToList();
}
