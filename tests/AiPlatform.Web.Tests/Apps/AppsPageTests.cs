using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using AiPlatform.Web.Features.Apps;
using AiPlatform.Web.Tests.Builders;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;

namespace AiPlatform.Web.Tests.Apps;

public sealed class AppsPageTests : PageTestBase
{
    [Fact]
    public async Task The_list_shows_only_the_apps_the_user_can_read()
    {
        var apps = Get<AppService>();
        var hidden = await apps.CreateAsync(new AppInput("Support bot", "support-bot", null, AppKind.Chat), default);
        var shared = await apps.CreateAsync(new AppInput("Invoice reader", "invoice-reader", "Reads invoices", AppKind.Workflow), default);
        var reader = await Get<UserAdminService>().CreateAsync(new NewUser("rosa", null, null, "Passw0rd-rosa"), [], default);
        await Get<SharingService>().GrantAsync(SecurableTypes.App, shared.Id, PrincipalType.User, reader.Id, PermissionLevel.Read, default);
        SignIn(reader.Id, "rosa");

        var page = Render<AppsPage>();

        page.WaitForAssertion(() => page.FindAll("[data-testid=app-link]").Select(a => a.TextContent).ShouldBe(["Invoice reader"]));
        page.Markup.ShouldNotContain(hidden.Name);
        page.Find("[data-testid=app-kind]").TextContent.ShouldBe("Workflow");
        page.Find("[data-testid=app-published]").TextContent.ShouldContain("Not published");
        page.FindAll("[data-testid=new-app]").ShouldBeEmpty();
        page.FindAll("[data-testid=import-app]").ShouldBeEmpty();
    }

    [Fact]
    public async Task The_create_dialog_suggests_the_address_refuses_bad_input_and_creates_a_chat_app_with_a_starter_graph()
    {
        Render<MudPopoverProvider>();
        var dialogs = Render<MudDialogProvider>();
        var page = Render<AppsPage>();
        page.WaitForAssertion(() => page.Find("[data-testid=apps-empty]"));
        await page.InvokeAsync(() => page.Find("[data-testid=new-app]").Click());

        dialogs.WaitForAssertion(() => dialogs.Find("[data-testid=create-app-form]"));
        dialogs.Find("input[data-testid=app-name]").Input("Ticket Triage 2");
        dialogs.WaitForAssertion(() => dialogs.Find("input[data-testid=app-slug]").GetAttribute("value").ShouldBe("ticket-triage-2"));

        // A slug the platform refuses is explained before anything is created.
        dialogs.Find("input[data-testid=app-slug]").Change("Ticket Triage!");
        await dialogs.InvokeAsync(() => dialogs.Find("[data-testid=create-app]").Click());
        dialogs.WaitForAssertion(() => dialogs.Markup.ShouldContain("The address is 2–63 lower-case letters"));
        (await Get<AppService>().ListAsync(null, new(), default)).Items.ShouldBeEmpty();

        dialogs.Find("input[data-testid=app-slug]").Change("triage");
        await dialogs.InvokeAsync(() => dialogs.Find("[data-testid=kind-chat]").Click());
        await dialogs.InvokeAsync(() => dialogs.Find("[data-testid=create-app]").Click());

        var created = (await Get<AppService>().ListAsync(null, new(), default)).Items.ShouldHaveSingleItem();
        created.Name.ShouldBe("Ticket Triage 2");
        created.Slug.ShouldBe("triage");
        created.Kind.ShouldBe(AppKind.Chat);
        Services.GetRequiredService<NavigationManager>().Uri.ShouldEndWith($"/apps/{created.Id}");
        var draft = await Get<AppService>().GetDraftAsync(created.Id, default);
        draft.Graph.Nodes.Select(n => n.Type).ShouldBe([AppNodeTypes.Start, AppNodeTypes.Answer]);
        draft.Graph.Edges.ShouldHaveSingleItem().Target.ShouldBe(draft.Graph.Nodes[1].Id);
    }

    [Fact]
    public async Task A_taken_address_is_refused_with_the_services_reason()
    {
        await Get<AppService>().CreateAsync(new AppInput("First", "taken", null), default);
        Render<MudPopoverProvider>();
        var dialogs = Render<MudDialogProvider>();
        var page = Render<AppsPage>();
        page.WaitForAssertion(() => page.FindAll("[data-testid=app-link]").Count.ShouldBe(1));
        await page.InvokeAsync(() => page.Find("[data-testid=new-app]").Click());
        dialogs.WaitForAssertion(() => dialogs.Find("[data-testid=create-app-form]"));
        dialogs.Find("input[data-testid=app-name]").Input("Second");
        dialogs.Find("input[data-testid=app-slug]").Change("taken");
        await dialogs.InvokeAsync(() => dialogs.Find("[data-testid=create-app]").Click());

        var snackbar = Services.GetRequiredService<ISnackbar>();
        snackbar.ShownSnackbars.Select(s => s.Message ?? string.Empty).ShouldHaveSingleItem().ShouldContain("taken");
        (await Get<AppService>().ListAsync(null, new(), default)).Items.Count.ShouldBe(1);
    }

    [Fact]
    public void In_Chinese_the_list_reads_in_Chinese()
    {
        using var chinese = InCulture("zh-CN");
        var page = Render<AppsPage>();

        page.WaitForAssertion(() => page.Find("[data-testid=apps-empty]").TextContent.ShouldContain("还没有应用"));
        page.Find("h4").TextContent.ShouldBe("应用");
        page.Find("[data-testid=new-app]").TextContent.ShouldContain("新建应用");
    }
}
