using AiPlatform.Core.Data;
using AiPlatform.Core.Projects;
using AiPlatform.Core.Tracking;
using AiPlatform.Core.Training;
using AiPlatform.Core.Training.Hpo;
using AiPlatform.Web.Features.Tracking;
using AiPlatform.Web.Features.Training;
using AiPlatform.Web.Tests.Builders;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace AiPlatform.Web.Tests.Training;

/// <summary>
/// Issue 17 on the training, study and experiment pages: the study names its real base run, marks the best trial and
/// picks its objective from the base run's metrics; trials nest under the study's run; run names, not 8-character ids;
/// enum values in Chinese; empty lists say what to do next, with the MLflow snippet pointing at this server.
/// </summary>
public sealed class TrainingPagesUxTests : PageTestBase
{
    [Fact]
    public async Task The_study_names_its_real_base_run_not_the_clones_rerun_name_and_marks_the_best_trial()
    {
        var (experiment, baseRun) = await SeedAsync("base");
        var navigation = Services.GetRequiredService<NavigationManager>();

        navigation.NavigateTo($"/studies/new?from={baseRun.Id}");
        var form = Render<NewStudyPage>();
        form.WaitForAssertion(() => form.Find("[data-testid=study-base-link]").TextContent.ShouldBe("base"));
        form.Find("[data-testid=study-base-link]").GetAttribute("href").ShouldBe($"/training/{baseRun.Id}");
        form.Find("[data-testid=study-base]").TextContent.ShouldNotContain("base-rerun", Case.Sensitive, "'base-rerun' is the clone's new name: no such run exists");
        form.Find("input[data-testid=study-max-trials]").Change("3");
        form.Find("[data-testid=study-submit]").Click();
        form.WaitForAssertion(() => navigation.Uri.ShouldContain("/studies/"));

        var study = (await Get<StudyService>().ListAsync(experiment.Id, 0, 10, default)).Items.Single();
        var store = Get<ITrainingStore>();
        var trials = await store.ListTrialsAsync(study.Id, default);
        trials.Count.ShouldBe(2);
        (trials[0].ObjectiveValue, trials[1].ObjectiveValue) = (0.5, 0.2);
        await store.UpdateAsync(trials[0], default);
        await store.UpdateAsync(trials[1], default);
        (study.BestTrialId, study.BestValue) = (trials[1].Id, 0.2);
        await store.UpdateStudyAsync(study, default);

        var page = Render<StudyPage>(p => p.Add(x => x.Id, study.Id));
        page.WaitForAssertion(() => page.Find("[data-testid=study-base-run]").TextContent.ShouldBe("base"));
        page.Find("[data-testid=study-base-run]").GetAttribute("href").ShouldBe($"/training/{baseRun.Id}");
        var rows = page.FindAll("[data-testid=trial-row]");
        rows.Select(r => r.GetAttribute("data-best")).ShouldBe(["false", "true"]);
        rows[1].QuerySelector("[data-testid=best-trial]").ShouldNotBeNull();
        rows[0].QuerySelector("[data-testid=best-trial]").ShouldBeNull();
    }

    [Fact]
    public async Task The_objective_is_picked_from_the_base_runs_metrics_and_typed_only_when_it_has_none()
    {
        var (_, baseRun) = await SeedAsync("scored");
        await Get<RunService>().LogBatchAsync(baseRun.TrackingRunId, [new MetricInput("r2", 0.8, null, 0), new MetricInput("mae", 1.5, null, 0), new MetricInput("system/cpu_utilization_percentage", 40, null, 0)], null, null, default);
        var navigation = Services.GetRequiredService<NavigationManager>();

        navigation.NavigateTo($"/studies/new?from={baseRun.Id}");
        var form = Render<NewStudyPage>();

        form.WaitForAssertion(() => form.Find("[data-testid=study-objective-pick]"));
        form.FindAll("input[data-testid=study-objective]").ShouldBeEmpty("no free text when the base run has metrics");
        form.Instance.GetType().GetField("_metrics", System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Instance)!
            .GetValue(form.Instance).ShouldBe(new[] { "mae", "r2" });
        form.Find("[data-testid=study-objective-pick]").ParentElement!.ParentElement!.TextContent.ShouldContain("mae", Case.Sensitive, "rmse was not logged, so the first logged metric is chosen");

        var (_, fresh) = await SeedAsync("fresh");
        navigation.NavigateTo($"/studies/new?from={fresh.Id}");
        var blank = Render<NewStudyPage>();
        blank.WaitForAssertion(() => blank.Find("input[data-testid=study-objective]").GetAttribute("value").ShouldBe("rmse"));
        blank.FindAll("[data-testid=study-objective-pick]").ShouldBeEmpty();
    }

    [Fact]
    public async Task Study_trials_nest_under_the_studys_run_in_the_experiments_runs_table_collapsed_until_opened()
    {
        var (experiment, baseRun) = await SeedAsync("nest");
        await Get<StudyService>().CreateAsync(new StudyRequest("nest-search", await Get<TrainingService>().CloneRequestAsync(baseRun.Id, default),
            TrainerCatalog.SearchRangesOf(TrainerAlgorithm.FastTree), "rmse", ObjectiveDirection.Minimize, MaxTrials: 2, BaseRunId: baseRun.Id), default);

        var page = Render<ExperimentDetailPage>(p => p.Add(x => x.Id, experiment.Id));

        page.WaitForAssertion(() => page.FindAll("[data-testid=run-toggle]").Count.ShouldBe(1));
        page.Find("[data-testid=run-child-count]").TextContent.ShouldContain("2");
        var nested = page.FindAll("[data-testid=nested-run]");
        nested.Count.ShouldBe(2);
        nested.ShouldAllBe(n => n.Closest("tr")!.GetAttribute("style")!.Contains("display: none"));
        var order = page.FindAll("a[data-testid=run-link]").Select(a => a.TextContent).ToList();
        var parentAt = order.IndexOf("nest-search");
        string.Join(",", order.Skip(parentAt + 1).Take(2).Order()).ShouldBe("nest-search-trial-0,nest-search-trial-1", "the trials follow their parent: " + string.Join(", ", order));

        page.Find("[data-testid=run-toggle]").Click();
        page.WaitForAssertion(() => page.FindAll("[data-testid=nested-run]").ShouldAllBe(n => n.Closest("tr")!.GetAttribute("style") == null || !n.Closest("tr")!.GetAttribute("style")!.Contains("display: none")));
        page.Find("[data-testid=run-toggle]").GetAttribute("aria-expanded").ShouldBe("true");

        var link = page.FindAll("a[data-testid=run-link]").First(a => a.TextContent == "nest-search-trial-1");
        link.GetAttribute("title").ShouldBe("nest-search-trial-1");
        link.GetAttribute("style")!.ShouldContain("white-space: nowrap");
        link.GetAttribute("style")!.ShouldContain("text-overflow: ellipsis");
    }

    [Fact]
    public async Task The_training_run_page_names_its_experiment_run_with_a_full_copyable_id_and_enum_values_in_chinese()
    {
        var (_, run) = await SeedAsync("churn-lgbm", TrainingTask.BinaryClassification);
        using var _ = InCulture("zh-CN");

        var page = Render<TrainingRunPage>(p => p.Add(x => x.Id, run.Id));

        page.WaitForAssertion(() => page.Find("[data-testid=tracking-run-link]").TextContent.ShouldBe("churn-lgbm"));
        page.Find("[data-testid=tracking-run-id]").TextContent.ShouldContain(run.TrackingRunId.ToString("N"));
        page.Markup.ShouldNotContain($">{run.TrackingRunId.ToString("N")[..8]}<");
        page.Find("[data-testid=training-what]").TextContent.ShouldBe("LightGBM 梯度提升 · 二分类 · 标签 y");
        page.Markup.ShouldContain("本地");
        page.Markup.ShouldNotContain("BinaryClassification", Case.Sensitive);
        page.Markup.ShouldNotContain("LightGbm", Case.Sensitive);
    }

    [Fact]
    public async Task Studies_show_their_sampler_in_chinese()
    {
        var (_, baseRun) = await SeedAsync("zh");
        await Get<StudyService>().CreateAsync(new StudyRequest("zh-search", await Get<TrainingService>().CloneRequestAsync(baseRun.Id, default),
            TrainerCatalog.SearchRangesOf(TrainerAlgorithm.FastTree), "rmse", ObjectiveDirection.Minimize, SamplerKind.Tpe, MaxTrials: 2), default);
        using var _ = InCulture("zh-CN");

        var list = Render<StudiesPage>();

        list.WaitForAssertion(() => list.Markup.ShouldContain("TPE（贝叶斯） · 2"));
        list.Markup.ShouldNotContain("Tpe ·");
    }

    [Fact]
    public async Task An_empty_experiment_offers_train_and_the_mlflow_snippet_with_this_servers_address()
    {
        var project = await Get<ProjectService>().CreateAsync("empty", null, default);
        var experiment = await Get<ExperimentService>().CreateExperimentAsync(project.Id, "my \"quoted\" exp", null, default);
        var baseUri = Services.GetRequiredService<NavigationManager>().BaseUri.TrimEnd('/');

        var page = Render<ExperimentDetailPage>(p => p.Add(x => x.Id, experiment.Id));

        page.WaitForAssertion(() => page.Find("[data-testid=runs-empty]"));
        var code = page.Find("[data-testid=runs-empty] [data-testid=mlflow-snippet-code]").TextContent;
        code.ShouldContain($"mlflow.set_tracking_uri(\"{baseUri}\")");
        code.ShouldContain("mlflow.set_experiment(\"my \\\"quoted\\\" exp\")");
        page.Find("[data-testid=runs-empty-train]").GetAttribute("href").ShouldBe($"/training/new?experiment={experiment.Id}");
        page.Find("[data-testid=train-in-experiment]").GetAttribute("href").ShouldBe($"/training/new?experiment={experiment.Id}");
        page.Find("[data-testid=mlflow-token-link]").GetAttribute("href").ShouldBe("/me#tokens");
        page.FindAll("[data-testid=mlflow-snippet-copy]").Count.ShouldBe(1);

        page.Find("[data-testid=mlflow-snippet-copy]").Click();
        JSInterop.VerifyInvoke("navigator.clipboard.writeText").Arguments[0].ShouldBe(code);
    }

    [Fact]
    public async Task Empty_lists_say_what_to_do_next()
    {
        var runs = Render<TrainingRunsPage>();
        runs.WaitForAssertion(() => runs.Find("[data-testid=training-empty]"));
        runs.Find("[data-testid=training-empty-new]").GetAttribute("href").ShouldBe("/training/new");

        var studies = Render<StudiesPage>();
        studies.WaitForAssertion(() => studies.Find("[data-testid=studies-empty]"));
        studies.Find("[data-testid=studies-empty-new]").GetAttribute("href").ShouldBe("/studies/new");

        var project = await Get<ProjectService>().CreateAsync("nothing-yet", null, default);
        var experiments = Render<ExperimentTable>(p => p.Add(x => x.ProjectId, project.Id));
        experiments.WaitForAssertion(() => experiments.Find("[data-testid=experiments-empty]"));
        experiments.FindAll("[data-testid=experiments-empty-new]").Count.ShouldBe(1);
        experiments.Find("[data-testid=experiments-empty] [data-testid=mlflow-snippet-code]").TextContent.ShouldContain("mlflow.set_tracking_uri(\"http");
    }

    private async Task<(Experiment Experiment, TrainingRun Run)> SeedAsync(string name, TrainingTask task = TrainingTask.Regression)
    {
        var project = await Get<ProjectService>().CreateAsync($"p-{name}", null, default);
        var experiment = await Get<ExperimentService>().CreateExperimentAsync(project.Id, $"e-{name}", null, default);
        var datasets = Get<DatasetService>();
        var dataset = await datasets.CreateAsync($"d-{name}", null, null, default);
        var csv = task == TrainingTask.Regression ? "x,y\n1,2\n2,4\n3,6\n" : "x,y\n1,yes\n2,no\n3,yes\n";
        var version = (await datasets.UploadAsync(dataset.Id, new MemoryStream(System.Text.Encoding.UTF8.GetBytes(csv)), "r.csv", null, default)).Version;
        var run = await Get<TrainingSubmitService>().SubmitAsync(new TrainingRequest(experiment.Id, name, TrainingKind.BuiltIn,
            new BuiltInSpec(task, task == TrainingTask.Regression ? TrainerAlgorithm.FastTree : TrainerAlgorithm.LightGbm, "y", ["x"]), null, dataset.Id, version.Id), default);
        return (experiment, run);
    }
}
