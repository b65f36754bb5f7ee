using System.Text.Json.Nodes;
using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using AiPlatform.Web.Features.Apps;
using AiPlatform.Web.Tests.Builders;
using Blazor.Diagrams.Core.Geometry;
using Bunit;
using Microsoft.AspNetCore.Components.Web;

namespace AiPlatform.Web.Tests.Apps;

public sealed class AppEditorPageTests : PageTestBase
{
    public AppEditorPageTests()
    {
        // The canvas measures itself and its ports through Z.Blazor.Diagrams' script; give it a size as a browser would.
        JSInterop.Setup<Rectangle>("ZBlazorDiagrams.getBoundingClientRect", _ => true).SetResult(new Rectangle(0, 0, 1200, 800));
    }

    private async Task<App> WorkflowAsync(string slug = "greeter")
    {
        var app = await Get<AppService>().CreateAsync(new AppInput("Greeter", slug, null, AppKind.Workflow), default);
        return app;
    }

    private IRenderedComponent<AppEditorPage> Editor(Guid id)
    {
        var page = Render<AppEditorPage>(p => p.Add(x => x.Id, id));
        page.WaitForAssertion(() => page.FindAll("[data-testid=app-node]").Count.ShouldBeGreaterThan(0));
        return page;
    }

    private static Task SelectAsync(IRenderedComponent<AppEditorPage> page, string nodeId) =>
        page.InvokeAsync(() => page.Find($".diagram-node[data-node-id={nodeId}]").PointerDown(new PointerEventArgs { Button = 0, PointerType = "mouse" }));

    [Fact]
    public async Task The_editor_renders_the_draft_and_a_selected_nodes_setting_is_autosaved_with_a_new_revision()
    {
        var app = await WorkflowAsync();
        var before = await Get<AppService>().GetDraftAsync(app.Id, default);

        var page = Editor(app.Id);
        page.FindAll("[data-testid=app-node]").Select(n => n.GetAttribute("data-node-type")).ShouldBe([AppNodeTypes.Start, AppNodeTypes.End]);
        page.FindAll("[data-testid=app-node-title]").Select(n => n.TextContent).ShouldBe(["Start", "End"]);
        page.Find("[data-testid=no-selection]");

        await SelectAsync(page, "end");
        page.WaitForAssertion(() => page.Find("[data-testid=node-panel]").GetAttribute("data-node-id").ShouldBe("end"));
        page.FindAll("[data-testid=setting]").Select(s => s.GetAttribute("data-setting")).ShouldBe(["outputs"]);

        await page.InvokeAsync(() => page.Find("input[data-testid=node-title]").Change("Result"));
        page.WaitForAssertion(() => page.Find("[data-testid=save-state]").GetAttribute("data-state").ShouldBe("Saved"));
        var after = await Get<AppService>().GetDraftAsync(app.Id, default);
        after.Revision.ShouldBe(before.Revision + 1);
        after.Graph.Find("end")!.Title.ShouldBe("Result");
        page.WaitForAssertion(() => page.Find(".diagram-node[data-node-id=end] [data-testid=app-node-title]").TextContent.ShouldBe("Result"));
    }

    [Fact]
    public async Task A_node_added_from_the_palette_is_marked_with_the_validators_problem_until_it_is_connected_and_undo_takes_it_away()
    {
        var app = await WorkflowAsync();
        var page = Editor(app.Id);
        page.Find("[data-testid=problem-count]").TextContent.ShouldBe("0 problems");

        await page.InvokeAsync(() => page.Find("[data-testid=palette-item][data-type=template]").Click());

        page.WaitForAssertion(() => page.FindAll("[data-testid=app-node]").Count.ShouldBe(3));
        var problem = page.Find(".diagram-node[data-node-id=template1] [data-testid=app-node-problem]");
        problem.TextContent.ShouldNotBeNullOrWhiteSpace();
        page.Find("[data-testid=problem-count]").TextContent.ShouldNotBe("0 problems");
        page.FindAll("[data-testid=problem]").Select(p => p.TextContent).ShouldContain(t => t.Contains("template1"));
        page.Find("[data-testid=run-draft]").HasAttribute("disabled").ShouldBeTrue();
        page.WaitForAssertion(() => page.Find("[data-testid=save-state]").GetAttribute("data-state").ShouldBe("Saved"));
        (await Get<AppService>().GetDraftAsync(app.Id, default)).Graph.Find("template1").ShouldNotBeNull();

        await page.InvokeAsync(() => page.Find("[data-testid=undo]").Click());
        page.WaitForAssertion(() => page.FindAll("[data-testid=app-node]").Count.ShouldBe(2));
        page.Find("[data-testid=problem-count]").TextContent.ShouldBe("0 problems");
        page.WaitForAssertion(() => page.Find("[data-testid=save-state]").GetAttribute("data-state").ShouldBe("Saved"));
        (await Get<AppService>().GetDraftAsync(app.Id, default)).Graph.Find("template1").ShouldBeNull();

        await page.InvokeAsync(() => page.Find("[data-testid=redo]").Click());
        page.WaitForAssertion(() => page.FindAll("[data-testid=app-node]").Count.ShouldBe(3));
    }

    [Fact]
    public async Task A_template_whose_Liquid_does_not_parse_is_marked_on_its_node_before_any_run()
    {
        var app = await WorkflowAsync();
        var draft = await Get<AppService>().GetDraftAsync(app.Id, default);
        var graph = draft.Graph;
        graph.Nodes.Add(new AppNode
        {
            Id = "template1", Type = AppNodeTypes.Template, X = 300, Y = 200,
            Config = new JsonObject { ["template"] = "Hello {% if %}", ["variables"] = new JsonArray() },
        });
        graph.Edges.Clear();
        graph.Edges.Add(new AppEdge { Source = "start", Target = "template1" });
        graph.Edges.Add(new AppEdge { Source = "template1", Target = "end" });
        await Get<AppService>().SaveDraftAsync(app.Id, graph, draft.Revision, default);

        var page = Editor(app.Id);

        page.WaitForAssertion(() => page.FindAll(".diagram-node[data-node-id=template1] [data-testid=app-node-problem]").Count.ShouldBe(1));
        page.FindAll(".diagram-node[data-node-id=start] [data-testid=app-node-problem]").ShouldBeEmpty();
        page.Find("[data-testid=run-draft]").HasAttribute("disabled").ShouldBeTrue();
    }

    [Fact]
    public async Task A_draft_saved_elsewhere_meanwhile_is_not_overwritten_and_can_be_reloaded()
    {
        var app = await WorkflowAsync();
        var page = Editor(app.Id);
        var draft = await Get<AppService>().GetDraftAsync(app.Id, default);
        draft.Graph.Find("end")!.Title = "Changed elsewhere";
        await Get<AppService>().SaveDraftAsync(app.Id, draft.Graph, draft.Revision, default);

        await SelectAsync(page, "start");
        page.WaitForAssertion(() => page.Find("[data-testid=node-panel]"));
        await page.InvokeAsync(() => page.Find("input[data-testid=node-title]").Change("Mine"));

        page.WaitForAssertion(() => page.Find("[data-testid=stale-draft]"));
        (await Get<AppService>().GetDraftAsync(app.Id, default)).Graph.Find("start")!.Title.ShouldBeNull();
        await page.InvokeAsync(() => page.Find("[data-testid=reload-draft]").Click());
        page.WaitForAssertion(() => page.Find(".diagram-node[data-node-id=end] [data-testid=app-node-title]").TextContent.ShouldBe("Changed elsewhere"));
        page.FindAll("[data-testid=stale-draft]").ShouldBeEmpty();
    }

    [Fact]
    public async Task A_read_only_user_sees_no_edit_controls_and_a_writer_sees_no_publish_button()
    {
        var app = await WorkflowAsync();
        var reader = await Get<UserAdminService>().CreateAsync(new NewUser("rita", null, null, "Passw0rd-rita"), [], default);
        await Get<SharingService>().GrantAsync(SecurableTypes.App, app.Id, PrincipalType.User, reader.Id, PermissionLevel.Read, default);
        SignIn(reader.Id, "rita");

        var page = Render<AppEditorPage>(p => p.Add(x => x.Id, app.Id));

        page.WaitForAssertion(() => page.Find("[data-testid=read-only]"));
        page.Find("[data-testid=app-page-link]").GetAttribute("href").ShouldBe("/a/greeter");
        page.FindAll("[data-testid=app-palette]").ShouldBeEmpty();
        page.FindAll("[data-testid=app-canvas]").ShouldBeEmpty();
        page.FindAll("[data-testid=node-panel]").ShouldBeEmpty();
        page.FindAll("[data-testid=publish]").ShouldBeEmpty();
        page.FindAll("[data-testid=run-draft]").ShouldBeEmpty();
    }

    [Fact]
    public async Task A_writer_edits_but_may_not_publish()
    {
        var app = await WorkflowAsync();
        var writer = await Get<UserAdminService>().CreateAsync(new NewUser("wes", null, null, "Passw0rd-wes"), [], default);
        await Get<SharingService>().GrantAsync(SecurableTypes.App, app.Id, PrincipalType.User, writer.Id, PermissionLevel.Write, default);
        SignIn(writer.Id, "wes");

        var page = Editor(app.Id);

        page.Find("[data-testid=app-palette]");
        page.FindAll("[data-testid=publish]").ShouldBeEmpty();
        page.Find("[data-testid=versions-panel]").TextContent.ShouldContain("Publishing and rolling back need Manage access.");
    }

    [Fact]
    public async Task In_Chinese_the_canvas_palette_and_panels_read_in_Chinese()
    {
        var app = await WorkflowAsync();
        using var chinese = InCulture("zh-CN");

        var page = Editor(app.Id);

        page.FindAll("[data-testid=app-node-title]").Select(n => n.TextContent).ShouldBe(["开始", "结束"]);
        page.Find("[data-testid=palette-item][data-type=llm]").TextContent.Trim().ShouldBe("大模型");
        page.Find("[data-testid=app-kind]").TextContent.ShouldBe("工作流");
        page.Find("[data-testid=problem-count]").TextContent.ShouldBe("0 个问题");
        page.Markup.ShouldContain("运行草稿");
        await SelectAsync(page, "start");
        page.WaitForAssertion(() => page.Find("[data-testid=node-panel-type]").TextContent.ShouldBe("开始"));
        page.Find("[data-testid=node-panel]").TextContent.ShouldContain("输入字段");

        // A problem names the setting by its label, not its key.
        await page.InvokeAsync(() => page.Find("[data-testid=palette-item][data-type=llm]").Click());
        page.WaitForAssertion(() => page.FindAll("[data-testid=problem]").Select(p => p.TextContent).ShouldContain(t => t.Contains("需要设置“模型”")));
    }

    [Fact]
    public async Task A_node_is_copied_pasted_and_duplicated_with_a_new_id_and_start_nodes_or_foreign_text_are_refused()
    {
        var app = await WorkflowAsync();
        var draft = await Get<AppService>().GetDraftAsync(app.Id, default);
        await Get<AppService>().SaveDraftAsync(app.Id, AppGraphs.Greeter(), draft.Revision, default);
        var page = Editor(app.Id);
        var snackbars = Render<MudBlazor.MudSnackbarProvider>();
        await SelectAsync(page, "code1");
        var copied = page.Instance.SelectionJson().ShouldNotBeNull();
        copied.ShouldStartWith("""{"aiplatform":"app-node","node":{"id":"code1","type":"code",""");

        // Duplicate: code2, 40 px below and right, selected; the copy's references to its own id follow it.
        await page.InvokeAsync(() => page.Instance.OnShortcut("duplicate"));
        page.WaitForAssertion(() => page.FindAll("[data-testid=app-node]").Count.ShouldBe(4));
        var pasted = JsonNode.Parse(copied)!["node"]!.AsObject();
        pasted["id"] = "code1";
        pasted["config"]!["code"] = "function main(inputs) { return { text: '{{ code1.text }}' }; }";
        await page.InvokeAsync(() => page.Instance.OnPaste(new JsonObject { ["aiplatform"] = "app-node", ["node"] = pasted.DeepClone() }.ToJsonString()));
        page.WaitForAssertion(() => page.FindAll("[data-testid=app-node]").Count.ShouldBe(5));
        await page.InvokeAsync(() => page.Instance.OnShortcut("save"));
        var saved = (await Get<AppService>().GetDraftAsync(app.Id, default)).Graph;
        var original = saved.Find("code1").ShouldNotBeNull();
        var duplicate = saved.Find("code2").ShouldNotBeNull();
        duplicate.Config.ToJsonString().ShouldBe(original.Config.ToJsonString());
        (duplicate.X, duplicate.Y).ShouldBe((original.X + 40, original.Y + 40));
        saved.Find("code3").ShouldNotBeNull().Config["code"]!.GetValue<string>().ShouldContain("{{ code3.text }}");

        // The start node is not copied; a start node or another app kind's node on the clipboard is refused.
        await SelectAsync(page, "start");
        page.Instance.SelectionJson().ShouldBeNull();
        page.WaitForAssertion(() => page.FindAll("[data-testid=row-type]").Count.ShouldBe(1));
        page.FindAll("[data-testid=row-options]").ShouldBeEmpty("a text field has no options to edit");
        await page.InvokeAsync(() => page.Instance.OnPaste("""{"aiplatform":"app-node","node":{"id":"start","type":"start","config":{}}}"""));
        await page.InvokeAsync(() => page.Instance.OnPaste("""{"aiplatform":"app-node","node":{"id":"answer","type":"answer","config":{}}}"""));
        snackbars.WaitForAssertion(() => snackbars.FindAll(".mud-snackbar").Count.ShouldBe(2));
        page.FindAll("[data-testid=app-node]").Count.ShouldBe(5);
    }

    [Fact]
    public async Task A_pasted_iteration_gets_new_ids_for_itself_and_its_body_and_references_follow()
    {
        var app = await WorkflowAsync();
        var page = Editor(app.Id);
        var body = new JsonObject
        {
            ["nodes"] = new JsonArray(
                new JsonObject { ["id"] = "code2", ["type"] = "code", ["config"] = new JsonObject { ["code"] = "function main(i) { return { n: i.n }; }", ["inputs"] = new JsonArray(new JsonObject { ["name"] = "n", ["value"] = "{{iter.item}}" }) } },
                new JsonObject { ["id"] = "code1", ["type"] = "code", ["config"] = new JsonObject { ["code"] = "function main(i) { return { n: i.n }; }", ["inputs"] = new JsonArray(new JsonObject { ["name"] = "n", ["value"] = "{{code2.n}}" }) } }),
            ["edges"] = new JsonArray(new JsonObject { ["source"] = "code2", ["target"] = "code1" }),
        };
        var iteration = new JsonObject { ["id"] = "iter", ["type"] = "iteration", ["x"] = 300, ["y"] = 100, ["config"] = new JsonObject { ["items"] = "{{start.items}}", ["body"] = body, ["output"] = "{{code1.n}}", ["appId"] = Guid.NewGuid().ToString() } };
        var clipboard = new JsonObject { ["aiplatform"] = "app-node", ["node"] = iteration }.ToJsonString();

        await page.InvokeAsync(() => page.Instance.OnPaste(clipboard));
        await page.InvokeAsync(() => page.Instance.OnPaste(clipboard));
        await page.InvokeAsync(() => page.Instance.OnShortcut("save"));
        var saved = (await Get<AppService>().GetDraftAsync(app.Id, default)).Graph;
        var copies = saved.Nodes.Where(n => n.Type == AppNodeTypes.Iteration).ToList();
        copies.Select(n => n.Id).ShouldBe(["iteration1", "iteration2"]);
        var bodies = copies.Select(n => AppNodeCatalog.Body(n)!).ToList();
        var innerIds = bodies.SelectMany(b => b.Nodes.Select(n => n.Id)).ToList();
        innerIds.Distinct().Count().ShouldBe(4, "no inner id is shared between the copies");
        var first = bodies[0];
        // code2 was first in the body, code1 second; the edge and the references follow each node, whatever its new name.
        var (head, tail) = (first.Nodes[0], first.Nodes[1]);
        first.Edges.ShouldHaveSingleItem().Source.ShouldBe(head.Id);
        first.Edges[0].Target.ShouldBe(tail.Id);
        head.Config.ToJsonString().ShouldContain("{{iteration1.item}}");
        tail.Config.ToJsonString().ShouldContain("{{" + head.Id + ".n}}");
        copies[0].Config["output"]!.GetValue<string>().ShouldBe("{{" + tail.Id + ".n}}");
        AppGraphValidator.Validate(saved, AppKind.Workflow).ShouldNotContain(p => p.Key == "Apps.Error.NodeIdDuplicate");
    }
}
