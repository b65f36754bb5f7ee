using System.Text;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Data;
using AiPlatform.Core.Jobs;
using AiPlatform.Web.Features.Apps;
using AiPlatform.Web.Tests.Builders;
using Bunit;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace AiPlatform.Web.Tests.Apps;

/// <summary>The editor's evaluations tab: the start form maps columns by name, the evaluation is queued, and once its job ran it shows its metrics and its run.</summary>
public sealed class AppEvaluationsPanelTests : PageTestBase
{
    [Fact]
    public async Task The_form_maps_columns_by_name_starts_an_evaluation_and_the_list_shows_its_metrics_and_run()
    {
        var apps = Get<AppService>();
        var app = await apps.CreateAsync(new AppInput("Greeter", "panel-eval", null, AppKind.Workflow), default);
        var draft = await apps.GetDraftAsync(app.Id, default);
        await apps.SaveDraftAsync(app.Id, AppGraphs.Greeter(), draft.Revision, default);
        await Get<AppVersionService>().PublishAsync(app.Id, "v1", default);
        app = (await apps.GetAsync(app.Id, default)).App;
        var datasets = Get<DatasetService>();
        var dataset = await datasets.CreateAsync("greetings", null, null, default);
        await using (var csv = new MemoryStream(Encoding.UTF8.GetBytes("name,expected\nAda,Hello Ada!\nBob,Hello Bob!\n")))
        {
            await datasets.UploadAsync(dataset.Id, csv, "greetings.csv", null, default);
        }

        Render<MudPopoverProvider>();
        var panel = Render<AppEvaluationsPanel>(p => p.Add(x => x.App, app));
        panel.WaitForAssertion(() => panel.Find("[data-testid=evaluations-empty]"));
        await panel.InvokeAsync(() => panel.Find("[data-testid=evaluation-new]").Click());
        panel.WaitForAssertion(() => panel.Find("[data-testid=evaluation-form]"));
        panel.WaitForAssertion(() => panel.FindAll("[data-testid=evaluation-scorer]").Count.ShouldBe(1));
        await panel.InvokeAsync(() => panel.Find("[data-testid=evaluation-start]").Click());

        panel.WaitForAssertion(() => panel.FindAll("[data-testid=evaluation]").Count.ShouldBe(1));
        panel.FindAll("[data-testid=evaluation-form]").ShouldBeEmpty();
        var evaluation = (await Get<AppEvaluationService>().ListAsync(app.Id, new Core.Common.PageRequest(), default)).Items.Single();
        var settings = AppEvaluationSettings.FromJson(evaluation.SettingsJson);
        settings.Inputs!["name"].ShouldBe("name");
        settings.Expected.ShouldBe("expected");
        settings.Scorers.Single().Kind.ShouldBe("exact");
        evaluation.DatasetVersion.ShouldBe(1);

        // The job (no workers run in page tests) is run here, as the platform's job runner would.
        var job = (await Get<IJobStore>().FindAsync(evaluation.JobId!.Value, default))!;
        var handler = Services.CreateScope().ServiceProvider.GetServices<IJobHandler>().Single(h => h.Kind == AppEvaluationHandler.JobKind);
        await handler.RunAsync(new JobExecutionContext(job, Get<IJobStore>(), TimeProvider.System), default);

        await panel.InvokeAsync(() => panel.Find("[data-testid=evaluations-refresh]").Click());
        panel.WaitForAssertion(() => panel.Find("[data-testid=evaluation-status]").TextContent.ShouldBe("Succeeded"));
        panel.Find("[data-testid=evaluation-pass-rate]").TextContent.ShouldContain("100");
        panel.Find("[data-testid=evaluation-progress]").TextContent.ShouldContain("2/2");
        panel.Find("[data-testid=evaluation-run]").GetAttribute("href").ShouldStartWith("/runs/");
    }
}
