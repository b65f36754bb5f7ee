using System.IO.Compression;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AiPlatform.Core.Training;
using AiPlatform.Web.Api;
using AiPlatform.Web.Features.Data;
using AiPlatform.Web.Features.Projects;
using AiPlatform.Web.Features.Tracking;
using AiPlatform.Web.Features.Training;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Training;

/// <summary>
/// Training over HTTP against the platform on a real loopback port, so that a custom Python script can reach the
/// MLflow API with the token the platform injected.
/// </summary>
public sealed class TrainingApiTests : ApiTestBase
{
    protected override bool OverKestrel => true;

    [Fact]
    public async Task A_python_script_logs_into_its_run_with_the_injected_token_and_reads_the_dataset()
    {
        var (experiment, dataset, version) = await SetupAsync();
        var zip = Zip(("train.py", """
            import json, os, sys, urllib.request
            uri, run, token = os.environ["MLFLOW_TRACKING_URI"], os.environ["MLFLOW_RUN_ID"], os.environ["MLFLOW_TRACKING_TOKEN"]
            def post(path, body):
                request = urllib.request.Request(uri + "/api/2.0/mlflow/" + path, data=json.dumps(body).encode(), headers={"Authorization": "Bearer " + token, "Content-Type": "application/json"})
                urllib.request.urlopen(request).read()
            rows = sum(1 for _ in open(os.environ["AIP_DATASET_PATH"])) - 1
            for step in range(5):
                post("runs/log-metric", {"run_id": run, "key": "loss", "value": 1.0 / (step + 1), "timestamp": 1700000000000 + step, "step": step})
            post("runs/log-parameter", {"run_id": run, "key": "lr", "value": os.environ["LR"]})
            print("trained on", rows, "rows")
            """));
        var upload = await Admin.PostAsync("/api/v1/training-runs/code", new ByteArrayContent(zip));
        upload.StatusCode.ShouldBe(HttpStatusCode.OK, await upload.Content.ReadAsStringAsync());
        var codeKey = (await upload.Content.ReadFromJsonAsync<CodeUpload>(JsonDefaults.Options))!.CodeKey;

        var submitted = await Admin.PostAsJsonAsync("/api/v1/training-runs", new
        {
            experimentId = experiment.Id,
            name = "py-script",
            kind = "Custom",
            custom = new { command = "python3 train.py", codeKey, environment = new Dictionary<string, string> { ["LR"] = "0.05" } },
            datasetId = dataset.Id,
            datasetVersionId = version,
        }, JsonDefaults.Options);
        submitted.StatusCode.ShouldBe(HttpStatusCode.Created, await submitted.Content.ReadAsStringAsync());
        var run = (await submitted.Content.ReadFromJsonAsync<TrainingRun>(JsonDefaults.Options))!;
        var done = await WaitAsync(run.Id);
        done.Run.Status.ShouldBe(TrainingStatus.Succeeded, done.Run.Error);

        var log = await Admin.GetFromJsonAsync<List<TrainingLogLine>>($"/api/v1/training-runs/{run.Id}/log", JsonDefaults.Options);
        log!.Select(l => l.Message).ShouldContain("trained on 3 rows");
        var tracked = (await Admin.GetFromJsonAsync<RunView>($"/api/v1/runs/{done.Run.TrackingRunId}", JsonDefaults.Options))!;
        tracked.Status.ShouldBe("FINISHED");
        tracked.Params["lr"].ShouldBe("0.05");
        (await Admin.GetFromJsonAsync<List<MetricView>>($"/api/v1/runs/{done.Run.TrackingRunId}/metrics/loss", JsonDefaults.Options))!.Count.ShouldBe(5);
        tracked.Inputs.Single().DatasetVersionId.ShouldBe(version);
    }

    [Fact]
    public async Task Variables_that_change_how_programs_load_are_refused_at_submit()
    {
        var (experiment, _, _) = await SetupAsync();
        foreach (var name in (string[])["LD_PRELOAD", "LD_LIBRARY_PATH", "ld_audit", "GCONV_PATH", "GLIBC_TUNABLES", "MALLOC_CHECK_", "LOCPATH", "NLSPATH", "HOSTALIASES", "RES_OPTIONS", "BASH_ENV", "ENV", "A=B"])
        {
            var refused = await Admin.PostAsJsonAsync("/api/v1/training-runs", new
            {
                experimentId = experiment.Id,
                kind = "Custom",
                custom = new { command = "true", environment = new Dictionary<string, string> { [name] = "./evil.so" } },
            }, JsonDefaults.Options);
            refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest, name);
            (await refused.Content.ReadAsStringAsync()).ShouldContain("is not a variable you may set", Case.Sensitive, name);
        }
    }

    [Fact]
    public async Task Built_in_runs_are_submitted_checked_listed_retried_and_cloned_through_the_api()
    {
        var (experiment, dataset, version) = await SetupAsync();
        var bad = await Admin.PostAsJsonAsync("/api/v1/training-runs", new
        {
            experimentId = experiment.Id,
            kind = "BuiltIn",
            builtIn = new { task = "Regression", trainer = "LightGbm", label = "color", features = new[] { "x" } },
            datasetId = dataset.Id,
            datasetVersionId = version,
        }, JsonDefaults.Options);
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        (await bad.Content.ReadAsStringAsync()).ShouldContain("numeric label");

        var submitted = await Admin.PostAsJsonAsync("/api/v1/training-runs", new
        {
            experimentId = experiment.Id,
            kind = "BuiltIn",
            builtIn = new { task = "Regression", trainer = "FastForest", label = "y", features = new[] { "x", "color" }, hyperparameters = new Dictionary<string, double> { ["numberOfTrees"] = 10 }, testFraction = 0.34 },
            datasetId = dataset.Id,
            datasetVersionId = version,
            priority = 3,
        }, JsonDefaults.Options);
        submitted.StatusCode.ShouldBe(HttpStatusCode.Created, await submitted.Content.ReadAsStringAsync());
        var run = (await submitted.Content.ReadFromJsonAsync<TrainingRun>(JsonDefaults.Options))!;
        var done = await WaitAsync(run.Id);
        done.Run.Status.ShouldBe(TrainingStatus.Succeeded, done.Run.Error);
        done.Permission.ShouldBe(AiPlatform.Core.Access.PermissionLevel.Manage);

        var list = await Admin.GetFromJsonAsync<Paged<TrainingRun>>($"/api/v1/training-runs?experimentId={experiment.Id}&status=Succeeded", JsonDefaults.Options);
        list!.Items.Single().Id.ShouldBe(run.Id);
        var clone = await Admin.GetFromJsonAsync<JsonElement>($"/api/v1/training-runs/{run.Id}/clone", JsonDefaults.Options);
        clone.GetProperty("builtIn").GetProperty("trainer").GetString().ShouldBe("FastForest");
        clone.GetProperty("priority").GetInt32().ShouldBe(3);
        var retry = await Admin.PostAsync($"/api/v1/training-runs/{run.Id}/retry", null);
        retry.StatusCode.ShouldBe(HttpStatusCode.Created);
        var again = (await retry.Content.ReadFromJsonAsync<TrainingRun>(JsonDefaults.Options))!;
        again.ClonedFromId.ShouldBe(run.Id);
        (await WaitAsync(again.Id)).Run.Status.ShouldBe(TrainingStatus.Succeeded);
        (await Admin.PostAsync($"/api/v1/training-runs/{run.Id}/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        (await Admin.GetFromJsonAsync<List<TrainerInfo>>("/api/v1/trainers", JsonDefaults.Options))!.Single(t => t.Trainer == TrainerAlgorithm.LightGbm).Hyperparameters.ShouldContain("numberOfLeaves");
        (await Admin.GetAsync($"/api/v1/training-runs/{Guid.NewGuid()}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await Admin.PostAsync("/api/v1/training-runs/code", new StringContent("not a zip"))).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
    }

    [Fact]
    public async Task A_study_started_from_a_training_run_searches_and_reports_its_trials_and_importance()
    {
        var (experiment, dataset, version) = await SetupAsync();
        var baseRun = (await (await Admin.PostAsJsonAsync("/api/v1/training-runs", new
        {
            experimentId = experiment.Id,
            name = "base",
            kind = "BuiltIn",
            builtIn = new { task = "Regression", trainer = "LightGbm", label = "y", features = new[] { "x" }, hyperparameters = new Dictionary<string, double> { ["minimumExampleCountPerLeaf"] = 1, ["numberOfIterations"] = 5 }, testFraction = 0.34 },
            datasetId = dataset.Id,
            datasetVersionId = version,
        }, JsonDefaults.Options)).Content.ReadFromJsonAsync<TrainingRun>(JsonDefaults.Options))!;
        (await WaitAsync(baseRun.Id)).Run.Status.ShouldBe(TrainingStatus.Succeeded);

        var bad = await Admin.PostAsJsonAsync("/api/v1/studies", new { baseTrainingRunId = baseRun.Id, searchSpace = new[] { new { name = "learningRate", type = "LogFloat", low = 0.0, high = 1.0 } }, objectiveMetric = "rmse", direction = "Minimize" }, JsonDefaults.Options);
        bad.StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        var created = await Admin.PostAsJsonAsync("/api/v1/studies", new
        {
            name = "lr-search",
            baseTrainingRunId = baseRun.Id,
            searchSpace = new object[] { new { name = "learningRate", type = "LogFloat", low = 0.01, high = 0.5 }, new { name = "numberOfLeaves", type = "Int", low = 2, high = 8 } },
            objectiveMetric = "rmse",
            direction = "Minimize",
            sampler = "Tpe",
            maxTrials = 4,
            parallelism = 2,
        }, JsonDefaults.Options);
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        var studyId = JsonDocument.Parse(await created.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();

        StudyDetail? detail = null;
        for (var i = 0; i < 600 && detail?.Study.Status is null or Core.Training.Hpo.StudyStatus.Running; i++)
        {
            await Task.Delay(100);
            detail = await Admin.GetFromJsonAsync<StudyDetail>($"/api/v1/studies/{studyId}", JsonDefaults.Options);
        }

        detail!.Study.Status.ShouldBe(Core.Training.Hpo.StudyStatus.Succeeded, detail.Study.Error);
        detail.Trials.Count.ShouldBe(4);
        detail.Trials.ShouldAllBe(t => t.Objective != null && t.Params.ContainsKey("learningRate"));
        detail.Study.BestValue.ShouldBe(detail.Trials.Min(t => t.Objective));
        detail.Importance.Keys.ShouldBe(["learningRate", "numberOfLeaves"], ignoreOrder: true);
        (await Admin.GetFromJsonAsync<Paged<Core.Training.Hpo.Study>>($"/api/v1/studies?experimentId={experiment.Id}", JsonDefaults.Options))!.TotalCount.ShouldBe(1);
        (await Admin.PostAsync($"/api/v1/studies/{studyId}/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.Conflict);
        var parent = (await Admin.GetFromJsonAsync<RunView>($"/api/v1/runs/{detail.Study.ParentTrackingRunId}", JsonDefaults.Options))!;
        parent.Metrics.ShouldContain(m => m.Key == "best_rmse");
    }

    [Fact]
    public async Task The_mlflow_registry_api_registers_a_trained_model_and_moves_its_stage_and_alias()
    {
        var (experiment, dataset, version) = await SetupAsync();
        var trained = (await (await Admin.PostAsJsonAsync("/api/v1/training-runs", new
        {
            experimentId = experiment.Id,
            kind = "BuiltIn",
            builtIn = new { task = "Regression", trainer = "FastTree", label = "y", features = new[] { "x" }, hyperparameters = new Dictionary<string, double> { ["minimumExampleCountPerLeaf"] = 1 }, testFraction = 0.34 },
            datasetId = dataset.Id,
            datasetVersionId = version,
        }, JsonDefaults.Options)).Content.ReadFromJsonAsync<TrainingRun>(JsonDefaults.Options))!;
        var run = (await WaitAsync(trained.Id)).Run;
        var mlflow = new Api.Mlflow.MlflowClient(Admin);

        var created = await mlflow.OkAsync(mlflow.PostAsync("registered-models/create", new { name = "yield-model", description = "regression", tags = new[] { new { key = "team", value = "ops" } } }));
        created.GetProperty("registered_model").GetProperty("name").GetString().ShouldBe("yield-model");
        await Api.Mlflow.MlflowClient.ShouldFailAsync(mlflow.PostAsync("registered-models/create", new { name = "yield-model" }), 400, "RESOURCE_ALREADY_EXISTS");

        var v1 = (await mlflow.OkAsync(mlflow.PostAsync("model-versions/create", new { name = "yield-model", source = $"runs:/{run.TrackingRunId:N}/model", run_id = run.TrackingRunId.ToString("N") }))).GetProperty("model_version");
        v1.GetProperty("version").GetString().ShouldBe("1");
        v1.GetProperty("status").GetString().ShouldBe("READY");
        v1.GetProperty("current_stage").GetString().ShouldBe("None");

        var moved = (await mlflow.OkAsync(mlflow.PostAsync("model-versions/transition-stage", new { name = "yield-model", version = "1", stage = "production", archive_existing_versions = true }))).GetProperty("model_version");
        moved.GetProperty("current_stage").GetString().ShouldBe("Production");
        await mlflow.OkAsync(mlflow.PostAsync("registered-models/alias", new { name = "yield-model", alias = "champion", version = "1" }));
        (await mlflow.OkAsync(mlflow.GetAsync("registered-models/alias", ("name", "yield-model"), ("alias", "champion")))).GetProperty("model_version").GetProperty("version").GetString().ShouldBe("1");
        var latest = await mlflow.OkAsync(mlflow.PostAsync("registered-models/get-latest-versions", new { name = "yield-model", stages = new[] { "Production" } }));
        latest.GetProperty("model_versions")[0].GetProperty("version").GetString().ShouldBe("1");
        var search = await mlflow.OkAsync(mlflow.GetAsync("registered-models/search", ("filter", "name LIKE 'yield%'")));
        search.GetProperty("registered_models")[0].GetProperty("aliases")[0].GetProperty("alias").GetString().ShouldBe("champion");
        (await mlflow.OkAsync(mlflow.GetAsync("model-versions/search", ("filter", $"run_id = '{run.TrackingRunId:N}'")))).GetProperty("model_versions").GetArrayLength().ShouldBe(1);
        (await mlflow.OkAsync(mlflow.GetAsync("model-versions/get-download-uri", ("name", "yield-model"), ("version", "1")))).GetProperty("artifact_uri").GetString().ShouldStartWith("runs:/");
        await mlflow.OkAsync(mlflow.PostAsync("model-versions/set-tag", new { name = "yield-model", version = "1", key = "validated", value = "yes" }));

        await Api.Mlflow.MlflowClient.ShouldFailAsync(mlflow.GetAsync("registered-models/get", ("name", "nope")), 404, "RESOURCE_DOES_NOT_EXIST");
        await Api.Mlflow.MlflowClient.ShouldFailAsync(mlflow.PostAsync("model-versions/transition-stage", new { name = "yield-model", version = "1", stage = "Live", archive_existing_versions = false }), 400, "INVALID_PARAMETER_VALUE");
        await Api.Mlflow.MlflowClient.ShouldFailAsync(mlflow.GetAsync("model-versions/get", ("name", "yield-model"), ("version", "7")), 404, "RESOURCE_DOES_NOT_EXIST");
        await Api.Mlflow.MlflowClient.ShouldFailAsync(mlflow.PostAsync("model-versions/create", new { name = "yield-model", source = "s3://elsewhere/model" }), 400, "INVALID_PARAMETER_VALUE");

        var history = await Admin.GetFromJsonAsync<List<JsonElement>>($"/api/v1/models/{JsonDocument.Parse(await Admin.GetStringAsync("/api/v1/models?q=yield")).RootElement.GetProperty("items")[0].GetProperty("id").GetGuid()}/history", JsonDefaults.Options);
        history!.Single().GetProperty("to").GetString().ShouldBe("Production");
    }

    private async Task<TrainingRunDetail> WaitAsync(Guid id)
    {
        for (var i = 0; i < 600; i++)
        {
            var detail = (await Admin.GetFromJsonAsync<TrainingRunDetail>($"/api/v1/training-runs/{id}", JsonDefaults.Options))!;
            if (detail.Run.IsTerminal)
            {
                return detail;
            }

            await Task.Delay(100);
        }

        throw new TimeoutException($"Training run {id} did not end.");
    }

    private async Task<(ExperimentView Experiment, DatasetView Dataset, Guid Version)> SetupAsync()
    {
        var project = (await (await Admin.PostAsJsonAsync("/api/v1/projects", new { name = "train-" + Guid.NewGuid().ToString("N")[..6] })).Content.ReadFromJsonAsync<ProjectView>(JsonDefaults.Options))!;
        var experiment = (await (await Admin.PostAsJsonAsync("/api/v1/experiments", new { projectId = project.Id, name = "exp-" + project.Name })).Content.ReadFromJsonAsync<ExperimentView>(JsonDefaults.Options))!;
        var dataset = (await (await Admin.PostAsJsonAsync("/api/v1/datasets", new { name = "d-" + project.Name })).Content.ReadFromJsonAsync<DatasetView>(JsonDefaults.Options))!;
        var csv = "x,color,y\n1,red,2.1\n2,blue,3.9\n3,red,6.2\n";
        var versionResponse = await Admin.PostAsync($"/api/v1/datasets/{dataset.Id}/versions?fileName=d.csv", new StringContent(csv));
        var version = JsonDocument.Parse(await versionResponse.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        return (experiment, dataset, version);
    }

    private static byte[] Zip(params (string Name, string Content)[] files)
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in files)
            {
                using var writer = new StreamWriter(archive.CreateEntry(name).Open(), Encoding.UTF8);
                writer.Write(content);
            }
        }

        return buffer.ToArray();
    }
}
