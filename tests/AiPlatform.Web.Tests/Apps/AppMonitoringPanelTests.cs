using System.Text.Json.Nodes;
using AiPlatform.Core.Apps;
using AiPlatform.Web.Features.Apps;
using AiPlatform.Web.Tests.Builders;
using Bunit;

namespace AiPlatform.Web.Tests.Apps;

/// <summary>The editor's monitoring tab over real runs: the summary, the per-node table and the two charts.</summary>
public sealed class AppMonitoringPanelTests : PageTestBase
{
    [Fact]
    public async Task The_panel_shows_the_runs_errors_and_a_row_per_node_from_real_runs()
    {
        var apps = Get<AppService>();
        var app = await apps.CreateAsync(new AppInput("Watched", "watched-panel", null, AppKind.Workflow), default);
        var draft = await apps.GetDraftAsync(app.Id, default);
        await apps.SaveDraftAsync(app.Id, AppGraphs.Greeter(), draft.Revision, default);
        var runs = Get<AppRunService>();
        await runs.RunDraftAsync(app.Id, new AppRunInput(new JsonObject { ["name"] = "Ada" }), null, default);
        await runs.RunDraftAsync(app.Id, new AppRunInput(new JsonObject { ["name"] = "Grace" }), null, default);
        draft = await apps.GetDraftAsync(app.Id, default);
        await apps.SaveDraftAsync(app.Id, AppGraphs.Failing(), draft.Revision, default);
        (await runs.RunDraftAsync(app.Id, new AppRunInput([]), null, default)).Status.ShouldBe(AppRunStatus.Failed);

        var panel = Render<AppMonitoringPanel>(p => p.Add(x => x.AppId, app.Id));

        panel.WaitForAssertion(() => panel.Find("[data-testid=monitoring-runs]").TextContent.ShouldBe("3"));
        panel.Find("[data-testid=monitoring-errors]").TextContent.ShouldStartWith("1 (");
        panel.Find("[data-testid=monitoring-node-code1]").QuerySelectorAll("td")[1].TextContent.ShouldBe("3");
        panel.Find("[data-testid=monitoring-node-code1]").QuerySelectorAll("td")[2].TextContent.ShouldBe("1");
        panel.Find("[data-testid=monitoring-node-end]").QuerySelectorAll("td")[1].TextContent.ShouldBe("2");
        panel.FindAll("[data-testid=monitoring-runs-chart]").Count.ShouldBe(1);
        panel.FindAll("[data-testid=monitoring-latency-chart]").Count.ShouldBe(1);
        panel.FindAll("[data-testid=monitoring-keys]").ShouldBeEmpty();
    }
}
