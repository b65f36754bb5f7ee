using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Registry;
using AiPlatform.Core.Tracking;
using AiPlatform.Core.Training;
using AiPlatform.Infrastructure.Tests.Builders;
using AiPlatform.Infrastructure.Tests.Training;

namespace AiPlatform.Infrastructure.Tests.Registry;

/// <summary>The model registry: versions from runs and uploads, signatures, stages with history, aliases, rights.</summary>
public sealed class RegistryTests(SqliteServicesFixture fixture) : TrainingTestBase(fixture), IClassFixture<SqliteServicesFixture>
{
    private RegistryService Registry => Fixture.Get<RegistryService>();

    private ModelVersionService Versions => Fixture.Get<ModelVersionService>();

    private ModelRegistrar Registrar => Fixture.Get<ModelRegistrar>();

    [Fact]
    public async Task A_trained_run_registers_as_a_ready_onnx_version_with_its_signature_and_survives_its_artifacts()
    {
        var run = await TrainAsync();
        var model = await Registry.CreateModelAsync("churn-" + Guid.NewGuid().ToString("N")[..6], "Predicts churn.", new Dictionary<string, string> { ["team"] = "risk" }, None);
        await Should.ThrowAsync<AlreadyExistsException>(() => Registry.CreateModelAsync(model.Name, null, null, None));

        var version = await Registrar.CreateVersionFromRunAsync(model.Id, $"runs:/{run.TrackingRunId:N}/model", null, "first", null, None);

        version.Version.ShouldBe(1);
        version.Status.ShouldBe(ModelVersionStatus.Ready, version.StatusMessage);
        version.Format.ShouldBe(ModelFormat.Onnx);
        version.RunId.ShouldBe(run.TrackingRunId);
        var details = await Versions.GetVersionAsync(model.Id, 1, None);
        details.Files.Select(f => f.Path).ShouldBe(["conversion_report.json", "input_schema.json", "model.onnx", "model.zip"], ignoreOrder: true);
        var conversion = details.Conversion!;
        conversion.Rows.ShouldBeGreaterThan(10);
        conversion.MaxAbsDifference.Keys.ShouldBe(["Score", "Probability"], ignoreOrder: true);
        conversion.MaxAbsDifference.Values.ShouldAllBe(d => d <= 1e-4);
        conversion.Passed.ShouldBeTrue();
        var facts = details.GraphFacts!;
        facts.Opsets["ai.onnx"].ShouldBeGreaterThanOrEqualTo(9);
        facts.Producer.ShouldBe("ML.NET");
        facts.Nodes.ShouldBeGreaterThan(3);
        facts.SizeBytes.ShouldBe(details.Files.Single(f => f.Path == "model.onnx").Size);
        details.Signature!.Inputs.Select(i => i.Name).ShouldBe(["tenure", "spend", "plan"], ignoreOrder: true);
        details.Signature.Inputs.Single(i => i.Name == "tenure").DataType.ShouldBe("FP32");
        details.Signature.Outputs.ShouldNotBeEmpty();

        await Fixture.Get<ArtifactService>().DeleteAsync(run.TrackingRunId, "model", None);
        var (file, content) = await Versions.OpenFileAsync(model.Id, 1, "model.onnx", None);
        await content.DisposeAsync();
        file.Size.ShouldBeGreaterThan(100);
        (await Versions.SearchVersionsAsync(null, run.TrackingRunId, None)).Single().Version.Id.ShouldBe(version.Id);
    }

    [Fact]
    public async Task Stages_keep_a_full_history_aliases_move_and_broken_uploads_fail_registration()
    {
        var run = await TrainAsync();
        var model = await Registry.CreateModelAsync("stages-" + Guid.NewGuid().ToString("N")[..6], null, null, None);
        await Registrar.CreateVersionFromRunAsync(model.Id, $"runs:/{run.TrackingRunId:N}/model", null, null, null, None);
        await Registrar.CreateVersionFromRunAsync(model.Id, $"mlflow-artifacts:/1/{run.TrackingRunId:N}/artifacts/model", null, null, null, None);
        var broken = await Registrar.CreateVersionFromUploadAsync(model.Id, "bad.onnx", new MemoryStream("not a graph"u8.ToArray()), null, None);
        broken.Status.ShouldBe(ModelVersionStatus.FailedRegistration);
        broken.StatusMessage!.ShouldContain("not a loadable ONNX model");
        await Should.ThrowAsync<ValidationException>(() => Versions.TransitionStageAsync(model.Id, 3, ModelStage.Production, false, None));

        await Versions.TransitionStageAsync(model.Id, 1, ModelStage.Production, false, None);
        await Versions.TransitionStageAsync(model.Id, 2, ModelStage.Production, archiveExisting: true, None);

        var versions = (await Registry.GetModelAsync(model.Id, None)).Versions;
        versions.Single(v => v.Version == 1).Stage.ShouldBe(ModelStage.Archived);
        versions.Single(v => v.Version == 2).Stage.ShouldBe(ModelStage.Production);
        var history = await Versions.ListTransitionsAsync(model.Id, None);
        history.Select(h => (h.Version, h.From, h.To)).ShouldBe([(1, ModelStage.None, ModelStage.Production), (2, ModelStage.None, ModelStage.Production), (1, ModelStage.Production, ModelStage.Archived)], ignoreOrder: true);
        history.ShouldAllBe(h => h.By == "admin");
        (await Versions.GetLatestVersionsAsync(model.Id, [ModelStage.Production], None)).Single().Version.ShouldBe(2);

        await Versions.SetAliasAsync(model.Id, "@champion", 1, None);
        (await Versions.GetVersionByAliasAsync(model.Id, "champion", None)).Version.Version.ShouldBe(1);
        await Versions.SetAliasAsync(model.Id, "champion", 2, None);
        (await Versions.GetVersionByAliasAsync(model.Id, "@champion", None)).Version.Version.ShouldBe(2);
        await Should.ThrowAsync<ValidationException>(() => Versions.SetAliasAsync(model.Id, "latest", 1, None));
        await Should.ThrowAsync<NotFoundException>(() => Versions.SetAliasAsync(model.Id, "x", 9, None));
        await Versions.DeleteAliasAsync(model.Id, "champion", None);
        await Should.ThrowAsync<NotFoundException>(() => Versions.GetVersionByAliasAsync(model.Id, "champion", None));
        await Should.ThrowAsync<ValidationException>(() => Registrar.CreateVersionFromRunAsync(model.Id, "s3://bucket/model", null, null, null, None));

        var stranger = await Fixture.CreateUserAsync("stranger" + Guid.NewGuid().ToString("N")[..6], SystemRoles.ModelDeveloper);
        await Fixture.As(stranger, async () =>
        {
            await Should.ThrowAsync<NotFoundException>(() => Registry.GetModelAsync(model.Id, None));
            (await Registry.ListModelsAsync(null, 0, 100, None)).Items.ShouldNotContain(m => m.Id == model.Id);
        });

        await Versions.DeleteVersionAsync(model.Id, 3, None);
        await Registry.DeleteModelAsync(model.Id, None);
        await Should.ThrowAsync<NotFoundException>(() => Registry.GetModelAsync(model.Id, None));
    }

    private async Task<TrainingRun> TrainAsync()
    {
        var (experiment, dataset, version) = await SetupAsync(TrainingTests.BinaryCsv(200));
        var run = await Submissions.SubmitAsync(new TrainingRequest(experiment.Id, null, TrainingKind.BuiltIn,
            new BuiltInSpec(TrainingTask.BinaryClassification, TrainerAlgorithm.LightGbm, "churned", ["tenure", "spend", "plan"], new Dictionary<string, double> { ["numberOfIterations"] = 10 }), null, dataset.Id, version.Id), None);
        await RunJobAsync(run);
        return (await Training.GetAsync(run.Id, None)).Run;
    }
}
