using AiPlatform.Core.Data;
using AiPlatform.Core.Projects;
using AiPlatform.Core.Tracking;
using AiPlatform.Core.Training;
using AiPlatform.Core.Training.Hpo;
using AiPlatform.Web.Features.Training;
using AiPlatform.Web.Tests.Builders;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace AiPlatform.Web.Tests.Training;

public sealed class StudyPagesTests : PageTestBase
{
    [Theory]
    [InlineData("0.08494137486687799", "0.0849")]
    [InlineData("128", "128")]
    [InlineData("gbdt", "gbdt")]
    [InlineData(null, null)]
    public void Sampled_values_read_like_the_metrics_beside_them(string? stored, string? shown)
    {
        using (InCulture("en-US"))
        {
            StudyPage.ParamText(stored).ShouldBe(shown);
        }
    }

    [Fact]
    public async Task Tune_prefills_the_trainers_hyperparameters_and_starts_a_study_whose_page_lists_its_trials()
    {
        var project = await Get<ProjectService>().CreateAsync("hpo", null, default);
        var experiment = await Get<ExperimentService>().CreateExperimentAsync(project.Id, "hpo", null, default);
        var datasets = Get<DatasetService>();
        var dataset = await datasets.CreateAsync("rows", null, null, default);
        var version = (await datasets.UploadAsync(dataset.Id, new MemoryStream("x,y\n1,2\n2,4\n3,6\n"u8.ToArray()), "r.csv", null, default)).Version;
        var baseRun = await Get<TrainingSubmitService>().SubmitAsync(new TrainingRequest(experiment.Id, "base", TrainingKind.BuiltIn,
            new BuiltInSpec(TrainingTask.Regression, TrainerAlgorithm.FastTree, "y", ["x"]), null, dataset.Id, version.Id), default);
        var navigation = Services.GetRequiredService<NavigationManager>();

        navigation.NavigateTo($"/studies/new?from={baseRun.Id}");
        var form = Render<NewStudyPage>();
        form.WaitForAssertion(() => form.FindAll("[data-testid=space-row]").Count.ShouldBe(4));
        form.Find("input[data-testid=study-objective]").GetAttribute("value").ShouldBe("rmse");
        form.Find("input[data-testid=study-max-trials]").Change("3");
        form.Find("[data-testid=study-submit]").Click();
        form.WaitForAssertion(() => navigation.Uri.ShouldContain("/studies/"));

        var (studies, total) = await Get<StudyService>().ListAsync(experiment.Id, 0, 10, default);
        total.ShouldBe(1);
        studies[0].MaxTrials.ShouldBe(3);
        var page = Render<StudyPage>(p => p.Add(x => x.Id, studies[0].Id));
        page.WaitForAssertion(() => page.Find("[data-testid=study-title]").TextContent.ShouldBe("base-search"));
        page.FindAll("[data-testid=trial-row]").Count.ShouldBe(2, "two trials run at a time");
        page.FindAll("[data-testid=cancel-study]").Count.ShouldBe(1);
        // The page refreshes itself every second: find and click in one renderer call.
        await page.InvokeAsync(() => page.Find("[data-testid=cancel-study]").Click());
        page.WaitForAssertion(() => page.Find("[data-testid=study-status]").TextContent.ShouldBe("Cancelled"));

        var list = Render<StudiesPage>();
        list.WaitForAssertion(() => list.Find("[data-testid=study-link]").TextContent.ShouldBe("base-search"));
    }
}
