using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Training;
using AiPlatform.Web.Features.Training;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Serving;

/// <summary>Deploy, infer over the Open Inference Protocol and the record API, canary and rollback, metrics, rights: all over HTTP.</summary>
public sealed class ServingApiTests : ApiTestBase
{
    [Fact]
    public async Task A_trained_model_is_deployed_and_answers_oip_v2_and_record_requests_with_the_protocols_errors()
    {
        var (modelId, _) = await TrainAndRegisterAsync(versions: 2);
        var deploy = await Admin.PostAsJsonAsync("/api/v1/endpoints", new { name = "yield", modelId, target = "1", maxBatchSize = 16, maxQueueDelayMicroseconds = 1000 });
        deploy.StatusCode.ShouldBe(HttpStatusCode.Created, await deploy.Content.ReadAsStringAsync());
        var endpoint = JsonDocument.Parse(await deploy.Content.ReadAsStringAsync()).RootElement;
        endpoint.GetProperty("endpoint").GetProperty("status").GetString().ShouldBe("Ready");
        var id = endpoint.GetProperty("endpoint").GetProperty("id").GetGuid();

        (await Admin.GetAsync("/v2/health/ready")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await Admin.GetAsync("/v2/models/yield/ready")).StatusCode.ShouldBe(HttpStatusCode.OK);
        var metadata = JsonDocument.Parse(await Admin.GetStringAsync("/v2/models/yield")).RootElement;
        metadata.GetProperty("versions")[0].GetString().ShouldBe("1");
        metadata.GetProperty("inputs").EnumerateArray().Select(i => i.GetProperty("name").GetString()).ShouldBe(["x", "color"], ignoreOrder: true);

        // Nested data with the batch dimension, and a selected output.
        var infer = await Admin.PostAsync("/v2/models/yield/infer", Json("""
            {"id": "q1", "inputs": [
              {"name": "x", "shape": [2, 1], "datatype": "FP32", "data": [[1.0], [3.0]]},
              {"name": "color", "shape": [2, 1], "datatype": "BYTES", "data": ["red", "red"]}],
             "outputs": [{"name": "Score.output"}]}
            """));
        var answer = JsonDocument.Parse(await infer.Content.ReadAsStringAsync()).RootElement;
        infer.StatusCode.ShouldBe(HttpStatusCode.OK, answer.ToString());
        answer.GetProperty("model_name").GetString().ShouldBe("yield");
        answer.GetProperty("model_version").GetString().ShouldBe("1");
        answer.GetProperty("id").GetString().ShouldBe("q1");
        var score = answer.GetProperty("outputs").EnumerateArray().Single();
        score.GetProperty("name").GetString().ShouldBe("Score.output");
        score.GetProperty("shape").EnumerateArray().Select(d => d.GetInt32()).ShouldBe([2, 1]);
        var scores = score.GetProperty("data").EnumerateArray().Select(d => d.GetDouble()).ToList();
        scores[1].ShouldBeGreaterThan(scores[0], "y grows with x in the training data");

        var predict = await Admin.PostAsync("/api/v1/endpoints/yield/predict", Json("""[{"x": 1, "color": "red"}, {"x": 3, "color": "blue"}]"""));
        predict.StatusCode.ShouldBe(HttpStatusCode.OK, await predict.Content.ReadAsStringAsync());
        var predictions = JsonDocument.Parse(await predict.Content.ReadAsStringAsync()).RootElement.GetProperty("predictions");
        predictions.GetArrayLength().ShouldBe(2);
        predictions[0].GetProperty("Score").GetDouble().ShouldBeLessThan(predictions[1].GetProperty("Score").GetDouble());

        await ShouldFailAsync(Admin.PostAsync("/v2/models/yield/infer", Json("""{"inputs": [{"name": "x", "shape": [1, 1], "datatype": "FP32", "data": [1]}, {"name": "colour", "shape": [1, 1], "datatype": "BYTES", "data": ["red"]}]}""")), 400, "'colour'");
        await ShouldFailAsync(Admin.PostAsync("/v2/models/yield/infer", Json("""{"inputs": [{"name": "x", "shape": [1, 1], "datatype": "INT64", "data": [1]}, {"name": "color", "shape": [1, 1], "datatype": "BYTES", "data": ["red"]}]}""")), 400, "'x' has datatype INT64; the model takes FP32");
        await ShouldFailAsync(Admin.PostAsync("/v2/models/yield/infer", Json("""{"inputs": [{"name": "x", "shape": [2, 1], "datatype": "FP32", "data": [1]}, {"name": "color", "shape": [1, 1], "datatype": "BYTES", "data": ["red"]}]}""")), 400, "'x' has 1 elements; shape [2, 1] needs 2");
        await ShouldFailAsync(Admin.PostAsync("/v2/models/yield/infer", Json("""{"inputs": [{"name": "x", "shape": [1, 2], "datatype": "FP32", "data": [1, 2]}, {"name": "color", "shape": [1, 1], "datatype": "BYTES", "data": ["red"]}]}""")), 400, "'x' has shape [1, 2]");
        await ShouldFailAsync(Admin.PostAsync("/v2/models/yield/infer", Json("""{"inputs": [{"name": "x", "shape": [1, 1], "datatype": "FP32", "data": ["one"]}]}""")), 400, "'x' has a value that is not");
        await ShouldFailAsync(Admin.PostAsync("/v2/models/yield/infer", Json("""{"inputs": [{"name": "x", "shape": [0, 1], "datatype": "FP32", "data": []}, {"name": "color", "shape": [0, 1], "datatype": "BYTES", "data": []}]}""")), 400, "empty dimension");
        await ShouldFailAsync(Admin.PostAsync("/v2/models/yield/infer", Json("""{"inputs": [""")), 400, null);
        await ShouldFailAsync(Admin.PostAsync("/v2/models/nothing/infer", Json("""{"inputs": []}""")), 404, "nothing");
        await ShouldFailAsync(Admin.GetAsync("/v2/models/yield/versions/9"), 404, null);
        var badRecord = await Admin.PostAsync("/api/v1/endpoints/yield/predict", Json("""[{"x": "lots", "color": "red"}]"""));
        badRecord.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = JsonDocument.Parse(await badRecord.Content.ReadAsStringAsync()).RootElement;
        problem.GetProperty("type").GetString().ShouldBe("urn:aiplatform:problem:invalid-input");
        problem.GetProperty("detail").GetString()!.ShouldContain("'x' takes a number");

        // Canary, promote, rollback over the API; the history records each step.
        (await Admin.PostAsJsonAsync($"/api/v1/endpoints/{id}/canary", new { target = "2", percent = 100 })).StatusCode.ShouldBe(HttpStatusCode.OK);
        JsonDocument.Parse(await (await Admin.PostAsync("/v2/models/yield/infer", OneRow())).Content.ReadAsStringAsync()).RootElement.GetProperty("model_version").GetString().ShouldBe("2");
        (await Admin.PostAsync($"/api/v1/endpoints/{id}/promote", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await Admin.PostAsync($"/api/v1/endpoints/{id}/rollback", null)).StatusCode.ShouldBe(HttpStatusCode.OK);
        JsonDocument.Parse(await (await Admin.PostAsync("/v2/models/yield/infer", OneRow())).Content.ReadAsStringAsync()).RootElement.GetProperty("model_version").GetString().ShouldBe("1");
        var rollbackAgain = await Admin.PostAsJsonAsync($"/api/v1/endpoints/{id}/canary", new { target = "7", percent = 10 });
        rollbackAgain.StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var events = JsonDocument.Parse(await Admin.GetStringAsync($"/api/v1/endpoints/{id}/events")).RootElement.EnumerateArray().Select(e => e.GetProperty("kind").GetString()).ToList();
        events.ShouldContain("canary");
        events.ShouldContain("promote");
        events.ShouldContain("rollback");
        (await Admin.PostAsJsonAsync($"/api/v1/endpoints/{id}/canary", new { target = "2", percent = 150 })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        var metrics = JsonDocument.Parse(await Admin.GetStringAsync($"/api/v1/endpoints/{id}/metrics?window=1h")).RootElement;
        metrics.GetProperty("summary").EnumerateArray().Sum(s => s.GetProperty("requests").GetInt64()).ShouldBe(8);
        metrics.GetProperty("series").GetArrayLength().ShouldBeGreaterThan(0);
        var prometheus = await Factory.ScrapeMetricsAsync();
        prometheus.ShouldContain("aiplatform_inference_requests_total{endpoint=\"yield\",version=\"1\",outcome=\"ok\"}");
        prometheus.ShouldContain("aiplatform_inference_duration_seconds_bucket{endpoint=\"yield\"");
    }

    [Fact]
    public async Task Inference_needs_a_token_and_read_on_the_endpoint_while_probes_stay_open()
    {
        var (modelId, _) = await TrainAndRegisterAsync(versions: 1);
        var endpoint = JsonDocument.Parse(await (await Admin.PostAsJsonAsync("/api/v1/endpoints", new { name = "private-yield", modelId })).Content.ReadAsStringAsync()).RootElement.GetProperty("endpoint");
        var id = endpoint.GetProperty("id").GetGuid();
        var anonymous = Factory.CreateClient();
        (await anonymous.GetAsync("/v2/health/live")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await anonymous.GetAsync("/v2/health/ready")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await anonymous.PostAsync("/v2/models/private-yield/infer", OneRow())).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await anonymous.GetAsync("/v2")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        var viewer = await CreateUserAsync("viewer-serving", SystemRoles.Viewer);
        await ShouldFailAsync(viewer.PostAsync("/v2/models/private-yield/infer", OneRow()), 404, null);
        (await viewer.PostAsJsonAsync("/api/v1/endpoints", new { name = "mine", modelId })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        var me = JsonDocument.Parse(await viewer.GetStringAsync("/api/v1/me")).RootElement.GetProperty("id").GetGuid();
        (await Admin.PostAsJsonAsync($"/api/v1/endpoints/{id}/grants", new { principalType = "User", principalId = me, level = "Read" })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await viewer.PostAsync("/v2/models/private-yield/infer", OneRow())).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await viewer.PostAsync($"/api/v1/endpoints/{id}/rollback", null)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await viewer.DeleteAsync($"/api/v1/endpoints/{id}")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        (await Admin.DeleteAsync($"/api/v1/models/{modelId}")).StatusCode.ShouldBe(HttpStatusCode.Conflict, "a deployed model cannot be deleted");
        (await Admin.DeleteAsync($"/api/v1/endpoints/{id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await ShouldFailAsync(Admin.PostAsync("/v2/models/private-yield/infer", OneRow()), 404, null);
    }

    private static StringContent Json(string json) => new(json, Encoding.UTF8, "application/json");

    private static StringContent OneRow() => Json("""{"inputs": [{"name": "x", "shape": [1, 1], "datatype": "FP32", "data": [2]}, {"name": "color", "shape": [1, 1], "datatype": "BYTES", "data": ["blue"]}]}""");

    private static async Task ShouldFailAsync(Task<HttpResponseMessage> call, int status, string? contains)
    {
        using var response = await call;
        var body = await response.Content.ReadAsStringAsync();
        ((int)response.StatusCode).ShouldBe(status, body);
        JsonDocument.Parse(body).RootElement.TryGetProperty("error", out var e).ShouldBeTrue(body);
        var error = e.GetString()!;
        if (contains is not null)
        {
            error.ShouldContain(contains);
        }
    }

    private async Task<(Guid ModelId, Guid RunId)> TrainAndRegisterAsync(int versions)
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var project = JsonDocument.Parse(await (await Admin.PostAsJsonAsync("/api/v1/projects", new { name = "serve-" + suffix })).Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        var experiment = JsonDocument.Parse(await (await Admin.PostAsJsonAsync("/api/v1/experiments", new { projectId = project, name = "exp-" + suffix })).Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        var dataset = JsonDocument.Parse(await (await Admin.PostAsJsonAsync("/api/v1/datasets", new { name = "d-" + suffix })).Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        var csv = new StringBuilder("x,color,y\n");
        for (var i = 0; i < 40; i++)
        {
            csv.Append(i % 10).Append(',').Append(i % 2 == 0 ? "red" : "blue").Append(',').Append((i % 10) * 2 + (i % 2)).Append('\n');
        }

        var version = JsonDocument.Parse(await (await Admin.PostAsync($"/api/v1/datasets/{dataset}/versions?fileName=d.csv", new StringContent(csv.ToString()))).Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        var submitted = await Admin.PostAsJsonAsync("/api/v1/training-runs", new
        {
            experimentId = experiment,
            kind = "BuiltIn",
            builtIn = new { task = "Regression", trainer = "FastTree", label = "y", features = new[] { "x", "color" }, hyperparameters = new Dictionary<string, double> { ["minimumExampleCountPerLeaf"] = 2 }, testFraction = 0.2 },
            datasetId = dataset,
            datasetVersionId = version,
        }, JsonDefaults.Options);
        var runId = JsonDocument.Parse(await submitted.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        TrainingRunDetail detail;
        var waited = 0;
        do
        {
            await Task.Delay(100);
            detail = (await Admin.GetFromJsonAsync<TrainingRunDetail>($"/api/v1/training-runs/{runId}", JsonDefaults.Options))!;
        }
        while (!detail.Run.IsTerminal && ++waited < 600);
        detail.Run.Status.ShouldBe(TrainingStatus.Succeeded, detail.Run.Error);

        var model = JsonDocument.Parse(await (await Admin.PostAsJsonAsync("/api/v1/models", new { name = "yield-" + suffix })).Content.ReadAsStringAsync()).RootElement.GetProperty("model").GetProperty("id").GetGuid();
        for (var i = 0; i < versions; i++)
        {
            var created = await Admin.PostAsJsonAsync($"/api/v1/models/{model}/versions", new { source = $"runs:/{detail.Run.TrackingRunId:N}/model" });
            created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        }

        return (model, detail.Run.TrackingRunId);
    }
}
