using System.Text;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Core.Registry;
using AiPlatform.Core.Serving;
using AiPlatform.Core.Storage;
using AiPlatform.Core.Tracking;
using AiPlatform.Core.Training;
using AiPlatform.Infrastructure.Serving;
using AiPlatform.Infrastructure.Tests.Builders;
using AiPlatform.Infrastructure.Tests.Training;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace AiPlatform.Infrastructure.Tests.Serving;

/// <summary>Deployments to the in-process ONNX Runtime with real models trained by the built-in trainer.</summary>
public abstract class ServingTests<TFixture>(TFixture fixture) : TrainingTestBase<TFixture>(fixture)
    where TFixture : PlatformServicesFixture
{
    private RegistryService Registry => Fixture.Get<RegistryService>();

    private ModelVersionService Versions => Fixture.Get<ModelVersionService>();

    private ModelRegistrar Registrar => Fixture.Get<ModelRegistrar>();

    private DeploymentService Deployments => Fixture.Get<DeploymentService>();

    private RolloutService Rollouts => Fixture.Get<RolloutService>();

    private EndpointReader Endpoints => Fixture.Get<EndpointReader>();

    private InferenceService Inference => Fixture.Get<InferenceService>();

    private EndpointReconciler Reconciler => Fixture.Get<EndpointReconciler>();

    [Fact]
    public async Task A_deployed_version_answers_tensors_and_records_and_names_the_input_a_client_got_wrong()
    {
        var (model, _) = await ModelWithVersionsAsync(1);
        var endpoint = await Deployments.DeployAsync(new DeploySpec("churn-" + Suffix(), model.Id, "1"), None);

        endpoint.Status.ShouldBe(EndpointStatus.Ready, endpoint.Error);
        var view = await Endpoints.GetAsync(endpoint.Id, None);
        view.Signature!.Inputs.Select(i => i.Name).ShouldBe(["tenure", "spend", "plan"], ignoreOrder: true);

        var result = await Inference.InferAsync(endpoint.Name, null, Request(rows: 3), None);
        result.ModelVersion.ShouldBe("1");
        var predicted = result.Outputs.Single(o => o.Name == "PredictedLabel.output");
        predicted.Shape.ShouldBe([3, 1]);
        predicted.DataType.ShouldBe("BOOL");
        var probability = (float[])result.Outputs.Single(o => o.Name == "Probability.output").Data;
        probability.ShouldAllBe(p => p >= 0 && p <= 1);
        // Short tenure and low spend churn in the training data; long tenure and high spend do not.
        probability[0].ShouldBeGreaterThan(probability[1]);

        var only = await Inference.InferAsync(endpoint.Name, null, Request(rows: 1) with { Outputs = ["Score.output"] }, None);
        only.Outputs.Select(o => o.Name).ShouldBe(["Score.output"]);

        var (version, predictions) = await Inference.PredictAsync(endpoint.Name, Records("""[{"tenure": 3, "spend": 10.5, "plan": "basic"}, {"tenure": 50, "spend": 95, "plan": "pro"}]"""), None);
        version.ShouldBe(1);
        predictions.Count.ShouldBe(2);
        predictions[0].ShouldContainKey("PredictedLabel");
        predictions[0].ShouldNotContainKey("tenure");
        ((float)predictions[0]["Probability"]!).ShouldBeGreaterThan((float)predictions[1]["Probability"]!);

        (await Should.ThrowAsync<InferenceInputException>(() => Inference.InferAsync(endpoint.Name, null, Request(1, rename: "tenur"), None))).Message.ShouldContain("'tenur'");
        (await Should.ThrowAsync<InferenceInputException>(() => Inference.InferAsync(endpoint.Name, null, Request(1, spendType: "FP64"), None))).Message.ShouldContain("'spend' has datatype FP64; the model takes FP32");
        (await Should.ThrowAsync<InferenceInputException>(() => Inference.InferAsync(endpoint.Name, null, Request(1, spendShape: [1, 2]), None))).Message.ShouldContain("'spend' has shape [1, 2]");
        (await Should.ThrowAsync<InferenceInputException>(() => Inference.InferAsync(endpoint.Name, null, Request(1, spendData: new float[2]), None))).Message.ShouldContain("'spend' has 2 elements");
        (await Should.ThrowAsync<InferenceInputException>(() => Inference.InferAsync(endpoint.Name, null, Request(1) with { Outputs = ["nope"] }, None))).Message.ShouldContain("'nope'");
        (await Should.ThrowAsync<InferenceInputException>(() => Inference.PredictAsync(endpoint.Name, Records("""[{"tenure": "long", "spend": 1, "plan": "x"}]"""), None))).Message.ShouldContain("'tenure' takes a number");
        await Should.ThrowAsync<NotFoundException>(() => Inference.InferAsync("no-such-endpoint", null, Request(1), None));
        await Should.ThrowAsync<NotFoundException>(() => Inference.InferAsync(endpoint.Name, 7, Request(1), None));

        var stranger = await Fixture.CreateUserAsync("stranger" + Suffix(), SystemRoles.ModelDeveloper);
        await Fixture.As(stranger, async () =>
        {
            await Should.ThrowAsync<NotFoundException>(() => Inference.InferAsync(endpoint.Name, null, Request(1), None));
            (await Endpoints.ListAsync(null, 0, 100, None)).Items.ShouldNotContain(e => e.Id == endpoint.Id);
        });
        var summary = Fixture.Get<ServingMetrics>().Summary(endpoint.Name, TimeSpan.FromHours(1)).Single();
        summary.Requests.ShouldBe(8);
        summary.Errors.ShouldBe(5);
    }

    [Fact]
    public async Task Versions_that_are_not_ready_are_refused_and_a_model_that_cannot_load_leaves_the_endpoint_failed_with_the_reason()
    {
        var (model, _) = await ModelWithVersionsAsync(1);
        await Registrar.CreateVersionFromUploadAsync(model.Id, "bad.onnx", new MemoryStream("not a graph"u8.ToArray()), null, None);
        (await Should.ThrowAsync<ValidationException>(() => Deployments.DeployAsync(new DeploySpec("bad-" + Suffix(), model.Id, "2"), None)))
            .Errors["target"].Single().ShouldContain("FailedRegistration");
        await Should.ThrowAsync<ValidationException>(() => Deployments.DeployAsync(new DeploySpec("Bad Name", model.Id, "1"), None));
        await Should.ThrowAsync<NotFoundException>(() => Deployments.DeployAsync(new DeploySpec("x-" + Suffix(), model.Id, "@nobody"), None));

        // The stored file is damaged after registration: the endpoint fails with ONNX Runtime's reason.
        var file = (await Versions.GetVersionAsync(model.Id, 1, None)).Files.Single(f => f.Path == "model.onnx");
        var objects = Fixture.Get<IObjectStore>();
        await using (var original = await objects.OpenReadAsync(ObjectKey.Parse(file.ObjectKey), None))
        {
            var keep = new MemoryStream();
            await original.CopyToAsync(keep);
            await objects.PutAsync(ObjectKey.Parse(file.ObjectKey), new MemoryStream("garbage"u8.ToArray()), null, null, None);
            var endpoint = await Deployments.DeployAsync(new DeploySpec("broken-" + Suffix(), model.Id, "1"), None);
            endpoint.Status.ShouldBe(EndpointStatus.Failed);
            endpoint.Error!.ShouldContain("ONNX Runtime could not load the model");
            (await Should.ThrowAsync<EndpointUnavailableException>(() => Inference.InferAsync(endpoint.Name, null, Request(1), None))).Message.ShouldContain("Failed");
            (await Endpoints.ListEventsAsync(endpoint.Id, None)).ShouldContain(e => e.Kind == "failed");
            keep.Position = 0;
            await objects.PutAsync(ObjectKey.Parse(file.ObjectKey), keep, null, null, None);
            await Deployments.DeleteAsync(endpoint.Id, None);
        }
    }

    [Fact]
    public async Task Canary_promote_and_rollback_move_traffic_without_dropping_requests_in_flight()
    {
        var (model, _) = await ModelWithVersionsAsync(2);
        var endpoint = await Deployments.DeployAsync(new DeploySpec("canary-" + Suffix(), model.Id, "1"), None);
        await Should.ThrowAsync<ConflictException>(() => Rollouts.PromoteAsync(endpoint.Id, None));
        await Should.ThrowAsync<ConflictException>(() => Rollouts.RollbackAsync(endpoint.Id, None));

        await Rollouts.SetCanaryAsync(endpoint.Id, "2", 50, None);
        var versions = new List<string>();
        for (var i = 0; i < 60; i++)
        {
            versions.Add((await Inference.InferAsync(endpoint.Name, null, Request(1), None)).ModelVersion);
        }

        versions.ShouldContain("1");
        versions.ShouldContain("2");
        (await Inference.InferAsync(endpoint.Name, 2, Request(1), None)).ModelVersion.ShouldBe("2");

        await Rollouts.PromoteAsync(endpoint.Id, None);
        var promoted = (await Endpoints.GetAsync(endpoint.Id, None)).Endpoint;
        (promoted.Version, promoted.CanaryVersion, promoted.PreviousVersion).ShouldBe((2, (int?)null, (int?)1));

        // Load from eight clients while the endpoint rolls back and forth: not one request may fail.
        using var stop = new CancellationTokenSource();
        var failures = 0;
        var served = 0;
        var clients = Enumerable.Range(0, 8).Select(_ => Task.Run(async () =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    await Inference.InferAsync(endpoint.Name, null, Request(2), None);
                    Interlocked.Increment(ref served);
                }
                catch (Exception)
                {
                    Interlocked.Increment(ref failures);
                }
            }
        })).ToList();
        try
        {
            await WaitUntilAsync(() => Task.FromResult(Volatile.Read(ref served) > 20), "the eight clients to get 20 answers");
            for (var i = 0; i < 4; i++)
            {
                var before = Volatile.Read(ref served);
                await Rollouts.RollbackAsync(endpoint.Id, None);
                await WaitUntilAsync(() => Task.FromResult(Volatile.Read(ref served) > before + 20), $"20 more answers after rollback {i + 1}");
            }
        }
        finally
        {
            await stop.CancelAsync();
            await Task.WhenAll(clients);
        }

        failures.ShouldBe(0);
        served.ShouldBeGreaterThan(80, "requests were answered around every rollback");
        var final = (await Endpoints.GetAsync(endpoint.Id, None)).Endpoint;
        (final.Version, final.PreviousVersion).ShouldBe((2, (int?)1));
        Fixture.Get<IInferenceRuntime>().Loaded.Where(k => k.Endpoint == endpoint.Name).ShouldBe([new ServedModel(endpoint.Name, 2)]);
        (await Endpoints.ListEventsAsync(endpoint.Id, None)).Select(e => e.Kind).ShouldContain("rollback");
        await Should.ThrowAsync<ConflictException>(() => Versions.DeleteVersionAsync(model.Id, 2, None));
    }

    [Fact]
    public async Task Moving_the_alias_rolls_the_endpoint_and_a_restarted_node_loads_its_endpoints_again()
    {
        var (model, _) = await ModelWithVersionsAsync(2);
        await Versions.SetAliasAsync(model.Id, "champion", 1, None);
        var endpoint = await Deployments.DeployAsync(new DeploySpec("alias-" + Suffix(), model.Id, "@champion"), None);
        endpoint.Version.ShouldBe(1);

        await Versions.SetAliasAsync(model.Id, "champion", 2, None);
        await Reconciler.ReconcileAsync(None);
        var rolled = (await Endpoints.GetAsync(endpoint.Id, None)).Endpoint;
        (rolled.Version, rolled.Target, rolled.PreviousVersion).ShouldBe((2, "@champion", (int?)1));
        (await Inference.InferAsync(endpoint.Name, null, Request(1), None)).ModelVersion.ShouldBe("2");
        (await Endpoints.ListEventsAsync(endpoint.Id, None)).First().Detail!.ShouldContain("alias @champion moved to v2");

        // A fresh node has nothing loaded: the reconcile loop loads what the database says.
        var runtime = Fixture.Get<IInferenceRuntime>();
        await runtime.UnloadAsync(new ServedModel(endpoint.Name, 2));
        await Should.ThrowAsync<EndpointUnavailableException>(() => Inference.InferAsync(endpoint.Name, null, Request(1), None));
        await Reconciler.ReconcileAsync(None);
        (await Inference.InferAsync(endpoint.Name, null, Request(1), None)).ModelVersion.ShouldBe("2");
    }

    [Fact]
    public async Task Dynamic_batching_runs_concurrent_requests_as_one_call_with_the_same_answers()
    {
        var (model, run) = await ModelWithVersionsAsync(1);
        var plain = await Deployments.DeployAsync(new DeploySpec("plain-" + Suffix(), model.Id, "1"), None);
        var batched = await Deployments.DeployAsync(new DeploySpec("batched-" + Suffix(), model.Id, "1", MaxBatchSize: 64, MaxQueueDelayMicroseconds: 20_000), None);

        // 24 requests of 1 to 3 rows: 48 rows in all.
        var requests = Enumerable.Range(0, 24).Select(i => Request(1 + (i % 3), seed: i)).ToList();
        var expected = await Task.WhenAll(requests.Select(r => Inference.InferAsync(plain.Name, null, r, None)));
        var actual = await Task.WhenAll(requests.Select(r => Task.Run(() => Inference.InferAsync(batched.Name, null, r, None))));

        // However the endpoint happened to group them on this machine, every client gets its own rows' answers.
        ShouldAnswerAsExpected(requests, expected, [.. actual.Select(a => a.Outputs)]);
        Fixture.Get<ServingMetrics>().Summary(plain.Name, TimeSpan.FromHours(1)).Single().MeanBatchSize.ShouldBe(2.0, "without batching, one model call per request");

        // The grouping itself, with the batcher's clock held still: the window never closes by itself, so a batch closes
        // when it is full (48 rows: all 24 requests in one model call) however late the scheduler runs each request.
        var onnx = Path.Combine(Path.GetTempPath(), $"aip-batch-{Guid.NewGuid():N}.onnx");
        var (_, content) = await Fixture.Get<ArtifactService>().OpenAsync(run.TrackingRunId, "model/model.onnx", None);
        await using (content)
        await using (var file = File.Create(onnx))
        {
            await content.CopyToAsync(file);
        }

        var clock = new FakeTimeProvider();
        var window = TimeSpan.FromMilliseconds(20);
        var metrics = Fixture.Get<ServingMetrics>();
        using var runtime = new OnnxRuntimeHost(metrics, clock, NullLogger<OnnxRuntimeHost>.Instance);
        var key = new ServedModel("held-clock-" + Suffix(), 1);
        await runtime.LoadAsync(key, onnx, new RuntimeSettings(0, 48, window), None);
        File.Delete(onnx);
        var grouped = await Task.WhenAll(requests.Select(r => Task.Run(() => runtime.InferAsync(key, r.Inputs, null, None)))).WaitAsync(Eventually.Generous);
        ShouldAnswerAsExpected(requests, expected, grouped);
        metrics.Summary(key.Endpoint, TimeSpan.FromHours(1)).Single().MeanBatchSize.ShouldBe(48.0, "one model call took all 48 rows");

        // A batch that does not fill up runs when its window has passed on the batcher's clock, and not before.
        var lone = runtime.InferAsync(key, requests[0].Inputs, null, None);
        lone.IsCompleted.ShouldBeFalse("the window has not passed: the clock did not move");
        await Eventually.UntilAsync(() =>
        {
            clock.Advance(window);
            return lone.IsCompleted;
        }, "the lone request to run once its 20 ms window passed on the batcher's clock");
        ShouldAnswerAsExpected(requests.Take(1).ToList(), expected, [await lone]);
        metrics.Summary(key.Endpoint, TimeSpan.FromHours(1)).Single().MeanBatchSize.ShouldBe((48 + 1) / 2.0, "two model calls: the full batch and the lone request");
    }

    private static void ShouldAnswerAsExpected(IReadOnlyList<InferenceRequest> requests, IReadOnlyList<InferenceResult> expected, IReadOnlyList<IReadOnlyList<InferTensor>> actual)
    {
        actual.Count.ShouldBe(requests.Count);
        for (var i = 0; i < requests.Count; i++)
        {
            var want = (float[])expected[i].Outputs.Single(o => o.Name == "Probability.output").Data;
            var got = actual[i].Single(o => o.Name == "Probability.output");
            got.Shape[0].ShouldBe(requests[i].Inputs[0].Shape[0]);
            ((float[])got.Data).ShouldBe(want, tolerance: 1e-5f);
        }
    }

    [Fact]
    public async Task Sampled_payloads_are_written_to_the_chosen_dataset()
    {
        var (model, _) = await ModelWithVersionsAsync(1);
        var datasets = Fixture.Get<DatasetService>();
        var target = await datasets.CreateAsync("payloads-" + Suffix(), null, null, None);
        await Should.ThrowAsync<ValidationException>(() => Deployments.DeployAsync(new DeploySpec("log-" + Suffix(), model.Id, "1", PayloadLogPercent: 100), None));
        var endpoint = await Deployments.DeployAsync(new DeploySpec("log-" + Suffix(), model.Id, "1", PayloadLogPercent: 100, PayloadDatasetId: target.Id), None);

        for (var i = 0; i < 5; i++)
        {
            await Inference.InferAsync(endpoint.Name, null, Request(1, seed: i), None);
        }

        await Fixture.Get<PayloadLog>().FlushAllAsync(None);
        await Inference.InferAsync(endpoint.Name, null, Request(1), None);
        await Fixture.Get<PayloadLog>().FlushAllAsync(None);

        var versions = await datasets.ListVersionsAsync(target.Id, None);
        versions.Count.ShouldBe(2);
        versions[0].RowCount.ShouldBe(6, "each flush appends to the previous version");
        versions[0].Columns.Select(c => c.Name).ShouldContain("inputs");
    }

    private static string Suffix() => Guid.NewGuid().ToString("N")[..6];

    private static IReadOnlyList<IReadOnlyDictionary<string, JsonElement>> Records(string json) =>
        JsonSerializer.Deserialize<List<Dictionary<string, JsonElement>>>(json)!.Select(d => (IReadOnlyDictionary<string, JsonElement>)d).ToList();

    /// <summary>Row 0 churns (short tenure, low spend), row 1 does not; further rows vary with the seed.</summary>
    internal static InferenceRequest Request(int rows, string rename = "tenure", string spendType = "FP32", long[]? spendShape = null, Array? spendData = null, int seed = 0)
    {
        var random = new Random(seed);
        var tenure = Enumerable.Range(0, rows).Select(i => i == 0 ? 3f : i == 1 ? 50f : random.Next(1, 60)).ToArray();
        var spend = Enumerable.Range(0, rows).Select(i => i == 0 ? 10f : i == 1 ? 95f : (float)(random.NextDouble() * 100)).ToArray();
        var plan = Enumerable.Range(0, rows).Select(i => i % 2 == 0 ? "basic" : "pro").ToArray();
        Array spendValues = spendData ?? (spendType == "FP64" ? spend.Select(s => (double)s).ToArray() : spend);
        return new InferenceRequest("r1",
        [
            new InferTensor(rename, "FP32", [rows, 1], tenure),
            new InferTensor("spend", spendType, spendShape ?? [rows, 1], spendValues),
            new InferTensor("plan", "BYTES", [rows, 1], plan),
        ], null);
    }

    private async Task<(RegisteredModel Model, TrainingRun Run)> ModelWithVersionsAsync(int versions)
    {
        var (experiment, dataset, version) = await SetupAsync(TrainingTests.BinaryCsv(200));
        var run = await Submissions.SubmitAsync(new TrainingRequest(experiment.Id, null, TrainingKind.BuiltIn,
            new BuiltInSpec(TrainingTask.BinaryClassification, TrainerAlgorithm.LightGbm, "churned", ["tenure", "spend", "plan"], new Dictionary<string, double> { ["numberOfIterations"] = 10 }), null, dataset.Id, version.Id), None);
        await RunJobAsync(run);
        run = (await Training.GetAsync(run.Id, None)).Run;
        var model = await Registry.CreateModelAsync("served-" + Suffix(), null, null, None);
        for (var i = 0; i < versions; i++)
        {
            (await Registrar.CreateVersionFromRunAsync(model.Id, $"runs:/{run.TrackingRunId:N}/model", null, null, null, None)).Status.ShouldBe(ModelVersionStatus.Ready);
        }

        return (model, run);
    }
}

public sealed class SqliteServingTests(SqliteServicesFixture fixture) : ServingTests<SqliteServicesFixture>(fixture), IClassFixture<SqliteServicesFixture>;

public sealed class PostgresServingTests(PostgresServicesFixture fixture) : ServingTests<PostgresServicesFixture>(fixture), IClassFixture<PostgresServicesFixture>;
