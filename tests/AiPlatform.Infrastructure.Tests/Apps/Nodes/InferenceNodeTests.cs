using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Common;
using AiPlatform.Core.Registry;
using AiPlatform.Core.Serving;
using AiPlatform.Core.Training;
using AiPlatform.Infrastructure.Tests.Builders;
using AiPlatform.Infrastructure.Tests.Training;
using static AiPlatform.Infrastructure.Tests.Apps.Nodes.NodeBuilder;

namespace AiPlatform.Infrastructure.Tests.Apps.Nodes;

/// <summary>The model inference node on a real endpoint: a LightGBM churn model trained by the built-in trainer, served by ONNX Runtime.</summary>
public sealed class InferenceNodeTests(SqliteServicesFixture fixture) : TrainingTestBase(fixture), IClassFixture<SqliteServicesFixture>
{
    private IAppNodeExecutor Executor => Fixture.Get<IEnumerable<IAppNodeExecutor>>().Single(e => e.Type == AppNodeTypes.Inference);

    [Fact]
    public async Task Records_from_templates_get_predictions_and_an_endpoint_the_runner_cannot_read_fails_the_node()
    {
        var endpoint = await EndpointAsync();
        var node = Node(AppNodeTypes.Inference, new { endpoint = endpoint.Name, inputs = new { tenure = "{{start.tenure}}", spend = "{{start.spend}}", plan = "{{start.plan}}" } });
        var variables = Json("""{"start": {"tenure": 3, "spend": 10.5, "plan": "basic"}}""");

        var one = await Executor.ExecuteAsync(new TestNodeRunContext(node, variables), None);

        one.Outputs["version"]!.GetValue<int>().ShouldBe(1);
        var predictions = one.Outputs["predictions"]!.AsArray();
        predictions.Count.ShouldBe(1);
        predictions[0]!.AsObject().ContainsKey("PredictedLabel").ShouldBeTrue();
        one.Outputs["outputs"]!.ToJsonString().ShouldBe(predictions[0]!.ToJsonString());
        one.Inputs!["records"]![0]!["tenure"]!.GetValue<int>().ShouldBe(3, "a single reference keeps its number type");

        // A template that writes an array of records: one prediction each, the short-tenure, low-spend customer likelier to churn.
        var many = Node(AppNodeTypes.Inference, new { endpoint = endpoint.Name, version = 1, inputs = """[{{start.first}}, {"tenure": 50, "spend": 95, "plan": "pro"}]""" });
        var two = await Executor.ExecuteAsync(new TestNodeRunContext(many, Json("""{"start": {"first": {"tenure": 3, "spend": 10.5, "plan": "basic"}}}""")), None);
        var rows = two.Outputs["predictions"]!.AsArray();
        rows.Count.ShouldBe(2);
        rows[0]!["Probability"]!.GetValue<double>().ShouldBeGreaterThan(rows[1]!["Probability"]!.GetValue<double>());

        var runner = await Fixture.CreateUserAsync("infnode" + Guid.NewGuid().ToString("N")[..6], SystemRoles.ModelDeveloper);
        var refused = await AsAsync(runner, () => Should.ThrowAsync<NotFoundException>(() => Executor.ExecuteAsync(new TestNodeRunContext(node, variables), None)));
        refused.MessageKey.ShouldBe("Apps.Error.EndpointNotReadable");
        refused.MessageArguments.ShouldBe(["n1", endpoint.Name]);
        var sharing = Fixture.Get<SharingService>();
        var grant = await sharing.GrantAsync(SecurableTypes.Endpoint, endpoint.Id, PrincipalType.User, runner.Id, PermissionLevel.Read, None);
        (await AsAsync(runner, () => Executor.ExecuteAsync(new TestNodeRunContext(node, variables), None))).Outputs["predictions"]!.AsArray().Count.ShouldBe(1);
        await sharing.RevokeAsync(SecurableTypes.Endpoint, endpoint.Id, grant.Id, None);
        (await AsAsync(runner, () => Should.ThrowAsync<NotFoundException>(() => Executor.ExecuteAsync(new TestNodeRunContext(node, variables), None)))).MessageKey.ShouldBe("Apps.Error.EndpointNotReadable");
    }

    [Fact]
    public async Task Records_the_model_cannot_take_a_version_it_does_not_serve_and_inputs_that_are_not_records_are_refused_clearly()
    {
        var endpoint = await EndpointAsync();
        var wrongType = Node(AppNodeTypes.Inference, new { endpoint = endpoint.Name, inputs = """{"tenure": "long", "spend": 1, "plan": "x"}""" });
        var input = await Should.ThrowAsync<InferenceInputException>(() => Executor.ExecuteAsync(new TestNodeRunContext(wrongType), None));
        input.MessageKey.ShouldBe("Apps.Error.InferenceInput");
        input.MessageArguments[2].ShouldBeOfType<string>().ShouldContain("'tenure' takes a number");

        var version = Node(AppNodeTypes.Inference, new { endpoint = endpoint.Name, version = 7, inputs = """{"tenure": 3, "spend": 1, "plan": "x"}""" });
        (await Should.ThrowAsync<NotFoundException>(() => Executor.ExecuteAsync(new TestNodeRunContext(version), None))).MessageKey.ShouldBe("Apps.Error.EndpointVersion");

        foreach (var inputs in new[] { "not json", "[]", "[1, 2]", "42" })
        {
            var bad = Node(AppNodeTypes.Inference, new { endpoint = endpoint.Name, inputs });
            (await Should.ThrowAsync<ValidationException>(() => Executor.ExecuteAsync(new TestNodeRunContext(bad), None))).MessageKey.ShouldBe("Apps.Error.InferenceRecords");
        }

        var missing = Node(AppNodeTypes.Inference, new { endpoint = "no-such-endpoint", inputs = "{}" });
        (await Should.ThrowAsync<NotFoundException>(() => Executor.ExecuteAsync(new TestNodeRunContext(missing), None))).MessageKey.ShouldBe("Apps.Error.EndpointNotReadable");
    }

    [Fact]
    public async Task The_engine_runs_a_workflow_whose_inference_node_scores_the_start_inputs()
    {
        var endpoint = await EndpointAsync();
        var inference = Node(AppNodeTypes.Inference, new { endpoint = endpoint.Name, inputs = new { tenure = "{{start.tenure}}", spend = "{{start.spend}}", plan = "{{start.plan}}" } }, "inf");
        var graph = Workflow(["tenure", "spend", "plan"], [inference], new Dictionary<string, string> { ["churn"] = "{{inf.outputs.PredictedLabel}}", ["probability"] = "{{inf.outputs.Probability}}" }, "tenure", "spend");

        var risky = await RunAsync(Fixture.Get<IAppEngine>(), graph, Json("""{"tenure": 3, "spend": 10.5, "plan": "basic"}"""), Fixture.Admin);
        var loyal = await RunAsync(Fixture.Get<IAppEngine>(), graph, Json("""{"tenure": 50, "spend": 95, "plan": "pro"}"""), Fixture.Admin);

        risky.Status.ShouldBe(AppRunStatus.Succeeded, risky.Error);
        loyal.Status.ShouldBe(AppRunStatus.Succeeded, loyal.Error);
        risky.Outputs["probability"]!.GetValue<double>().ShouldBeGreaterThan(loyal.Outputs["probability"]!.GetValue<double>());
        risky.Nodes.Single(n => n.NodeId == "inf").Inputs!["records"]![0]!["tenure"]!.GetValue<double>().ShouldBe(3);
    }

    private static async Task<T> AsAsync<T>(CallerIdentity user, Func<Task<T>> action)
    {
        using (ActingCaller.Begin(user))
        {
            return await action();
        }
    }

    private async Task<ServingEndpoint> EndpointAsync()
    {
        var (experiment, dataset, version) = await SetupAsync(TrainingTests.BinaryCsv(200));
        var run = await Submissions.SubmitAsync(new TrainingRequest(experiment.Id, null, TrainingKind.BuiltIn,
            new BuiltInSpec(TrainingTask.BinaryClassification, TrainerAlgorithm.LightGbm, "churned", ["tenure", "spend", "plan"], new Dictionary<string, double> { ["numberOfIterations"] = 10 }), null, dataset.Id, version.Id), None);
        await RunJobAsync(run);
        run = (await Training.GetAsync(run.Id, None)).Run;
        var model = await Fixture.Get<RegistryService>().CreateModelAsync("app-served-" + Guid.NewGuid().ToString("N")[..6], null, null, None);
        (await Fixture.Get<ModelRegistrar>().CreateVersionFromRunAsync(model.Id, $"runs:/{run.TrackingRunId:N}/model", null, null, null, None)).Status.ShouldBe(ModelVersionStatus.Ready);
        var endpoint = await Fixture.Get<DeploymentService>().DeployAsync(new DeploySpec("app-churn-" + Guid.NewGuid().ToString("N")[..6], model.Id, "1"), None);
        endpoint.Status.ShouldBe(EndpointStatus.Ready, endpoint.Error);
        return endpoint;
    }
}
