using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Projects;
using AiPlatform.Core.Tracking;
using AiPlatform.Infrastructure.Tests.Builders;

namespace AiPlatform.Infrastructure.Tests.Tracking;

/// <summary>Experiments, runs, search and artifacts against a real database; once per provider.</summary>
public abstract class TrackingTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : PlatformServicesFixture
{
    private static readonly CancellationToken None = CancellationToken.None;

    private ExperimentService Experiments => fixture.Get<ExperimentService>();

    private RunService Runs => fixture.Get<RunService>();

    private RunInputService RunInputs => fixture.Get<RunInputService>();

    [Fact]
    public async Task Params_are_immutable_tags_overwrite_and_metrics_append_with_the_latest_by_step()
    {
        var (_, experiment) = await NewExperimentAsync();
        var run = await Runs.CreateRunAsync(experiment.Id, "baseline", null, new Dictionary<string, string> { ["mlflow.user"] = "someone" }, None);

        await Runs.LogBatchAsync(run.Run.Id, [new("loss", 0.9, 1000, 0), new("loss", 0.5, 2000, 1), new("loss", 0.7, 1500, 0)], new Dictionary<string, string> { ["lr"] = "0.1" }, [new("stage", "dev")], None);
        await Runs.LogParamAsync(run.Run.Id, "lr", "0.1", None);
        var changed = await Should.ThrowAsync<ValidationException>(() => Runs.LogParamAsync(run.Run.Id, "lr", "0.2", None));
        changed.Message.ShouldContain("Changing param values is not allowed");
        await Runs.SetRunTagAsync(run.Run.Id, "stage", "prod", None);
        await Runs.LogMetricAsync(run.Run.Id, "loss", double.NaN, 3000, 0, None);

        var details = await Runs.GetRunAsync(run.Run.Id, None);
        details.Param("lr").ShouldBe("0.1");
        details.Tag("stage").ShouldBe("prod");
        details.Tag(TrackingLimits.RunNameTag).ShouldBe("baseline");
        details.Metric("loss")!.RealValue.ShouldBe(0.5);
        details.Metric("loss")!.Step.ShouldBe(1);
        var history = await Runs.GetMetricHistoryAsync(run.Run.Id, "loss", 0, 100, None);
        history.Select(m => m.Step).ShouldBe([0, 0, 0, 1]);
        history.Count(m => double.IsNaN(m.RealValue)).ShouldBe(1);
    }

    [Fact]
    public async Task A_batch_that_fails_validation_does_not_rename_the_run()
    {
        var (_, experiment) = await NewExperimentAsync();
        var run = await Runs.CreateRunAsync(experiment.Id, "before", null, null, None);
        await Runs.LogParamAsync(run.Run.Id, "depth", "3", None);

        await Should.ThrowAsync<ValidationException>(() => Runs.LogBatchAsync(run.Run.Id, [new("acc", 0.9, 1, 0)], new Dictionary<string, string> { ["depth"] = "4" }, [new(TrackingLimits.RunNameTag, "after")], None));

        var details = await Runs.GetRunAsync(run.Run.Id, None);
        details.Run.Name.ShouldBe("before");
        details.Tag(TrackingLimits.RunNameTag).ShouldBe("before");
        details.Metrics.ShouldBeEmpty();
    }

    [Fact]
    public async Task The_store_saves_a_batch_rename_with_the_batch()
    {
        var (_, experiment) = await NewExperimentAsync();
        var created = await Runs.CreateRunAsync(experiment.Id, "before", null, null, None);
        var store = fixture.Get<ITrackingStore>();
        var run = (await store.FindRunAsync(created.Run.Id, None))!;
        run.Name = "after";

        await store.LogBatchAsync(run, [], [], [new RunTag { RunId = run.Id, Key = TrackingLimits.RunNameTag, Value = "after" }], None);

        (await store.FindRunAsync(run.Id, None))!.Name.ShouldBe("after", "the rename is part of the batch's own write, not a second update");
    }

    [Fact]
    public async Task A_param_sent_twice_with_different_values_fails_the_batch_for_every_caller()
    {
        var (_, experiment) = await NewExperimentAsync();
        var run = await Runs.CreateRunAsync(experiment.Id, "dupes", null, null, None);

        var duplicate = await Should.ThrowAsync<ValidationException>(() => Runs.LogBatchAsync(run.Run.Id, [], [new("lr", "0.1"), new("lr", "0.2")], null, None));
        duplicate.Message.ShouldContain("Duplicate parameter keys have been submitted: ['lr']");
        await Runs.LogBatchAsync(run.Run.Id, [], [new("lr", "0.1"), new("lr", "0.1")], null, None);

        (await Runs.GetRunAsync(run.Run.Id, None)).Param("lr").ShouldBe("0.1");
    }

    [Fact]
    public async Task A_failing_batch_stores_nothing()
    {
        var (_, experiment) = await NewExperimentAsync();
        var run = await Runs.CreateRunAsync(experiment.Id, null, null, null, None);
        run.Run.Name.ShouldMatch("^[a-z]+-[a-z]+-[0-9]{3}$");
        await Runs.LogParamAsync(run.Run.Id, "depth", "3", None);

        await Should.ThrowAsync<ValidationException>(() => Runs.LogBatchAsync(run.Run.Id, [new("acc", 0.9, 1, 0)], new Dictionary<string, string> { ["depth"] = "4" }, [new("t", "v")], None));
        await Should.ThrowAsync<ValidationException>(() => Runs.LogBatchAsync(run.Run.Id, Enumerable.Range(0, 1001).Select(i => new MetricInput("m", i, 1, i)).ToList(), null, null, None));
        await Should.ThrowAsync<ValidationException>(() => Runs.LogMetricAsync(run.Run.Id, "../escape", 1, 1, 0, None));

        var details = await Runs.GetRunAsync(run.Run.Id, None);
        details.Metrics.ShouldBeEmpty();
        details.Tag("t").ShouldBeNull();
        (await Runs.GetMetricHistoryAsync(run.Run.Id, "m", 0, 10, None)).ShouldBeEmpty();
    }

    [Fact]
    public async Task Search_filters_and_orders_by_metrics_params_tags_and_attributes_like_mlflow()
    {
        var (_, experiment) = await NewExperimentAsync();
        var ids = new List<Guid>();
        for (var i = 0; i < 6; i++)
        {
            var run = await Runs.CreateRunAsync(experiment.Id, $"run-{i}", 1000 + i, null, None);
            var metrics = new List<MetricInput> { new("acc", i / 10.0, 1, 0) };
            if (i != 5)
            {
                metrics.Add(new MetricInput("f1 score", 1 - (i / 10.0), 1, 0));
            }

            await Runs.LogBatchAsync(run.Run.Id, metrics, new Dictionary<string, string> { ["model"] = i % 2 == 0 ? "LR" : "Tree" }, [new("team", i < 3 ? "Alpha" : "beta")], None);
            ids.Add(run.Run.Id);
        }

        await Runs.UpdateRunAsync(ids[4], RunStatus.Finished, 5000, null, None);

        async Task<List<string>> Names(string? filter, params string[] order) =>
            (await Runs.SearchRunsAsync([experiment.Id], filter, order, ViewType.ActiveOnly, 0, 100, None)).Runs.Select(r => r.Run.Name).ToList();

        (await Names("metrics.acc > 0.25", "metrics.acc DESC")).ShouldBe(["run-5", "run-4", "run-3"]);
        (await Names("metrics.acc >= 0.2 and params.model = 'LR'", "metrics.acc ASC")).ShouldBe(["run-2", "run-4"]);
        (await Names("tags.team LIKE 'A%'", "attributes.start_time ASC")).ShouldBe(["run-0", "run-1", "run-2"]);
        (await Names("tags.team LIKE 'a%'")).ShouldBeEmpty();
        (await Names("tags.team ILIKE 'a%'")).Count.ShouldBe(3);
        (await Names("attributes.status = 'FINISHED'")).ShouldBe(["run-4"]);
        (await Names($"attributes.run_id IN ('{ids[1]:N}', '{ids[2]:N}')", "run_name DESC")).ShouldBe(["run-2", "run-1"]);
        (await Names("run_name LIKE 'run-1%'")).ShouldBe(["run-1"]);
        (await Names("params.model != 'LR' and metrics.\"f1 score\" < 0.8")).ShouldBe(["run-3"]);
        (await Names(null, "metrics.`f1 score` DESC")).Last().ShouldBe("run-5", "runs without the metric sort last");
        (await Names(null)).First().ShouldBe("run-5", "the default order is the newest start first");

        var first = await Runs.SearchRunsAsync([experiment.Id], null, ["metrics.acc DESC"], ViewType.ActiveOnly, 0, 4, None);
        first.HasMore.ShouldBeTrue();
        var second = await Runs.SearchRunsAsync([experiment.Id], null, ["metrics.acc DESC"], ViewType.ActiveOnly, 4, 4, None);
        second.HasMore.ShouldBeFalse();
        first.Runs.Concat(second.Runs).Select(r => r.Run.Name).ShouldBe(["run-5", "run-4", "run-3", "run-2", "run-1", "run-0"]);
        (await Runs.CountRunsAsync([experiment.Id], "metrics.acc > 0.25", ViewType.ActiveOnly, None)).ShouldBe(3);

        await Runs.SetRunLifecycleAsync(ids[0], LifecycleStage.Deleted, None);
        (await Names(null)).ShouldNotContain("run-0");
        (await Runs.SearchRunsAsync([experiment.Id], null, null, ViewType.DeletedOnly, 0, 10, None)).Runs.Single().Run.Name.ShouldBe("run-0");
        await Should.ThrowAsync<ValidationException>(() => Runs.LogMetricAsync(ids[0], "acc", 1, 1, 1, None));

        var error = await Should.ThrowAsync<ValidationException>(() => Runs.SearchRunsAsync([experiment.Id], "metrics.acc >> 1", null, ViewType.ActiveOnly, 0, 10, None));
        error.Message.ShouldContain("position");
    }

    [Fact]
    public async Task Experiments_inherit_their_projects_grants_and_can_be_shared_on_their_own()
    {
        var alice = await fixture.CreateUserAsync(Name("alice"), SystemRoles.ModelDeveloper);
        var bob = await fixture.CreateUserAsync(Name("bob"), SystemRoles.ModelDeveloper);
        var carol = await fixture.CreateUserAsync(Name("carol"), SystemRoles.Viewer);
        var (project, experiment) = await fixture.As(alice, NewExperimentAsync);
        var run = await fixture.As(alice, () => Runs.CreateRunAsync(experiment.Id, "secret", null, null, None));

        await fixture.As(bob, async () =>
        {
            await Should.ThrowAsync<NotFoundException>(() => Experiments.GetExperimentAsync(experiment.Id, None));
            await Should.ThrowAsync<NotFoundException>(() => Runs.GetRunAsync(run.Run.Id, None));
            (await Experiments.ListExperimentsAsync(new ExperimentQuery(null, null, [], [], ViewType.All, 0, 100), None)).Items.ShouldNotContain(e => e.Experiment.Id == experiment.Id);
            (await Runs.SearchRunsAsync([experiment.Id], null, null, ViewType.All, 0, 10, None)).Runs.ShouldBeEmpty();
        });

        var sharing = fixture.Get<SharingService>();
        await fixture.As(alice, () => sharing.GrantAsync(SecurableTypes.Project, project.Id, PrincipalType.User, bob.Id, PermissionLevel.Read, None));
        await fixture.As(alice, () => sharing.GrantAsync(SecurableTypes.Experiment, experiment.Id, PrincipalType.User, carol.Id, PermissionLevel.Write, None));

        await fixture.As(bob, async () =>
        {
            (await Experiments.GetExperimentAsync(experiment.Id, None)).Level.ShouldBe(PermissionLevel.Read);
            (await Experiments.ListExperimentsAsync(new ExperimentQuery(null, null, [], [], ViewType.All, 0, 100), None)).Items.ShouldContain(e => e.Experiment.Id == experiment.Id);
            (await Runs.GetRunAsync(run.Run.Id, None)).Run.Name.ShouldBe("secret");
            await Should.ThrowAsync<ForbiddenException>(() => Runs.LogMetricAsync(run.Run.Id, "acc", 1, 1, 0, None));
        });
        await fixture.As(carol, async () =>
        {
            await Should.ThrowAsync<NotFoundException>(() => fixture.Get<ProjectService>().GetAsync(project.Id, None));
            await Runs.LogMetricAsync(run.Run.Id, "acc", 1, 1, 0, None);
            (await Experiments.ListExperimentsAsync(new ExperimentQuery(null, null, [], [], ViewType.All, 0, 100), None)).Items.Single(e => e.Experiment.Id == experiment.Id).RunCount.ShouldBe(1);
            await Should.ThrowAsync<ForbiddenException>(() => Experiments.SetExperimentLifecycleAsync(experiment.Id, LifecycleStage.Deleted, None));
        });
    }

    [Fact]
    public async Task Experiment_names_are_unique_and_deleted_ones_can_be_restored()
    {
        var (project, experiment) = await NewExperimentAsync();
        var duplicate = await Should.ThrowAsync<AlreadyExistsException>(() => Experiments.CreateExperimentAsync(project.Id, experiment.Name, null, None));
        duplicate.Message.ShouldContain("already exists");

        await Experiments.SetExperimentLifecycleAsync(experiment.Id, LifecycleStage.Deleted, None);
        (await Should.ThrowAsync<AlreadyExistsException>(() => Experiments.CreateExperimentAsync(project.Id, experiment.Name, null, None))).Message.ShouldContain("deleted state");
        await Should.ThrowAsync<ValidationException>(() => Runs.CreateRunAsync(experiment.Id, null, null, null, None));
        (await Experiments.ListExperimentsAsync(new ExperimentQuery(project.Id, null, [], [], ViewType.DeletedOnly, 0, 10), None)).Items.Single().Experiment.Id.ShouldBe(experiment.Id);
        await Experiments.SetExperimentLifecycleAsync(experiment.Id, LifecycleStage.Active, None);

        var second = await Experiments.CreateExperimentAsync(project.Id, experiment.Name + "-b", new Dictionary<string, string> { ["team"] = "vision" }, None);
        second.Number.ShouldBeGreaterThan(experiment.Number);
        var filtered = await Experiments.ListExperimentsAsync(new ExperimentQuery(project.Id, null, SearchFilter.ParseExperimentFilter("tags.team = 'vision'"), [], ViewType.ActiveOnly, 0, 10), None);
        filtered.Items.Single().Experiment.Id.ShouldBe(second.Id);
        (await Experiments.GetExperimentByMlflowIdAsync(second.MlflowId, None)).Id.ShouldBe(second.Id);
        await Should.ThrowAsync<ConflictException>(() => fixture.Get<ProjectService>().DeleteAsync(project.Id, None));
    }

    [Fact]
    public async Task MLflow_clients_without_a_project_get_their_default_project()
    {
        var dev = await fixture.CreateUserAsync(Name("dev"), SystemRoles.ModelDeveloper);
        var experiment = await fixture.As(dev, () => Experiments.CreateExperimentAsync(null, Name("from-mlflow"), null, None));
        var projectName = await fixture.As(dev, () => Experiments.GetProjectNameAsync(experiment.ProjectId, None));
        projectName.ShouldBe(ExperimentService.DefaultProjectName);
        var again = await fixture.As(dev, () => Experiments.CreateExperimentAsync(null, Name("second"), null, None));
        again.ProjectId.ShouldBe(experiment.ProjectId);
    }

    [Fact]
    public async Task Artifacts_are_stored_listed_replaced_and_deleted_inside_their_run_only()
    {
        var (_, experiment) = await NewExperimentAsync();
        var run = await Runs.CreateRunAsync(experiment.Id, "with-files", null, null, None);
        var other = await Runs.CreateRunAsync(experiment.Id, "other", null, null, None);
        var artifacts = fixture.Get<ArtifactService>();

        await artifacts.UploadAsync(run.Run.Id, "model/MLmodel", new MemoryStream("flavors: {}"u8.ToArray()), null, null, None);
        await artifacts.UploadAsync(run.Run.Id, "plots/confusion matrix.png", new MemoryStream([137, 80, 78, 71]), 4, "image/png", None);
        await artifacts.UploadAsync(run.Run.Id, "model/MLmodel", new MemoryStream("flavors: {onnx: {}}"u8.ToArray()), null, null, None);

        (await artifacts.ListAsync(run.Run.Id, null, None)).ShouldBe([new ArtifactEntry("model", true, null), new ArtifactEntry("plots", true, null)]);
        (await artifacts.ListAsync(run.Run.Id, "model", None)).Single().ShouldBe(new ArtifactEntry("model/MLmodel", false, 19));
        var (_, content) = await artifacts.OpenAsync(run.Run.Id, "model/MLmodel", None);
        using (var reader = new StreamReader(content))
        {
            (await reader.ReadToEndAsync()).ShouldBe("flavors: {onnx: {}}");
        }

        foreach (var bad in new[] { "../other/x", "a/../../b", "/etc/passwd", "a\\b", "C:/x", "a//b", "./a" })
        {
            await Should.ThrowAsync<ValidationException>(() => artifacts.UploadAsync(run.Run.Id, bad, new MemoryStream([1]), 1, null, None));
        }

        await Should.ThrowAsync<ValidationException>(() => artifacts.UploadAsync(run.Run.Id, "model", new MemoryStream([1]), 1, null, None));
        await Should.ThrowAsync<NotFoundException>(() => artifacts.OpenAsync(other.Run.Id, "model/MLmodel", None));
        (await artifacts.DeleteAsync(run.Run.Id, "plots", None)).ShouldBe(1);
        (await artifacts.ListAsync(run.Run.Id, null, None)).Select(e => e.Path).ShouldBe(["model"]);
    }

    [Fact]
    public async Task Runs_link_to_the_dataset_versions_they_read()
    {
        var (_, experiment) = await NewExperimentAsync();
        var run = await Runs.CreateRunAsync(experiment.Id, "trainer", null, null, None);
        var datasets = fixture.Get<Core.Data.DatasetService>();
        var dataset = await datasets.CreateAsync(Name("train"), null, null, None);
        var upload = await datasets.UploadAsync(dataset.Id, new MemoryStream("x,y\n1,2\n"u8.ToArray()), "t.csv", null, None);

        await RunInputs.LinkDatasetVersionAsync(run.Run.Id, dataset.Id, upload.Version.Id, "training", None);
        await RunInputs.LogInputsAsync(run.Run.Id, [new DatasetInputRequest("external", "abc123", "http", "https://example.com/data.csv", null, null, null)], None);

        var details = await Runs.GetRunAsync(run.Run.Id, None);
        details.Inputs.Count.ShouldBe(2);
        details.Inputs.Single(i => i.DatasetVersionId == upload.Version.Id).Context.ShouldBe("training");
        var uses = await RunInputs.ListRunsUsingDatasetVersionAsync(upload.Version.Id, None);
        uses.Single().RunName.ShouldBe("trainer");
    }

    private async Task<(Project Project, Experiment Experiment)> NewExperimentAsync()
    {
        var project = await fixture.Get<ProjectService>().CreateAsync(Name("project"), null, None);
        var experiment = await Experiments.CreateExperimentAsync(project.Id, Name("experiment"), null, None);
        return (project, experiment);
    }

    private static string Name(string prefix) => $"{prefix}{Guid.NewGuid().ToString("N")[..6]}";
}

public sealed class SqliteTrackingTests(SqliteServicesFixture fixture) : TrackingTests<SqliteServicesFixture>(fixture);

public sealed class PostgresTrackingTests(PostgresServicesFixture fixture) : TrackingTests<PostgresServicesFixture>(fixture);
