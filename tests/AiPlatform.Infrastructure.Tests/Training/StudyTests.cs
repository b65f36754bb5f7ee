using AiPlatform.Core.Common;
using AiPlatform.Core.Jobs;
using AiPlatform.Core.Tracking;
using AiPlatform.Core.Training;
using AiPlatform.Core.Training.Hpo;
using AiPlatform.Infrastructure.Tests.Builders;

namespace AiPlatform.Infrastructure.Tests.Training;

/// <summary>Hyperparameter studies driven end to end: trials as child runs, parallelism, grids, best trial, pruning.</summary>
public sealed class StudyTests(SqliteServicesFixture fixture) : TrainingTestBase(fixture), IClassFixture<SqliteServicesFixture>
{
    private StudyService Studies => Fixture.Get<StudyService>();

    [Fact]
    public async Task A_random_search_over_lightgbm_runs_its_trials_as_child_runs_and_records_the_best()
    {
        var (experiment, dataset, version) = await SetupAsync(TrainingTests.BinaryCsv(300));
        var study = await Studies.CreateAsync(new StudyRequest("lgbm-search",
            new TrainingRequest(experiment.Id, null, TrainingKind.BuiltIn, new BuiltInSpec(TrainingTask.BinaryClassification, TrainerAlgorithm.LightGbm, "churned", ["tenure", "spend", "plan"], new Dictionary<string, double> { ["numberOfIterations"] = 20 }), null, dataset.Id, version.Id),
            [new SearchParameter("learningRate", ParameterType.LogFloat, 0.01, 0.3), new SearchParameter("numberOfLeaves", ParameterType.Int, 4, 32)],
            "auc", ObjectiveDirection.Maximize, SamplerKind.Random, MaxTrials: 4, Parallelism: 2), None);

        (await Studies.GetAsync(study.Id, None)).Trials.Count.ShouldBe(2, "parallelism 2 starts two trials");
        await DriveAsync(study.Id);

        var view = await Studies.GetAsync(study.Id, None);
        view.Study.Status.ShouldBe(StudyStatus.Succeeded, view.Study.Error);
        view.Trials.Count.ShouldBe(4);
        view.Trials.ShouldAllBe(t => t.Status == TrainingStatus.Succeeded && t.ObjectiveValue > 0.5);
        view.Study.BestValue.ShouldBe(view.Trials.Max(t => t.ObjectiveValue));
        view.Trials.Select(t => t.TrialNumber).ShouldBe([0, 1, 2, 3]);
        var runs = Fixture.Get<RunService>();
        foreach (var trial in view.Trials)
        {
            var tracked = await runs.GetRunAsync(trial.TrackingRunId, None);
            tracked.Run.ParentRunId.ShouldBe(view.Study.ParentTrackingRunId);
            tracked.Param("numberOfLeaves").ShouldBe(System.Text.Json.JsonDocument.Parse(trial.TrialParamsJson!).RootElement.GetProperty("numberOfLeaves").GetString());
        }

        var parent = await runs.GetRunAsync(view.Study.ParentTrackingRunId, None);
        parent.Run.Status.ShouldBe(RunStatus.Finished);
        parent.Metric("best_auc")!.RealValue.ShouldBe(view.Study.BestValue!.Value, 1e-9);
        parent.Param("learningRate").ShouldNotBeNull();
        view.Importance.Keys.ShouldBe(["learningRate", "numberOfLeaves"], ignoreOrder: true);
    }

    [Fact]
    public async Task A_grid_stops_when_every_combination_has_run_and_bad_requests_are_refused()
    {
        var (experiment, dataset, version) = await SetupAsync(TrainingTests.BinaryCsv(120));
        var baseRequest = new TrainingRequest(experiment.Id, null, TrainingKind.BuiltIn, new BuiltInSpec(TrainingTask.BinaryClassification, TrainerAlgorithm.FastTree, "churned", ["tenure", "spend"]), null, dataset.Id, version.Id);
        await Should.ThrowAsync<ValidationException>(() => Studies.CreateAsync(new StudyRequest(null, baseRequest, [new SearchParameter("depth", ParameterType.Int, 2, 4)], "auc", ObjectiveDirection.Maximize), None));
        await Should.ThrowAsync<ValidationException>(() => Studies.CreateAsync(new StudyRequest(null, baseRequest, [new SearchParameter("numberOfLeaves", ParameterType.Categorical, Choices: ["4"])], "auc", ObjectiveDirection.Maximize), None));
        await Should.ThrowAsync<ValidationException>(() => Studies.CreateAsync(new StudyRequest(null, baseRequest, [new SearchParameter("numberOfLeaves", ParameterType.Int, 2, 4)], "", ObjectiveDirection.Maximize), None));

        var study = await Studies.CreateAsync(new StudyRequest("grid", baseRequest,
            [new SearchParameter("numberOfLeaves", ParameterType.Int, 4, 5), new SearchParameter("numberOfTrees", ParameterType.Int, 10, 11)],
            "auc", ObjectiveDirection.Maximize, SamplerKind.Grid, MaxTrials: 50, Parallelism: 4), None);
        await DriveAsync(study.Id);

        var view = await Studies.GetAsync(study.Id, None);
        view.Study.Status.ShouldBe(StudyStatus.Succeeded, view.Study.Error);
        view.Trials.Select(t => t.TrialParamsJson).Distinct().Count().ShouldBe(4);
    }

    [Fact]
    public async Task A_trial_falling_behind_the_median_is_pruned_and_a_cancelled_study_stops_its_trials()
    {
        var (experiment, _, _) = await SetupAsync(TrainingTests.BinaryCsv(10));
        var study = await Studies.CreateAsync(new StudyRequest("pruned",
            new TrainingRequest(experiment.Id, null, TrainingKind.Custom, null, new CustomSpec("sleep 60 # lr={lr}"), null, null),
            [new SearchParameter("lr", ParameterType.Float, 0, 1)], "loss", ObjectiveDirection.Minimize, SamplerKind.Random, MaxTrials: 3, Parallelism: 3, MedianPruning: true, PruningStartupTrials: 2), None);
        var trials = (await Studies.GetAsync(study.Id, None)).Trials;
        trials.Count.ShouldBe(3);
        System.Text.Json.JsonSerializer.Deserialize<CustomSpec>(trials[0].SpecJson, new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web))!.Command.ShouldStartWith("sleep 60 # lr=0.");

        // Two trials finished with falling loss; the third is running and stays far worse at step 2.
        var store = Fixture.Get<ITrainingStore>();
        var runs = Fixture.Get<RunService>();
        for (var i = 0; i < 3; i++)
        {
            var trial = trials[i];
            var losses = i < 2 ? new[] { 1.0, 0.6, 0.4 } : [1.5, 1.4, 1.3];
            await runs.LogBatchAsync(trial.TrackingRunId, losses.Select((v, step) => new MetricInput("loss", v, 1, step)).ToList(), null, null, None);
            trial.Status = i < 2 ? TrainingStatus.Succeeded : TrainingStatus.Running;
            await store.UpdateAsync(trial, None);
        }

        await Studies.PumpAsync(None);
        await Fixture.Get<TrainingQueue>().PumpAsync(None);

        var pruned = (await Training.GetAsync(trials[2].Id, None)).Run;
        pruned.Pruned.ShouldBeTrue();
        pruned.Error!.ShouldContain("Pruned at step 2");
        (await runs.GetRunAsync(pruned.TrackingRunId, None)).Tag("aiplatform.pruned").ShouldBe("true");
        var view = await Studies.GetAsync(study.Id, None);
        view.Study.BestValue.ShouldBe(0.4);

        var second = await Studies.CreateAsync(new StudyRequest("stopped",
            new TrainingRequest(experiment.Id, null, TrainingKind.Custom, null, new CustomSpec("sleep 60"), null, null),
            [new SearchParameter("lr", ParameterType.Float, 0, 1)], "loss", ObjectiveDirection.Minimize, MaxTrials: 5, Parallelism: 1), None);
        (await Studies.CancelAsync(second.Id, None)).Status.ShouldBe(StudyStatus.Cancelled);
        await Fixture.Get<TrainingQueue>().PumpAsync(None);
        (await Studies.GetAsync(second.Id, None)).Trials.ShouldAllBe(t => t.IsTerminal);
        await Should.ThrowAsync<ConflictException>(() => Studies.CancelAsync(second.Id, None));
    }

    /// <summary>Runs the study's started trials one by one (each finished trial pumps the study) until it ends.</summary>
    private async Task DriveAsync(Guid studyId)
    {
        for (var round = 0; round < 50; round++)
        {
            var view = await Studies.GetAsync(studyId, None);
            if (view.Study.Status != StudyStatus.Running)
            {
                return;
            }

            var next = view.Trials.FirstOrDefault(t => t.Status == TrainingStatus.Starting);
            if (next is null)
            {
                await Studies.PumpAsync(None);
                continue;
            }

            await Fixture.Get<JobRunner>().RunAsync(next.JobId!.Value, None);
        }

        throw new TimeoutException("The study did not finish.");
    }
}
