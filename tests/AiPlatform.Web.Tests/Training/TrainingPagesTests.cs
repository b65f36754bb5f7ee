using AiPlatform.Core.Data;
using AiPlatform.Core.Projects;
using AiPlatform.Core.Tracking;
using AiPlatform.Core.Training;
using AiPlatform.Web.Features.Training;
using AiPlatform.Web.Tests.Builders;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;

namespace AiPlatform.Web.Tests.Training;

public sealed class TrainingPagesTests : PageTestBase
{
    [Fact]
    public async Task Training_list_shows_runs_with_status_and_the_run_page_shows_queue_position_and_settings()
    {
        var (experiment, dataset, version) = await SeedAsync();
        var training = Get<TrainingSubmitService>();
        var first = await Submit(training, experiment, dataset, version, "first");
        var second = await Submit(training, experiment, dataset, version, "second");
        var third = await Submit(training, experiment, dataset, version, "third");

        var list = Render<TrainingRunsPage>();
        list.WaitForAssertion(() => list.FindAll("[data-testid=training-link]").Count.ShouldBe(3));
        list.Markup.ShouldContain("Queued");

        var page = Render<TrainingRunPage>(p => p.Add(x => x.Id, third.Id));
        page.WaitForAssertion(() => page.Find("[data-testid=training-title]").TextContent.ShouldBe("third"));
        page.Find("[data-testid=queue-position]").TextContent.ShouldContain("#1");
        page.Find("[data-testid=training-what]").TextContent.ShouldBe("LightGBM · Binary classification · label churned");
        page.FindAll("[data-testid=cancel-training]").Count.ShouldBe(1);

        // The page refreshes itself every second: find and click in one renderer call.
        await page.InvokeAsync(() => page.Find("[data-testid=cancel-training]").Click());
        page.WaitForAssertion(() => page.Find("[data-testid=training-status]").TextContent.ShouldBe("Cancelled"));
        page.FindAll("[data-testid=retry-training]").Count.ShouldBe(1);
        _ = (first, second);
    }

    [Fact]
    public async Task The_wizard_checks_each_step_and_clone_and_edit_submits_a_copy()
    {
        var (experiment, dataset, version) = await SeedAsync();
        var original = await Submit(Get<TrainingSubmitService>(), experiment, dataset, version, "baseline");
        var navigation = Services.GetRequiredService<NavigationManager>();

        navigation.NavigateTo("/training/new");
        var blank = Render<NewTrainingPage>();
        blank.Find("[data-testid=wizard-next]").Click();
        blank.Find("[data-testid=wizard-next]").Click();
        blank.WaitForAssertion(() => blank.Find("[data-testid=wizard-error]").TextContent.ShouldContain("dataset version"));

        navigation.NavigateTo($"/training/new?clone={original.Id}");
        var wizard = Render<NewTrainingPage>();
        wizard.WaitForAssertion(() => wizard.Find("input[data-testid=wizard-name]").GetAttribute("value").ShouldBe("baseline-rerun"));
        for (var i = 0; i < 3; i++)
        {
            wizard.Find("[data-testid=wizard-next]").Click();
        }

        wizard.Find("[data-testid=wizard-submit]").Click();
        wizard.WaitForAssertion(() => navigation.Uri.ShouldContain("/training/"));
        var (runs, total) = await Get<TrainingService>().ListAsync(new TrainingQuery(null, experiment.Id, null, "baseline-rerun", 0, 10), default);
        total.ShouldBe(1);
        runs[0].SpecJson.ShouldBe(original.SpecJson);
        navigation.Uri.ShouldEndWith($"/training/{runs[0].Id}");
    }

    [Fact]
    public async Task The_wizard_offers_custom_code_only_to_users_with_the_custom_code_capability_and_says_why()
    {
        var admin = Render<NewTrainingPage>();
        admin.WaitForAssertion(() => admin.Find("[data-testid=wizard-kind]"));
        admin.FindAll("[data-testid=wizard-custom-not-allowed]").ShouldBeEmpty();
        CustomRadio(admin).HasAttribute("disabled").ShouldBeFalse();

        var analyst = await Get<Core.Access.UserAdminService>().CreateAsync(new Core.Access.NewUser("ana", null, null, "Passw0rd-ana"), [Core.Access.SystemRoles.IdOf(Core.Access.SystemRoles.DataAnalyst)], default);
        SignIn(analyst.Id, "ana");
        var page = Render<NewTrainingPage>();
        page.WaitForAssertion(() => page.Find("[data-testid=wizard-custom-not-allowed]").TextContent.ShouldContain("training.custom-code"));
        CustomRadio(page).HasAttribute("disabled").ShouldBeTrue();
    }

    private static AngleSharp.Dom.IElement CustomRadio(IRenderedComponent<NewTrainingPage> page)
    {
        var radio = page.Find("[data-testid=wizard-kind-custom]");
        return radio.TagName == "INPUT" ? radio : radio.QuerySelector("input") ?? throw new InvalidOperationException(radio.OuterHtml);
    }

    private static Task<TrainingRun> Submit(TrainingSubmitService training, Experiment experiment, Dataset dataset, DatasetVersion version, string name) =>
        training.SubmitAsync(new TrainingRequest(experiment.Id, name, TrainingKind.BuiltIn,
            new BuiltInSpec(TrainingTask.BinaryClassification, TrainerAlgorithm.LightGbm, "churned", ["tenure"]), null, dataset.Id, version.Id), default);

    private async Task<(Experiment Experiment, Dataset Dataset, DatasetVersion Version)> SeedAsync()
    {
        var project = await Get<ProjectService>().CreateAsync("ml", null, default);
        var experiment = await Get<ExperimentService>().CreateExperimentAsync(project.Id, "churn", null, default);
        var datasets = Get<DatasetService>();
        var dataset = await datasets.CreateAsync("customers", null, null, default);
        var version = (await datasets.UploadAsync(dataset.Id, new MemoryStream("tenure,churned\n1,yes\n40,no\n"u8.ToArray()), "c.csv", null, default)).Version;
        return (experiment, dataset, version);
    }
}
