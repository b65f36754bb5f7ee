using AiPlatform.Core.Common;
using AiPlatform.Core.Projects;
using AiPlatform.Core.Registry;
using AiPlatform.Core.Tracking;
using AiPlatform.Infrastructure.Tests.Builders;

namespace AiPlatform.Infrastructure.Tests.Tracking;

/// <summary>MLflow 3's logged models against a real database; once per provider.</summary>
public abstract class LoggedModelTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : PlatformServicesFixture
{
    private static readonly CancellationToken None = CancellationToken.None;

    private LoggedModelService Models => fixture.Get<LoggedModelService>();

    [Fact]
    public async Task A_logged_model_keeps_params_tags_metrics_outputs_and_artifacts_and_searches_by_them()
    {
        var (experiment, run) = await NewRunAsync();
        var a = await Models.CreateAsync(experiment.MlflowId, "model", "Classifier", run.Run.MlflowId, [new("lr", "0.1")], [new("env", "dev")], None);
        var b = await Models.CreateAsync(experiment.MlflowId, "other", null, null, [new("lr", "0.5")], null, None);
        a.Model.MlflowId.ShouldMatch("^m-[0-9a-f]{32}$");
        a.Model.Status.ShouldBe(LoggedModelStatus.Pending);

        await Models.LogParamsAsync(a.Model.Id, [new("lr", "0.1"), new("depth", "3")], None);
        (await Should.ThrowAsync<ValidationException>(() => Models.LogParamsAsync(a.Model.Id, [new("lr", "0.2")], None))).Message.ShouldContain("Changing param values is not allowed");
        await Models.SetTagsAsync(a.Model.Id, [new("env", "prod"), new("team", "ml")], None);
        await Models.DeleteTagAsync(a.Model.Id, "team", None);
        await Models.LogMetricsAsync(run.Run.Id, [(a.Model.MlflowId, new MetricInput("acc", 0.9, 1, 0), "eval", "d1"), (b.Model.MlflowId, new MetricInput("acc", double.NaN, 1, 0), null, null)], None);
        await Models.LogOutputsAsync(run.Run.Id, [(a.Model.MlflowId, 2), (a.Model.MlflowId, 2)], None);
        await Models.UploadAsync(a.Model.Id, "model/MLmodel", new MemoryStream("v1"u8.ToArray()), null, null, None);
        await Models.UploadAsync(a.Model.Id, "model/MLmodel", new MemoryStream("v2"u8.ToArray()), null, null, None);
        await Models.UploadAsync(a.Model.Id, "model.pkl", new MemoryStream("pkl"u8.ToArray()), null, null, None);
        await Should.ThrowAsync<ValidationException>(() => Models.UploadAsync(a.Model.Id, "model.pkl/inner", new MemoryStream("x"u8.ToArray()), null, null, None));
        await Models.FinalizeAsync(a.Model.Id, LoggedModelStatus.Ready, None);

        var details = await Models.GetAsync(a.Model.Id, None);
        details.Model.Status.ShouldBe(LoggedModelStatus.Ready);
        details.Model.ModelType.ShouldBe("Classifier");
        details.Params.Select(p => (p.Key, p.Value)).ShouldBe([("depth", "3"), ("lr", "0.1")]);
        details.Tags.Select(t => (t.Key, t.Value)).ShouldBe([("env", "prod")]);
        details.Metrics.Single().DatasetName.ShouldBe("eval");
        double.IsNaN((await Models.GetAsync(b.Model.Id, None)).Metrics.Single().RealValue).ShouldBeTrue();
        (await Models.OutputsOfAsync([run.Run.Id], None))[run.Run.Id].Select(o => (o.ModelId, o.Step)).ShouldBe([(a.Model.Id, 2L)]);
        (await Models.ListForRunAsync(run.Run.Id, None)).Select(m => m.Model.Name).ShouldBe(["model"]);
        (await Models.ListArtifactsAsync(a.Model.Id, null, None)).Select(e => (e.Path, e.IsDirectory)).ShouldBe([("model", true), ("model.pkl", false)]);
        var (_, content) = await Models.OpenArtifactAsync(a.Model.Id, "model/MLmodel", None);
        using (var reader = new StreamReader(content))
        {
            (await reader.ReadToEndAsync()).ShouldBe("v2");
        }

        var page = await Models.SearchAsync([experiment.MlflowId], "tags.env = 'prod' AND params.depth = '3' AND metrics.acc > 0.5 AND model_type = 'Classifier'", [new("eval", null)], null, 0, 10, None);
        page.Models.Select(m => m.Model.Name).ShouldBe(["model"]);
        var ordered = await Models.SearchAsync([experiment.MlflowId], null, null, [new("name", true, null, null)], 0, 1, None);
        (ordered.Models.Single().Model.Name, ordered.HasMore).ShouldBe(("model", true));

        await Models.DeleteAsync(b.Model.Id, None);
        (await Models.SearchAsync([experiment.MlflowId], null, null, null, 0, 10, None)).Models.Select(m => m.Model.Name).ShouldBe(["model"]);
        await Should.ThrowAsync<NotFoundException>(() => Models.GetAsync(b.Model.Id, None));
    }

    [Fact]
    public async Task A_logged_model_registers_as_a_version_and_its_experiment_purges_with_it()
    {
        var (experiment, run) = await NewRunAsync();
        var logged = await Models.CreateAsync(experiment.MlflowId, "model", null, run.Run.MlflowId, null, null, None);
        await Models.UploadAsync(logged.Model.Id, "MLmodel", new MemoryStream("flavors: {}\n"u8.ToArray()), null, null, None);
        await Models.LogOutputsAsync(run.Run.Id, [(logged.Model.MlflowId, 0)], None);
        await Models.LogMetricsAsync(run.Run.Id, [(logged.Model.MlflowId, new MetricInput("acc", 0.9, 1, 0), null, null)], None);
        var registry = fixture.Get<RegistryService>();
        var registered = await registry.CreateModelAsync("lm-" + Guid.NewGuid().ToString("N")[..6], null, null, None);

        var version = await fixture.Get<ModelRegistrar>().CreateVersionFromRunAsync(registered.Id, $"runs:/{run.Run.MlflowId}/model", null, null, null, None);

        version.LoggedModelId.ShouldBe(logged.Model.Id);
        version.RunId.ShouldBe(run.Run.Id);
        version.Source.ShouldBe($"models:/{logged.Model.MlflowId}");
        (await fixture.Get<ModelVersionService>().GetVersionAsync(registered.Id, version.Version, None)).Files.Select(f => f.Path).ShouldBe(["MLmodel"]);

        var experiments = fixture.Get<ExperimentService>();
        await experiments.SetExperimentLifecycleAsync(experiment.Id, LifecycleStage.Deleted, None);
        await experiments.PurgeExperimentAsync(experiment.Id, None);
        await Should.ThrowAsync<NotFoundException>(() => Models.GetAsync(logged.Model.Id, None));
        (await fixture.Get<ModelVersionService>().GetVersionAsync(registered.Id, version.Version, None)).Version.LoggedModelId.ShouldBe(logged.Model.Id);
    }

    private async Task<(Experiment Experiment, RunDetails Run)> NewRunAsync()
    {
        var project = await fixture.Get<ProjectService>().CreateAsync("project" + Guid.NewGuid().ToString("N")[..6], null, None);
        var experiment = await fixture.Get<ExperimentService>().CreateExperimentAsync(project.Id, "experiment" + Guid.NewGuid().ToString("N")[..6], null, None);
        return (experiment, await fixture.Get<RunService>().CreateRunAsync(experiment.Id, "train", null, null, None));
    }
}

public sealed class SqliteLoggedModelTests(SqliteServicesFixture fixture) : LoggedModelTests<SqliteServicesFixture>(fixture);

public sealed class PostgresLoggedModelTests(PostgresServicesFixture fixture) : LoggedModelTests<PostgresServicesFixture>(fixture);
