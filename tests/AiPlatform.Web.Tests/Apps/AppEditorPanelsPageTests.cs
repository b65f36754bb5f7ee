using System.Text.Json.Nodes;
using AiPlatform.Core.Apps;
using AiPlatform.Web.Features.Apps;
using AiPlatform.Web.Tests.Builders;
using Blazor.Diagrams.Core.Geometry;
using Bunit;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace AiPlatform.Web.Tests.Apps;

/// <summary>The editor's side panels: versions (publish, diff, restore), a node run alone, and an iteration's body.</summary>
public sealed class AppEditorPanelsPageTests : PageTestBase
{
    public AppEditorPanelsPageTests()
    {
        JSInterop.Setup<Rectangle>("ZBlazorDiagrams.getBoundingClientRect", _ => true).SetResult(new Rectangle(0, 0, 1200, 800));
    }

    private async Task<App> AppAsync(string slug, AppGraph? graph = null)
    {
        var apps = Get<AppService>();
        var app = await apps.CreateAsync(new AppInput("Greeter", slug, null, AppKind.Workflow), default);
        if (graph is not null)
        {
            var draft = await apps.GetDraftAsync(app.Id, default);
            await apps.SaveDraftAsync(app.Id, graph, draft.Revision, default);
        }

        return app;
    }

    private IRenderedComponent<AppEditorPage> Editor(Guid id, int nodes)
    {
        var page = Render<AppEditorPage>(p => p.Add(x => x.Id, id));
        page.WaitForAssertion(() => page.FindAll("[data-testid=app-node]").Count.ShouldBe(nodes));
        return page;
    }

    private static Task SelectAsync(IRenderedComponent<AppEditorPage> page, string nodeId) =>
        page.InvokeAsync(() => page.Find($".diagram-node[data-node-id={nodeId}]").PointerDown(new PointerEventArgs { Button = 0, PointerType = "mouse" }));

    [Fact]
    public async Task A_manager_publishes_with_a_message_compares_the_version_with_the_draft_and_restores_it()
    {
        var app = await AppAsync("versions", AppGraphs.Greeter());
        var popovers = Render<MudPopoverProvider>();
        var page = Editor(app.Id, 3);
        page.Find("[data-testid=versions-empty]");

        await page.InvokeAsync(() => page.Find("textarea[data-testid=publish-message]").Change("First greeting"));
        await page.InvokeAsync(() => page.Find("[data-testid=publish]").Click());

        page.WaitForAssertion(() => page.FindAll("[data-testid=version]").Count.ShouldBe(1));
        page.Find("[data-testid=version-message]").TextContent.ShouldBe("First greeting");
        page.Find("[data-testid=version-published]").TextContent.ShouldBe("Published");
        var published = await Get<AppService>().GetPublishedAsync("versions", default);
        published.Version.ShouldBe(1);

        // A change of the draft shows up in the comparison with version 1.
        await SelectAsync(page, "end");
        page.WaitForAssertion(() => page.Find("[data-testid=node-panel]").GetAttribute("data-node-id").ShouldBe("end"));
        await page.InvokeAsync(() => page.Find("input[data-testid=node-title]").Change("Answer"));
        page.WaitForAssertion(() => page.Find("[data-testid=save-state]").GetAttribute("data-state").ShouldBe("Saved"));
        await page.InvokeAsync(() => page.Find("[data-testid=diff-compare]").Click());
        page.WaitForAssertion(() => page.Find("[data-testid=diff-changed]").TextContent.ShouldContain("end"));
        page.Find("[data-testid=diff-changed]").TextContent.ShouldContain("Title");
        page.FindAll("[data-testid=diff-added]").ShouldBeEmpty();

        // Restoring version 1 puts its graph back on the canvas and in the saved draft.
        await page.InvokeAsync(() => page.Find("[data-testid=version-menu] button").Click());
        popovers.WaitForAssertion(() => popovers.Find("[data-testid=version-restore]"));
        await popovers.InvokeAsync(() => popovers.Find("[data-testid=version-restore]").Click());
        page.WaitForAssertion(() => page.Find(".diagram-node[data-node-id=end] [data-testid=app-node-title]").TextContent.ShouldBe("End"));
        (await Get<AppService>().GetDraftAsync(app.Id, default)).Graph.Find("end")!.Title.ShouldBeNull();
    }

    [Fact]
    public async Task The_runs_and_monitoring_tabs_show_a_run_made_after_the_editor_was_opened()
    {
        var app = await AppAsync("tabs-fresh", AppGraphs.Greeter());
        var page = Editor(app.Id, 3);
        page.WaitForAssertion(() => page.Find("[data-testid=runs-empty]"));
        page.WaitForAssertion(() => page.Find("[data-testid=monitoring-runs]").TextContent.ShouldBe("0"));

        // A run from elsewhere (the app's page, the API) while the editor is open: the tabs, kept alive, load again when opened.
        await Get<AppRunService>().RunDraftAsync(app.Id, new AppRunInput(new JsonObject { ["name"] = "Ada" }), null, default);
        await page.InvokeAsync(() => page.FindAll(".app-side .mud-tab")[4].Click());
        page.WaitForAssertion(() => page.FindAll("[data-testid=run-link]").Count.ShouldBe(1));
        await page.InvokeAsync(() => page.FindAll(".app-side .mud-tab")[8].Click());
        page.WaitForAssertion(() => page.Find("[data-testid=monitoring-runs]").TextContent.ShouldBe("1"));
    }

    [Fact]
    public async Task A_node_runs_alone_with_the_variables_given_for_the_nodes_before_it()
    {
        var app = await AppAsync("alone", AppGraphs.Greeter());
        var page = Editor(app.Id, 3);
        await SelectAsync(page, "code1");
        page.WaitForAssertion(() => page.Find("[data-testid=node-panel]").GetAttribute("data-node-id").ShouldBe("code1"));
        JsonNode.Parse(page.Find("textarea[data-testid=node-variables]").TextContent)!.AsObject().Select(p => p.Key).ShouldBe(["start"]);

        await page.InvokeAsync(() => page.Find("textarea[data-testid=node-variables]").Change("""{"start": {"name": "Lin"}}"""));
        await page.InvokeAsync(() => page.Find("[data-testid=run-node]").Click());

        page.WaitForAssertion(() => page.Find("[data-testid=node-run-result]").GetAttribute("data-status").ShouldBe("Succeeded"));
        page.Find("[data-testid=node-run-outputs]").TextContent.ShouldContain("Hello Lin!");
        var run = (await Get<AppRunService>().ListAsync(app.Id, null, null, false, new(), default)).Items.ShouldHaveSingleItem();
        run.Source.ShouldBe(AppRunSources.Node);

        // The node's run is a trace too, written in the background (its id is not on the run): wait until it is stored.
        var deadline = DateTime.UtcNow + WaitTimeout;
        while (!await AdminTraceWrittenAsync())
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("The single node's trace was not written.");
            }

            await Task.Delay(50);
        }
    }

    private async Task<bool> AdminTraceWrittenAsync()
    {
        var experiment = await Get<AiPlatform.Core.Tracking.ITrackingStore>().FindExperimentByNameAsync(AdminId, AiPlatform.Core.Tracing.PlatformTraceWriter.ExperimentName("admin"), default);
        if (experiment is null)
        {
            return false;
        }

        var page = await Get<AiPlatform.Core.Tracing.ITraceStore>().SearchAsync(new([experiment.Id], [], [], 0, 10), default);
        return page.Traces.Count > 0 && await Get<AiPlatform.Core.Tracing.ITraceStore>().FindSpansAsync(page.Traces[0].Info.TraceId, default) is not null;
    }

    [Fact]
    public async Task An_iterations_body_opens_in_the_same_canvas_and_its_nodes_are_saved_inside_the_iteration()
    {
        var app = await AppAsync("bodies");
        var popovers = Render<MudPopoverProvider>();
        var page = Editor(app.Id, 2);

        await page.InvokeAsync(() => page.Find("[data-testid=palette-item][data-type=iteration]").Click());
        page.WaitForAssertion(() => page.Find("[data-testid=node-panel]").GetAttribute("data-node-id").ShouldBe("iteration1"));
        await page.InvokeAsync(() => page.Find("[data-testid=open-body]").Click());

        page.WaitForAssertion(() => page.FindAll("[data-testid=app-node]").ShouldBeEmpty());
        page.Find("[data-testid=breadcrumb-item]").TextContent.ShouldBe("iteration1");
        await page.InvokeAsync(() => page.Find("[data-testid=palette-item][data-type=template]").Click());
        page.WaitForAssertion(() => page.FindAll("[data-testid=app-node]").Select(n => n.GetAttribute("data-node-id")).ShouldBe(["template1"]));

        // Inside the body the variable picker offers the iteration's item and index.
        page.WaitForAssertion(() => page.Find("[data-testid=node-panel]").GetAttribute("data-node-id").ShouldBe("template1"));
        await page.InvokeAsync(() => page.Find("[data-testid=setting-template-variables] button").Click());
        popovers.WaitForAssertion(() => popovers.FindAll("[data-testid=variable-option]").Select(o => o.GetAttribute("data-reference")).ShouldContain("iteration1.item"));
        popovers.FindAll("[data-testid=variable-option]").Select(o => o.GetAttribute("data-reference")).ShouldNotContain("iteration1.results");

        await page.InvokeAsync(() => page.Find("[data-testid=breadcrumb-root]").Click());
        page.WaitForAssertion(() => page.FindAll("[data-testid=app-node]").Count.ShouldBe(3));
        page.WaitForAssertion(() => page.Find("[data-testid=save-state]").GetAttribute("data-state").ShouldBe("Saved"));
        var iteration = (await Get<AppService>().GetDraftAsync(app.Id, default)).Graph.Find("iteration1")!;
        AppEditorState.BodyOf(iteration).Nodes.ShouldHaveSingleItem().Type.ShouldBe(AppNodeTypes.Template);
    }
}
