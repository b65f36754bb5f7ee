using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using AiPlatform.Web.Features.Apps;
using AiPlatform.Web.Tests.Builders;
using Blazor.Diagrams.Core.Geometry;
using Bunit;

namespace AiPlatform.Web.Tests.Apps;

public sealed class AppRunPagesTests : PageTestBase
{
    public AppRunPagesTests()
    {
        JSInterop.Setup<Rectangle>("ZBlazorDiagrams.getBoundingClientRect", _ => true).SetResult(new Rectangle(0, 0, 1200, 800));
    }

    private async Task<App> AppAsync(string slug, AppGraph graph)
    {
        var apps = Get<AppService>();
        var app = await apps.CreateAsync(new AppInput("Greeter", slug, null, AppKind.Workflow), default);
        var draft = await apps.GetDraftAsync(app.Id, default);
        await apps.SaveDraftAsync(app.Id, graph, draft.Revision, default);
        return app;
    }

    /// <summary>
    /// Every run is a trace, written in the background: wait until its spans are stored (also so that nothing writes to
    /// the test's data directory after the test).
    /// </summary>
    private async Task TraceWrittenAsync(Guid appId) =>
        await TraceWrittenAsync((await Get<AppRunService>().ListAsync(appId, null, null, false, new(), default)).Items.ShouldHaveSingleItem().TraceId);

    private async Task TraceWrittenAsync(string? traceId)
    {
        traceId.ShouldNotBeNull();
        var deadline = DateTime.UtcNow + WaitTimeout;
        while (await Get<AiPlatform.Core.Tracing.ITraceStore>().FindSpansAsync(traceId, default) is null)
        {
            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"The trace {traceId} of the run was not written within {WaitTimeout}.");
            }

            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Running_the_draft_from_the_canvas_shows_the_outputs_and_a_badge_on_every_node()
    {
        var app = await AppAsync("greeter", AppGraphs.Greeter());
        var page = Render<AppEditorPage>(p => p.Add(x => x.Id, app.Id));
        page.WaitForAssertion(() => page.FindAll("[data-testid=app-node]").Count.ShouldBe(3));
        page.Find("[data-testid=problem-count]").TextContent.ShouldBe("0 problems");
        page.FindAll("[data-testid=app-node-badge]").ShouldBeEmpty();

        await page.InvokeAsync(() => page.Find("textarea[data-testid=input-name]").Change("Ada"));
        await page.InvokeAsync(() => page.Find("[data-testid=run-draft]").Click());

        page.WaitForAssertion(() => page.Find("[data-testid=run-result]").GetAttribute("data-status").ShouldBe("Succeeded"));
        page.Find("[data-testid=run-outputs]").TextContent.ShouldContain("Hello Ada!");
        page.WaitForAssertion(() => page.FindAll("[data-testid=app-node-badge]").Select(b => b.GetAttribute("data-status")).ShouldBe(["Succeeded", "Succeeded", "Succeeded"]));
        var run = (await Get<AppRunService>().ListAsync(app.Id, null, null, false, new(), default)).Items.ShouldHaveSingleItem();
        run.Source.ShouldBe(AppRunSources.Draft);
        page.Find("[data-testid=run-view-link]").GetAttribute("href").ShouldBe($"/apps/{app.Id}/runs/{run.Id}");

        // The run view lists every node execution in order, with what it got and what it produced.
        var view = Render<AppRunViewPage>(p => p.Add(x => x.Id, app.Id).Add(x => x.RunId, run.Id));
        view.WaitForAssertion(() => view.FindAll("[data-testid=node-execution]").Select(n => n.GetAttribute("data-node-id")).ShouldBe(["start", "code1", "end"]));
        view.Find("[data-testid=run-status]").TextContent.ShouldBe("Succeeded");
        view.Find("[data-testid=run-inputs]").TextContent.ShouldContain("Ada");
        await TraceWrittenAsync(app.Id);
        page.Find("[data-testid=run-trace-link]").GetAttribute("href").ShouldBe($"/traces/{run.TraceId}");
    }

    [Fact]
    public async Task A_failed_run_names_the_node_and_marks_it_on_the_canvas()
    {
        var app = await AppAsync("failing", AppGraphs.Failing());
        var page = Render<AppEditorPage>(p => p.Add(x => x.Id, app.Id));
        page.WaitForAssertion(() => page.FindAll("[data-testid=app-node]").Count.ShouldBe(3));

        await page.InvokeAsync(() => page.Find("[data-testid=run-draft]").Click());

        page.WaitForAssertion(() => page.Find("[data-testid=run-result]").GetAttribute("data-status").ShouldBe("Failed"));
        page.Find("[data-testid=run-error-node]").TextContent.ShouldBe("code1");
        page.Find("[data-testid=run-error]").TextContent.ShouldContain("no invoices today");
        page.WaitForAssertion(() => page.Find(".diagram-node[data-node-id=code1] .app-node").ClassList.ShouldContain("failed-run"));
        page.Find(".diagram-node[data-node-id=code1] [data-testid=app-node-badge]").GetAttribute("data-status").ShouldBe("Failed");
        page.FindAll(".diagram-node[data-node-id=end] [data-testid=app-node-badge][data-status=Succeeded]").ShouldBeEmpty();
        await TraceWrittenAsync(app.Id);
    }

    [Fact]
    public async Task A_chat_apps_draft_is_tried_on_the_canvas_as_a_conversation()
    {
        var apps = Get<AppService>();
        var app = await apps.CreateAsync(new AppInput("Echo", "echo-draft", null, AppKind.Chat), default);
        var draft = await apps.GetDraftAsync(app.Id, default);
        await apps.SaveDraftAsync(app.Id, AppGraphs.Echo(), draft.Revision, default);
        var page = Render<AppEditorPage>(p => p.Add(x => x.Id, app.Id));
        page.WaitForAssertion(() => page.FindAll("[data-testid=app-node]").Count.ShouldBe(2));

        foreach (var question in new[] { "first", "second" })
        {
            await page.InvokeAsync(() => page.Find("textarea[data-testid=run-question]").Change(question));
            await page.InvokeAsync(() => page.Find("[data-testid=run-draft]").Click());
            page.WaitForAssertion(() => page.FindAll("[data-testid=turn-answer]").Select(a => a.TextContent.Trim()).ShouldContain($"You said: {question}"));
        }

        page.FindAll("[data-testid=turn-question]").Select(q => q.TextContent).ShouldBe(["first", "second"]);
        var runs = (await Get<AppRunService>().ListAsync(app.Id, null, null, false, new(), default)).Items;
        runs.Select(r => r.ConversationId).Distinct().ShouldHaveSingleItem().ShouldNotBeNull();
        runs.ShouldAllBe(r => r.Source == AppRunSources.Draft);
        foreach (var run in runs)
        {
            await TraceWrittenAsync(run.TraceId);
        }
    }

    [Fact]
    public async Task The_app_page_runs_the_published_workflow_from_its_form_for_a_reader()
    {
        var app = await AppAsync("hello", AppGraphs.Greeter());
        await Get<AppVersionService>().PublishAsync(app.Id, "first", default);
        var reader = await Get<UserAdminService>().CreateAsync(new NewUser("rui", null, null, "Passw0rd-rui"), [], default);
        await Get<SharingService>().GrantAsync(SecurableTypes.App, app.Id, PrincipalType.User, reader.Id, PermissionLevel.Read, default);
        SignIn(reader.Id, "rui");

        var page = Render<AppRunPage>(p => p.Add(x => x.Slug, "hello"));

        page.WaitForAssertion(() => page.Find("[data-testid=app-title]").TextContent.ShouldBe("Greeter"));
        await page.InvokeAsync(() => page.Find("textarea[data-testid=input-name]").Change("Grace"));
        await page.InvokeAsync(() => page.Find("[data-testid=app-run]").Click());

        page.WaitForAssertion(() => page.Find("[data-testid=app-result]").GetAttribute("data-status").ShouldBe("Succeeded"));
        page.Find("[data-testid=app-output][data-name=greeting]").TextContent.ShouldContain("Hello Grace!");
        var run = (await Get<AppRunService>().ListAsync(app.Id, null, null, false, new(), default)).Items.ShouldHaveSingleItem();
        run.Source.ShouldBe(AppRunSources.Page);
        run.VersionNumber.ShouldBe(1);
        await TraceWrittenAsync(app.Id);
    }

    [Fact]
    public async Task The_app_page_of_a_chat_app_keeps_the_conversation()
    {
        var apps = Get<AppService>();
        var app = await apps.CreateAsync(new AppInput("Echo", "echo", null, AppKind.Chat), default);
        var draft = await apps.GetDraftAsync(app.Id, default);
        await apps.SaveDraftAsync(app.Id, AppGraphs.Echo(), draft.Revision, default);
        await Get<AppVersionService>().PublishAsync(app.Id, null, default);

        var page = Render<AppRunPage>(p => p.Add(x => x.Slug, "echo"));
        page.WaitForAssertion(() => page.Find("[data-testid=chat-empty]"));
        foreach (var question in new[] { "hello", "again" })
        {
            await page.InvokeAsync(() => page.Find("textarea[data-testid=chat-question]").Change(question));
            await page.InvokeAsync(() => page.Find("[data-testid=chat-send]").Click());
            page.WaitForAssertion(() => page.FindAll("[data-testid=turn-answer]").Select(a => a.TextContent.Trim()).ShouldContain($"You said: {question}"));
        }

        page.FindAll("[data-testid=turn-question]").Select(q => q.TextContent).ShouldBe(["hello", "again"]);
        var runs = (await Get<AppRunService>().ListAsync(app.Id, null, null, false, new(), default)).Items;
        runs.Count.ShouldBe(2);
        runs.Select(r => r.ConversationId).Distinct().ShouldHaveSingleItem().ShouldNotBeNull();
        foreach (var run in runs)
        {
            await TraceWrittenAsync(run.TraceId);
        }
    }

    [Fact]
    public async Task The_app_page_of_an_unpublished_app_says_so()
    {
        await AppAsync("draft-only", AppGraphs.Greeter());

        var page = Render<AppRunPage>(p => p.Add(x => x.Slug, "draft-only"));

        page.WaitForAssertion(() => page.Find("[data-testid=app-unavailable]").TextContent.ShouldContain("draft-only"));
        page.FindAll("[data-testid=app-run]").ShouldBeEmpty();
    }

    [Fact]
    public void A_picked_file_is_sent_as_its_bytes_and_one_over_the_limit_is_refused_in_the_form()
    {
        var values = new Dictionary<string, System.Text.Json.Nodes.JsonNode?>();
        var changes = 0;
        var form = Render<AppInputsForm>(p => p
            .Add(x => x.Fields, [new AppInputField("doc", "file", "Document", true, [])])
            .Add(x => x.Values, values)
            .Add(x => x.Changed, () => changes++));

        form.FindComponent<Microsoft.AspNetCore.Components.Forms.InputFile>().UploadFiles(InputFileContent.CreateFromBinary([0x89, 0x50, 0x4E, 0x47, 0], "cat.png", contentType: "image/png"));
        form.WaitForAssertion(() => values.ShouldContainKey("doc"));
        var file = values["doc"].ShouldBeOfType<System.Text.Json.Nodes.JsonObject>();
        file["name"]!.GetValue<string>().ShouldBe("cat.png");
        file["contentType"]!.GetValue<string>().ShouldBe("image/png");
        file["base64"]!.GetValue<string>().ShouldBe(Convert.ToBase64String([0x89, 0x50, 0x4E, 0x47, 0]));
        form.Markup.ShouldContain("cat.png");

        form.FindComponent<Microsoft.AspNetCore.Components.Forms.InputFile>().UploadFiles(InputFileContent.CreateFromBinary(new byte[AiPlatform.Core.Apps.Nodes.StartNode.MaxFileBytes + 1], "huge.pdf"));
        form.WaitForAssertion(() => form.Instance.HasErrors.ShouldBeTrue());
        values.ShouldNotContainKey("doc", "the file chosen before is not sent instead");
        form.Find("[data-testid=input-doc-error]").TextContent.ShouldNotBeNullOrWhiteSpace();
        changes.ShouldBe(2, "the caller hears of each choice, to enable or disable its Run button");
    }
}
