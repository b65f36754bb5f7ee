using AiPlatform.Core.Access;
using AiPlatform.Core.Projects;
using AiPlatform.Core.Tracking;
using AiPlatform.Web.Features.Tracking;
using AiPlatform.Web.Tests.Builders;
using Bunit;
using Microsoft.Extensions.DependencyInjection;

namespace AiPlatform.Web.Tests.Tracking;

public sealed class ExperimentPagesTests : PageTestBase
{
    [Fact]
    public async Task Experiments_page_lists_readable_experiments_with_their_project_and_run_count()
    {
        var (_, experiment) = await SeedAsync("churn", 3);

        var page = Render<ExperimentsPage>();

        page.WaitForAssertion(() => page.Find("[data-testid=experiment-link]").TextContent.ShouldBe("churn"));
        page.Markup.ShouldContain("ml-project");
        page.Markup.ShouldContain(experiment.MlflowId);
        page.FindAll("[data-testid=new-experiment]").Count.ShouldBe(1);
    }

    [Fact]
    public async Task Runs_table_filters_with_the_search_language_and_shows_errors_readably()
    {
        var (_, experiment) = await SeedAsync("sweep", 4);

        var page = Render<ExperimentDetailPage>(p => p.Add(x => x.Id, experiment.Id));
        page.WaitForAssertion(() => page.FindAll("[data-testid=run-link]").Count.ShouldBe(4));
        page.FindAll("th").Select(t => t.TextContent).ShouldContain(t => t.Contains("acc"));

        page.Find("input[data-testid=runs-filter]").Input("metrics.acc >= 0.2");
        page.Find("[data-testid=runs-filter-apply]").Click();
        page.WaitForAssertion(() => page.FindAll("[data-testid=run-link]").Select(a => a.TextContent).ShouldBe(["run-3", "run-2"]));

        page.Find("input[data-testid=runs-filter]").Input("metrics.acc >> 1");
        page.Find("[data-testid=runs-filter-apply]").Click();
        page.WaitForAssertion(() => page.Markup.ShouldContain("Invalid search expression at position 14"));
        page.FindAll("[data-testid=run-link]").ShouldBeEmpty();
    }

    [Fact]
    public async Task Run_page_shows_params_metrics_safe_markdown_notes_artifacts_and_lineage()
    {
        var (_, experiment) = await SeedAsync("notes", 1);
        var runs = Get<RunService>();
        var run = (await runs.SearchRunsAsync([experiment.Id], null, null, ViewType.ActiveOnly, 0, 1, default)).Runs.Single();
        await runs.SetRunNoteAsync(run.Run.Id, "## Result\n**good** <script>alert('x')</script> [bad](javascript:alert(1))", default);
        var artifacts = Get<ArtifactService>();
        await artifacts.UploadAsync(run.Run.Id, "eval/metrics.csv", new MemoryStream("class,precision\ncat,0.91\ndog,0.88\n"u8.ToArray()), null, null, default);
        var child = await runs.CreateRunAsync(experiment.Id, "child-fold-1", null, new Dictionary<string, string> { [TrackingLimits.ParentRunTag] = run.Run.MlflowId }, default);

        var page = Render<RunDetailPage>(p => p.Add(x => x.Id, run.Run.Id));

        page.WaitForAssertion(() => page.Find("[data-testid=run-title]").TextContent.ShouldBe("run-0"));
        page.Find("[data-testid=params-table]").TextContent.ShouldContain("model");
        page.Find("[data-testid=metrics-table]").TextContent.ShouldContain("acc");
        var notes = page.Find("[data-testid=markdown]");
        notes.InnerHtml.ShouldContain("<strong>good</strong>");
        notes.InnerHtml.ShouldNotContain("<script>");
        notes.InnerHtml.ShouldNotContain("javascript:");

        page.FindAll(".mud-tab").Single(t => t.TextContent.Contains("Artifacts")).Click();
        var browser = page.FindComponent<ArtifactBrowser>();
        browser.WaitForAssertion(() => browser.Find("[data-testid=artifact-entry]").TextContent.ShouldContain("eval"));
        browser.Find("[data-testid=artifact-entry]").Click();
        browser.WaitForAssertion(() => browser.Find("[data-testid=artifact-entry]").TextContent.ShouldContain("metrics.csv"));
        browser.Find("[data-testid=artifact-entry]").Click();
        browser.WaitForAssertion(() => browser.Find("[data-testid=artifact-table]").TextContent.ShouldContain("0.91"));
        page.FindAll(".mud-tab").Single(t => t.TextContent.Contains("Lineage")).Click();
        page.WaitForAssertion(() => page.Find("[data-testid=child-run-link]").TextContent.ShouldBe(child.Run.Name));
    }

    [Fact]
    public async Task Writers_add_and_remove_run_tags_and_see_the_source_commit_linked_to_the_project_repository()
    {
        var project = await Get<ProjectService>().CreateAsync("repo-project", null, "https://git.example.com/team/churn.git", default);
        var experiments = Get<ExperimentService>();
        var runs = Get<RunService>();
        var experiment = await experiments.CreateExperimentAsync(project.Id, "tagged", null, default);
        var run = await runs.CreateRunAsync(experiment.Id, "from-git", null, new Dictionary<string, string> { ["mlflow.source.name"] = "train.py", ["mlflow.source.git.commit"] = "0123456789abcdef" }, default);

        var page = Render<RunDetailPage>(p => p.Add(x => x.Id, run.Run.Id));
        page.WaitForAssertion(() => page.Find("[data-testid=run-source]").InnerHtml.ShouldContain("https://git.example.com/team/churn/commit/0123456789abcdef"));

        page.Find("input[data-testid=tag-key]").Change("owner");
        page.Find("input[data-testid=tag-value]").Change("risk-team");
        page.Find("[data-testid=add-tag]").Click();
        page.WaitForAssertion(() => page.Find("[data-testid=tags-table]").TextContent.ShouldContain("risk-team"));
        (await runs.GetRunAsync(run.Run.Id, default)).Tag("owner").ShouldBe("risk-team");

        var row = page.FindAll("[data-testid=tags-table] tr").Single(r => r.TextContent.Contains("owner"));
        row.QuerySelector("[data-testid=delete-row]")!.Click();
        page.WaitForAssertion(() => page.Find("[data-testid=tags-table]").TextContent.ShouldNotContain("risk-team"));
        (await runs.GetRunAsync(run.Run.Id, default)).Tag("owner").ShouldBeNull();
    }

    [Fact]
    public async Task Compare_page_highlights_differing_params_and_builds_parallel_coordinates()
    {
        var (_, experiment) = await SeedAsync("compare", 3);
        var runs = (await Get<RunService>().SearchRunsAsync([experiment.Id], null, ["attributes.run_name ASC"], ViewType.ActiveOnly, 0, 10, default)).Runs;

        var navigation = Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>();
        navigation.NavigateTo("/runs/compare?ids=" + string.Join(',', runs.Select(r => r.Run.Id)));
        var page = Render<RunComparePage>();

        page.WaitForAssertion(() => page.FindAll("[data-testid=param-row]").Count.ShouldBe(2));
        page.FindAll("[data-testid=param-row][data-differs=true]").Single().TextContent.ShouldContain("model");
        page.FindAll("[data-testid=param-row][data-differs=false]").Single().TextContent.ShouldContain("seed");
        page.FindAll(".mud-tab").Single(t => t.TextContent.Contains("Parallel")).Click();
        page.WaitForAssertion(() => page.Find("[data-testid=parallel-coordinates]").GetAttribute("data-dimensions").ShouldBe("2"));

        navigation.NavigateTo("/runs/compare?ids=" + runs[0].Run.Id);
        var single = Render<RunComparePage>();
        single.WaitForAssertion(() => single.FindAll("[data-testid=compare-too-few]").Count.ShouldBe(1));
    }

    [Fact]
    public async Task Parallel_coordinates_render_when_a_run_lacks_a_param_and_a_metric_is_nan()
    {
        var (withLr, withoutLr) = await SeedPairAsync("gaps");

        var page = RenderCompare(withLr, withoutLr);
        page.WaitForAssertion(() => page.FindAll("[data-testid=param-row]").Count.ShouldBe(2));
        page.FindAll(".mud-tab").Single(t => t.TextContent.Contains("Parallel")).Click();

        // lr (missing in one run), log_loss (NaN in one run), training_seconds, accuracy: four axes, drawn without a crash.
        page.WaitForAssertion(() => page.Find("[data-testid=parallel-coordinates]").GetAttribute("data-dimensions").ShouldBe("4"));
        page.FindAll("[data-testid=parallel-coordinates]").Count.ShouldBe(1);
        var plotted = JSInterop.Invocations.Where(i => i.Identifier is "draw").ToList();
        plotted.ShouldNotBeEmpty("Plotly was never asked to draw the parallel coordinates");
        foreach (var invocation in plotted)
        {
            foreach (var argument in invocation.Arguments)
            {
                SerialisesLikeBlazor(argument);
            }
        }
    }

    [Fact]
    public async Task Compare_page_bolds_the_best_metric_in_its_direction_lets_the_user_flip_it_and_marks_differing_rows()
    {
        var (withLr, withoutLr) = await SeedPairAsync("direction");

        var page = RenderCompare(withLr, withoutLr);
        page.WaitForAssertion(() => page.FindAll("[data-testid=metric-row]").Count.ShouldBe(3));

        // training_seconds: lower is better, so the 10 s run is best, not the 20 s one.
        BestOf(page, "training_seconds").ShouldBe("10");
        page.Find("[data-testid=metric-row][data-metric=training_seconds] [data-testid=flip-direction]").GetAttribute("data-direction").ShouldBe("lower");
        BestOf(page, "accuracy").ShouldBe("0.9");

        page.Find("[data-testid=metric-row][data-metric=training_seconds] [data-testid=flip-direction]").Click();
        page.WaitForAssertion(() => BestOf(page, "training_seconds").ShouldBe("20"));
        page.Find("[data-testid=metric-row][data-metric=training_seconds] [data-testid=flip-direction]").GetAttribute("data-direction").ShouldBe("higher");

        // Differing rows carry the highlight class (lr differs: one run lacks it; seed is the same).
        page.Find("[data-testid=param-row][data-differs=true]").ClassList.ShouldContain("compare-differs");
        page.Find("[data-testid=param-row][data-differs=false]").ClassList.ShouldNotContain("compare-differs");
        page.Find("[data-testid=metric-row][data-metric=training_seconds]").ClassList.ShouldContain("compare-differs");
    }

    private static string BestOf(IRenderedComponent<RunComparePage> page, string metric) =>
        page.FindAll($"[data-testid=metric-row][data-metric={metric}] td[data-best=true]").Single().TextContent.Trim();

    /// <summary>Serialises a JS interop argument (and each item of a list, by its runtime type) as Blazor does: NaN and Infinity throw.</summary>
    private static void SerialisesLikeBlazor(object? argument)
    {
        if (argument is null or string || argument.GetType().Name.StartsWith("DotNetObjectReference", StringComparison.Ordinal) || argument is Microsoft.AspNetCore.Components.ElementReference)
        {
            return;
        }

        var options = new System.Text.Json.JsonSerializerOptions(System.Text.Json.JsonSerializerDefaults.Web);
        if (argument is System.Collections.IEnumerable items)
        {
            foreach (var item in items)
            {
                SerialisesLikeBlazor(item);
            }

            return;
        }

        System.Text.Json.JsonSerializer.Serialize(argument, argument.GetType(), options);
    }

    private IRenderedComponent<RunComparePage> RenderCompare(Guid first, Guid second)
    {
        Services.GetRequiredService<Microsoft.AspNetCore.Components.NavigationManager>().NavigateTo($"/runs/compare?ids={first},{second}");
        return Render<RunComparePage>();
    }

    /// <summary>Two runs: one with lr, log_loss 0.3, 10 s, accuracy 0.9; one without lr, log_loss NaN, 20 s, accuracy 0.8.</summary>
    private async Task<(Guid WithLr, Guid WithoutLr)> SeedPairAsync(string name)
    {
        var project = await Get<ProjectService>().CreateAsync("ml-project-" + name, null, default);
        var experiment = await Get<ExperimentService>().CreateExperimentAsync(project.Id, name, null, default);
        var tracking = Get<RunService>();
        var a = await tracking.CreateRunAsync(experiment.Id, "with-lr", 1000, null, default);
        await tracking.LogBatchAsync(a.Run.Id, [new("log_loss", 0.3, 1, 0), new("training_seconds", 10, 1, 0), new("accuracy", 0.9, 1, 0)],
            new Dictionary<string, string> { ["lr"] = "0.1", ["seed"] = "42" }, null, default);
        var b = await tracking.CreateRunAsync(experiment.Id, "without-lr", 1001, null, default);
        await tracking.LogBatchAsync(b.Run.Id, [new("log_loss", double.NaN, 1, 0), new("training_seconds", 20, 1, 0), new("accuracy", 0.8, 1, 0)],
            new Dictionary<string, string> { ["seed"] = "42" }, null, default);
        return (a.Run.Id, b.Run.Id);
    }

    [Fact]
    public async Task Readers_do_not_get_editing_controls_and_strangers_see_not_found()
    {
        var (project, experiment) = await SeedAsync("guarded", 1);
        var reader = await Get<UserAdminService>().CreateAsync(new NewUser("exp-reader", null, null, "Passw0rd-reader"), [], default);
        var stranger = await Get<UserAdminService>().CreateAsync(new NewUser("stranger", null, null, "Passw0rd-stranger"), [], default);
        await Get<SharingService>().GrantAsync(SecurableTypes.Project, project.Id, PrincipalType.User, reader.Id, PermissionLevel.Read, default);

        SignIn(reader.Id, "exp-reader");
        var readOnly = Render<ExperimentDetailPage>(p => p.Add(x => x.Id, experiment.Id));
        readOnly.WaitForAssertion(() => readOnly.Find("[data-testid=experiment-title]").TextContent.ShouldBe("guarded"));
        readOnly.FindAll("[data-testid=rename-experiment]").ShouldBeEmpty();
        readOnly.FindAll("[data-testid=delete-experiment]").ShouldBeEmpty();

        SignIn(stranger.Id, "stranger");
        var hidden = Render<ExperimentDetailPage>(p => p.Add(x => x.Id, experiment.Id));
        hidden.WaitForAssertion(() => hidden.FindAll("[data-testid=experiment-not-found]").Count.ShouldBe(1));
    }

    private async Task<(Project Project, Experiment Experiment)> SeedAsync(string name, int runs)
    {
        var project = await Get<ProjectService>().CreateAsync("ml-project-" + name, null, default);
        var experiments = Get<ExperimentService>();
        var tracking = Get<RunService>();
        var experiment = await experiments.CreateExperimentAsync(project.Id, name, null, default);
        for (var i = 0; i < runs; i++)
        {
            var run = await tracking.CreateRunAsync(experiment.Id, $"run-{i}", 1000 + i, null, default);
            await tracking.LogBatchAsync(run.Run.Id, [new("acc", i / 10.0, 1, 0), new("acc", (i / 10.0) + 0.05, 2, 1)],
                new Dictionary<string, string> { ["model"] = i == 0 ? "LR" : "GBM", ["seed"] = "42" }, null, default);
        }

        return (project, experiment);
    }
}
