using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Training;
using AiPlatform.E2E.Tests;
using AiPlatform.Web.Tests.Builders;
using AiPlatform.Web.Tests.Security;
using Microsoft.Extensions.DependencyInjection;

namespace AiPlatform.Web.Tests.Access;

public sealed partial class AuditCoverageTests
{
    private static object NewApp() => new { name = Unique("app"), slug = Unique("app"), kind = "Workflow" };

    /// <summary>An app (i18/api) published <paramref name="times"/> times.</summary>
    private async Task<Guid> NewPublishedAppAsync(int times)
    {
        var app = await NewAsync("/api/v1/apps", NewApp());
        for (var i = 0; i < times; i++)
        {
            var published = await Admin.PostAsJsonAsync($"/api/v1/apps/{app}/publish", new { message = "seed" }, JsonDefaults.Options);
            published.IsSuccessStatusCode.ShouldBeTrue(await published.Content.ReadAsStringAsync());
        }

        return app;
    }

    /// <summary>An app (i18/eval) published once (start → end, text = the start field) and a dataset with a version of <paramref name="rows"/> rows.</summary>
    private async Task<(Guid App, Guid Dataset)> NewEvaluationSeedAsync(int rows)
    {
        var app = await NewAsync("/api/v1/apps", NewApp());
        var draft = await Admin.GetFromJsonAsync<JsonElement>($"/api/v1/apps/{app}/draft", JsonDefaults.Options);
        var graph = System.Text.Json.Nodes.JsonNode.Parse("""
            {"nodes": [{"id": "start", "type": "start", "config": {"fields": [{"name": "name", "type": "text", "required": false}]}},
                       {"id": "end", "type": "end", "x": 300, "config": {"outputs": [{"name": "text", "value": "{{start.name}}"}]}}],
             "edges": [{"source": "start", "target": "end"}]}
            """);
        (await Admin.PutAsJsonAsync($"/api/v1/apps/{app}/draft", new { graph, revision = draft.GetProperty("revision").GetInt32() }, JsonDefaults.Options)).EnsureSuccessStatusCode();
        (await Admin.PostAsJsonAsync($"/api/v1/apps/{app}/publish", new { message = "seed" }, JsonDefaults.Options)).EnsureSuccessStatusCode();
        var dataset = await NewAsync("/api/v1/datasets", new { name = Unique("d") });
        var csv = "name,expected\n" + string.Concat(Enumerable.Range(1, rows).Select(i => $"n{i},n{i}\n"));
        (await Admin.PostAsync($"/api/v1/datasets/{dataset}/versions?fileName=rows.csv", new StringContent(csv))).EnsureSuccessStatusCode();
        return (app, dataset);
    }

    private static object EvaluationBody(Guid dataset, int concurrency) => new
    {
        datasetId = dataset,
        settings = new { inputs = new Dictionary<string, string> { ["name"] = "name" }, expected = "expected", scorers = new[] { new { kind = "exact" } }, concurrency },
    };

    /// <summary>An app (i18/api) whose published version loops until cancelled, and the id of its run going on (started by the administrator).</summary>
    private async Task<(Guid App, Guid Run)> NewRunningAppRunAsync()
    {
        var slug = Unique("app");
        var app = await NewAsync("/api/v1/apps", new { name = slug, slug, kind = "Workflow" });
        var draft = await Admin.GetFromJsonAsync<JsonElement>($"/api/v1/apps/{app}/draft", JsonDefaults.Options);
        (await Admin.PutAsJsonAsync($"/api/v1/apps/{app}/draft", new { graph = Apps.AppStreamApiTests.SlowLoop(), revision = draft.GetProperty("revision").GetInt32() }, JsonDefaults.Options)).IsSuccessStatusCode.ShouldBeTrue();
        (await Admin.PostAsJsonAsync($"/api/v1/apps/{app}/publish", new { message = "seed" }, JsonDefaults.Options)).IsSuccessStatusCode.ShouldBeTrue();
        _ = Admin.PostAsJsonAsync($"/api/v1/apps/{slug}/run", new { inputs = new { } }, JsonDefaults.Options);
        for (var i = 0; i < 1200; i++)
        {
            var runs = await Admin.GetFromJsonAsync<JsonElement>($"/api/v1/apps/{app}/runs", JsonDefaults.Options);
            if (runs.GetProperty("items").EnumerateArray().FirstOrDefault(r => r.GetProperty("status").GetString() == "Running") is { ValueKind: JsonValueKind.Object } running)
            {
                return (app, running.GetProperty("id").GetGuid());
            }

            await Task.Delay(50);
        }

        throw new InvalidOperationException("no run of the app was marked Running within 60 s");
    }

    private static object Source() => new { name = Unique("s"), kind = "Postgres", host = "db.example.org", port = 5432, database = "sales", userName = "reader" };

    /// <summary>A PostgreSQL source on the shared test server (or an unreachable name where none is configured: the import route only queues the job).</summary>
    private static object ReachableSource()
    {
        var server = Environment.GetEnvironmentVariable("AIP_TEST_POSTGRES") is { } text ? new Npgsql.NpgsqlConnectionStringBuilder(text) : null;
        return new
        {
            name = Unique("s"),
            kind = "Postgres",
            host = server?.Host ?? "db.example.org",
            port = server?.Port ?? 5432,
            database = server?.Database ?? "sales",
            userName = server?.Username ?? "reader",
            password = server?.Password,
            tls = "Disable",
        };
    }

    private (Guid Experiment, Guid Dataset, Guid Version)? _training;

    /// <summary>
    /// An experiment and a dataset version to train on, with both slots of the Local backend taken by custom runs that
    /// sleep until the platform stops: every training the walk submits stays queued, so a run or a study can be cancelled
    /// (never "already ended") however fast the built-in trainers are.
    /// </summary>
    private async Task<(Guid Experiment, Guid Dataset, Guid Version)> TrainingSetupAsync()
    {
        if (_training is { } ready)
        {
            return ready;
        }

        // Custom runs need the URL of the platform's MLflow API, which an in-memory test server does not have; nothing calls it.
        Factory.Services.GetRequiredService<TrainingSettings>().TrackingUri ??= "http://127.0.0.1:1";
        var experiment = await NewExperimentAsync();
        var dataset = await NewAsync("/api/v1/datasets", new { name = Unique("d") });
        var upload = await Admin.PostAsync($"/api/v1/datasets/{dataset}/versions?fileName=train.csv", new StringContent("x,color,y\n1,red,2.1\n2,blue,3.9\n3,red,6.2\n"));
        var text = await upload.Content.ReadAsStringAsync();
        upload.IsSuccessStatusCode.ShouldBeTrue($"uploading the training data: {text}");
        var version = JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid();
        var slots = Factory.Services.GetRequiredService<TrainingSettings>().LocalConcurrency;
        for (var i = 0; i < slots; i++)
        {
            var response = await Admin.PostAsJsonAsync("/api/v1/training-runs", new { experimentId = experiment, name = "slot-holder", kind = "Custom", custom = new { command = "sleep 3600" } }, JsonDefaults.Options);
            var body = await response.Content.ReadAsStringAsync();
            response.IsSuccessStatusCode.ShouldBeTrue($"submitting a run that holds a slot: {body}");
            JsonDocument.Parse(body).RootElement.GetProperty("status").GetString().ShouldNotBe("Queued", "the slot holder should have taken a slot");
        }

        _training = (experiment, dataset, version);
        return _training.Value;
    }

    private async Task<object> BuiltInTrainingAsync()
    {
        var (experiment, dataset, version) = await TrainingSetupAsync();
        return new
        {
            experimentId = experiment,
            name = Unique("train"),
            kind = "BuiltIn",
            builtIn = new { task = "Regression", trainer = "FastForest", label = "y", features = new[] { "x" }, hyperparameters = new Dictionary<string, double> { ["numberOfTrees"] = 2 }, testFraction = 0.34 },
            datasetId = dataset,
            datasetVersionId = version,
        };
    }

    /// <summary>A built-in training that waits behind the slot holders.</summary>
    private async Task<Guid> NewQueuedTrainingAsync()
    {
        var response = await Admin.PostAsJsonAsync("/api/v1/training-runs", await BuiltInTrainingAsync(), JsonDefaults.Options);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue($"submitting a training: {text}");
        var run = JsonDocument.Parse(text).RootElement;
        run.GetProperty("status").GetString().ShouldBe("Queued", "the walk's trainings wait behind the slot holders");
        return run.GetProperty("id").GetGuid();
    }

    private async Task<object> StudyAsync() => new
    {
        name = Unique("study"),
        @base = await BuiltInTrainingAsync(),
        searchSpace = new[] { new { name = "numberOfTrees", type = "Int", low = 2, high = 4 } },
        objectiveMetric = "rmse",
        direction = "Minimize",
        sampler = "Random",
        maxTrials = 2,
        parallelism = 1,
    };

    private static byte[] CodeZip()
    {
        using var buffer = new MemoryStream();
        using (var archive = new System.IO.Compression.ZipArchive(buffer, System.IO.Compression.ZipArchiveMode.Create, leaveOpen: true))
        {
            using var writer = new StreamWriter(archive.CreateEntry("train.py").Open(), Encoding.UTF8);
            writer.Write("print('walked')\n");
        }

        return buffer.ToArray();
    }

    /// <summary>Creates an object as the administrator and returns its id (from <c>id</c>, or <c>model.id</c> for registry views).</summary>
    private async Task<Guid> NewAsync(string url, object body, HttpClient? owner = null)
    {
        var response = await (owner ?? Admin).PostAsJsonAsync(url, body, JsonDefaults.Options);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue($"seeding {url}: {text}");
        var root = JsonDocument.Parse(text).RootElement;
        return (root.TryGetProperty("id", out var id) ? id : root.GetProperty("model").GetProperty("id")).GetGuid();
    }

    private async Task<Guid> NewUserAsync() => await NewAsync("/api/v1/users", new { userName = Unique("u"), password = "Passw0rd-walk", mustChangePassword = false });

    /// <summary>A Viewer account with the known password <c>Passw0rd-walk</c>, for routes that act on the caller's own account.</summary>
    private async Task<(Guid Id, string UserName)> OwnAccountAsync()
    {
        var name = Unique("own");
        var id = await NewAsync("/api/v1/users", new { userName = name, password = "Passw0rd-walk", mustChangePassword = false, roleIds = new[] { SystemRoles.IdOf(SystemRoles.Viewer) } });
        return (id, name);
    }

    /// <summary>An own account with real TOTP MFA enrolled, and a token minted before the enrolment (Basic sign-in stops at the second factor).</summary>
    private async Task<(Guid Id, string Key, AuthenticationHeaderValue Bearer)> OwnAccountWithMfaAsync()
    {
        var (id, name) = await OwnAccountAsync();
        using var client = Factory.CreateClientAs(name, "Passw0rd-walk");
        var token = await client.MintTokenAsync();
        using var scope = Factory.Services.CreateScope();
        var accounts = scope.ServiceProvider.GetRequiredService<IAccountService>();
        var setup = await accounts.BeginMfaSetupAsync(id, default);
        await accounts.EnableMfaAsync(id, Totp.Code(setup.SharedKey, DateTimeOffset.UtcNow), default);
        return (id, setup.SharedKey, new AuthenticationHeaderValue("Bearer", token));
    }

    private static AuthenticationHeaderValue Basic(string userName) =>
        new("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"{userName}:Passw0rd-walk")));

    /// <summary>Sends the request as the account's owner (the header on the request wins over the walker's default one) and counts that owner's audit entries.</summary>
    private static HttpRequestMessage AsOwner(HttpRequestMessage request, Guid owner, AuthenticationHeaderValue credentials)
    {
        request.Headers.Authorization = credentials;
        request.Options.Set(Actor, owner);
        return request;
    }

    private object Provider() => new { name = Unique("llm"), baseUrl = _llm.BaseUrl, apiKey = "walk-key" };

    /// <summary>A model listed by a new provider (the fake model list), added by the administrator's sync.</summary>
    private async Task<Guid> NewLlmModelAsync()
    {
        var provider = await NewAsync("/api/v1/llm/providers", Provider());
        var response = await Admin.PostAsync($"/api/v1/llm/providers/{provider}/sync", null);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue($"syncing the fake provider: {text}");
        return JsonDocument.Parse(text).RootElement[0].GetProperty("id").GetGuid();
    }

    private static HttpRequestMessage DocumentUpload(Guid knowledgeBase)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes("# Parking\nVisitors park on level -2.\n"));
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        return new HttpRequestMessage(HttpMethod.Post, $"/api/v1/knowledge-bases/{knowledgeBase}/documents?fileName=parking.md") { Content = content };
    }

    private async Task<(Guid KnowledgeBase, Guid Document)> NewDocumentAsync()
    {
        var kb = await NewAsync("/api/v1/knowledge-bases", new { name = Unique("kb") });
        using var upload = DocumentUpload(kb);
        var response = await Admin.SendAsync(upload);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue($"uploading a document: {text}");
        return (kb, JsonDocument.Parse(text).RootElement[0].GetProperty("id").GetGuid());
    }

    /// <summary>A CSV upload with content of its own (an upload identical to the latest version creates nothing).</summary>
    private static HttpRequestMessage CsvUpload(Guid dataset)
    {
        var content = new ByteArrayContent(Encoding.UTF8.GetBytes($"x,y\n1,{Guid.NewGuid():N}\n2,b\n"));
        content.Headers.ContentType = new MediaTypeHeaderValue("text/csv");
        return new HttpRequestMessage(HttpMethod.Post, $"/api/v1/datasets/{dataset}/versions?fileName=walk.csv") { Content = content };
    }

    private async Task<(Guid Dataset, Guid Version)> NewDatasetVersionAsync()
    {
        var dataset = await NewAsync("/api/v1/datasets", new { name = Unique("d") });
        using var upload = CsvUpload(dataset);
        var response = await Admin.SendAsync(upload);
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue($"uploading a dataset version: {text}");
        return (dataset, JsonDocument.Parse(text).RootElement.GetProperty("id").GetGuid());
    }

    private async Task<Guid> NewRoleAsync() => await NewAsync("/api/v1/roles", new { name = Unique("r"), capabilities = new[] { Capabilities.ChatUse } });

    private async Task<Guid> NewGroupAsync() => await NewAsync("/api/v1/groups", new { name = Unique("g") });

    private async Task<Guid> NewExperimentAsync() => await NewAsync("/api/v1/experiments", new { projectId = _project, name = Unique("e") });

    private async Task<Guid> NewRunAsync() => await NewAsync($"/api/v1/experiments/{await NewExperimentAsync()}/runs", new { name = "r" });

    private async Task<Guid> NewModelAsync() => await NewAsync("/api/v1/models", new { name = Unique("m") });

    private async Task<Guid> NewModelWithVersionAsync()
    {
        var model = await NewModelAsync();
        using var upload = Upload(model);
        (await Admin.SendAsync(upload)).EnsureSuccessStatusCode();
        return model;
    }

    /// <summary>An endpoint serving version 1 of a model that has two uploaded ONNX versions.</summary>
    private async Task<Guid> NewEndpointAsync()
    {
        var model = await NewModelWithVersionAsync();
        using var second = Upload(model);
        (await Admin.SendAsync(second)).EnsureSuccessStatusCode();
        var response = await Admin.PostAsJsonAsync("/api/v1/endpoints", new { name = Unique("ep"), modelId = model, target = "1" });
        var text = await response.Content.ReadAsStringAsync();
        response.IsSuccessStatusCode.ShouldBeTrue($"deploying: {text}");
        return JsonDocument.Parse(text).RootElement.GetProperty("endpoint").GetProperty("id").GetGuid();
    }

    private async Task<Guid> NewEndpointWithCanaryAsync()
    {
        var endpoint = await NewEndpointAsync();
        (await Admin.PostAsJsonAsync($"/api/v1/endpoints/{endpoint}/canary", new { target = "2", percent = 10 })).EnsureSuccessStatusCode();
        return endpoint;
    }

    private async Task<string> NewMlflowModelWithVersionAsync()
    {
        var name = Unique("m");
        var model = await NewAsync("/api/v1/models", new { name });
        using var upload = Upload(model);
        (await Admin.SendAsync(upload)).EnsureSuccessStatusCode();
        return name;
    }

    private static HttpRequestMessage Upload(Guid model) =>
        new(HttpMethod.Post, $"/api/v1/models/{model}/versions/upload?fileName=model.onnx") { Content = new ByteArrayContent(TinyOnnxModel.Regression(2)) };

    private async Task<string> NewLoggedModelAsync()
    {
        var response = await Admin.PostAsJsonAsync("/api/2.0/mlflow/logged-models", new { experiment_id = await NewMlflowExperimentAsync(), name = "model" });
        response.EnsureSuccessStatusCode();
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("model").GetProperty("info").GetProperty("model_id").GetString()!;
    }

    private async Task<(string Experiment, string Trace)> NewTraceAsync()
    {
        var experiment = await NewMlflowExperimentAsync();
        var trace = "tr-" + Guid.NewGuid().ToString("N");
        (await Admin.PostAsJsonAsync("/api/3.0/mlflow/traces", new
        {
            trace = new { trace_info = new { trace_id = trace, trace_location = new { type = "MLFLOW_EXPERIMENT", mlflow_experiment = new { experiment_id = experiment } }, request_time = "2026-01-01T00:00:00Z", state = "OK" } },
        })).EnsureSuccessStatusCode();
        return (experiment, trace);
    }

    private async Task<string> NewMlflowExperimentAsync()
    {
        var response = await Admin.PostAsJsonAsync("/api/2.0/mlflow/experiments/create", new { name = Unique("e") });
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("experiment_id").GetString()!;
    }

    private async Task<string> NewMlflowRunAsync()
    {
        var response = await Admin.PostAsJsonAsync("/api/2.0/mlflow/runs/create", new { experiment_id = await NewMlflowExperimentAsync() });
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("run").GetProperty("info").GetProperty("run_id").GetString()!;
    }

    private async Task<string> NewMlflowModelAsync()
    {
        var name = Unique("m");
        (await Admin.PostAsJsonAsync("/api/2.0/mlflow/registered-models/create", new { name })).EnsureSuccessStatusCode();
        return name;
    }

    private async Task<object> GrantBodyAsync() => new { principalType = "User", principalId = await NewUserAsync(), level = "Read" };

    private async Task<HttpRequestMessage> GrantAsync(string collection, object seed) =>
        await Json("POST", $"{collection}/{await NewAsync(collection, seed)}/grants", await GrantBodyAsync());

    private async Task<HttpRequestMessage> RevokeAsync(string collection, object seed)
    {
        var id = await NewAsync(collection, seed);
        var grant = await NewAsync($"{collection}/{id}/grants", await GrantBodyAsync());
        return await Json("DELETE", $"{collection}/{id}/grants/{grant}");
    }

    private async Task<Guid> UserIdAsync(string userName) =>
        (await Admin.GetFromJsonAsync<JsonElement>($"/api/v1/users?q={userName}", JsonDefaults.Options)).GetProperty("items").EnumerateArray()
            .Single(u => u.GetProperty("userName").GetString() == userName).GetProperty("id").GetGuid();
}
