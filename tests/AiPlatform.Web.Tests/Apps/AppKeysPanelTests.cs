using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using AiPlatform.Web.Features.Apps;
using AiPlatform.Web.Tests.Builders;
using Bunit;

namespace AiPlatform.Web.Tests.Apps;

/// <summary>The editor's keys panel: a manager creates a key (shown once with a copy button), sees it listed by prefix and revokes it; others see why they cannot.</summary>
public sealed class AppKeysPanelTests : PageTestBase
{
    [Fact]
    public async Task A_manager_creates_a_key_shown_once_and_revokes_it()
    {
        var app = await Get<AppService>().CreateAsync(new AppInput("Keyed", "keyed-ui", null, AppKind.Workflow), default);
        var panel = Render<AppKeysPanel>(p => p.Add(x => x.AppId, app.Id).Add(x => x.Slug, app.Slug).Add(x => x.Level, PermissionLevel.Manage));
        panel.WaitForAssertion(() => panel.Find("[data-testid=keys-empty]"));

        await panel.InvokeAsync(() => panel.Find("input[data-testid=key-name]").Change("ci"));
        await panel.InvokeAsync(() => panel.Find("input[data-testid=key-rate]").Change("5"));
        await panel.InvokeAsync(() => panel.Find("[data-testid=key-create]").Click());

        panel.WaitForAssertion(() => panel.FindAll("[data-testid=key]").Count.ShouldBe(1));
        var secret = panel.Find("[data-testid=key-secret-value] code").TextContent;
        secret.ShouldMatch("^aipk_[0-9a-f]{48}$");
        panel.Find("[data-testid=key-secret-value-copy]");
        var stored = (await Get<IAppStore>().ListKeysAsync(app.Id, default)).Single();
        stored.Hash.ShouldBe(AppKeyService.HashOf(secret));
        stored.RateLimitPerMinute.ShouldBe(5);
        panel.Find("[data-testid=key]").TextContent.ShouldContain(stored.Prefix);
        panel.Find("[data-testid=key]").TextContent.ShouldNotContain(secret);

        await panel.InvokeAsync(() => panel.Find("[data-testid=key-revoke]").Click());
        panel.WaitForAssertion(() => panel.Find("[data-testid=key-revoked]"));
        (await Get<IAppStore>().ListKeysAsync(app.Id, default)).Single().RevokedAt.ShouldNotBeNull();
    }

    [Fact]
    public async Task Without_manage_the_panel_says_who_manages_keys()
    {
        var app = await Get<AppService>().CreateAsync(new AppInput("Keyed", "keyed-ro", null, AppKind.Workflow), default);
        var panel = Render<AppKeysPanel>(p => p.Add(x => x.AppId, app.Id).Add(x => x.Level, PermissionLevel.Write));
        panel.Find("[data-testid=keys-manage-only]");
        panel.FindAll("[data-testid=key-create]").ShouldBeEmpty();
    }

    [Fact]
    public async Task A_manager_saves_a_secret_whose_value_is_never_shown_again_and_bad_hosts_are_explained()
    {
        var app = await Get<AppService>().CreateAsync(new AppInput("Secretive", "secretive-ui", null, AppKind.Workflow), default);
        var panel = Render<AppSecretsPanel>(p => p.Add(x => x.AppId, app.Id).Add(x => x.Level, PermissionLevel.Manage));
        panel.WaitForAssertion(() => panel.Find("[data-testid=secrets-empty]"));

        await panel.InvokeAsync(() => panel.Find("input[data-testid=secret-name]").Change("TOKEN"));
        await panel.InvokeAsync(() => panel.Find("input[data-testid=secret-value]").Change("v-123456"));
        await panel.InvokeAsync(() => panel.Find("textarea[data-testid=secret-hosts]").Change("ftp://nope"));
        await panel.InvokeAsync(() => panel.Find("[data-testid=secret-save]").Click());
        panel.FindAll("[data-testid=secret]").ShouldBeEmpty("the hosts were refused");

        await panel.InvokeAsync(() => panel.Find("textarea[data-testid=secret-hosts]").Change("api.example.com\n.corp.example"));
        await panel.InvokeAsync(() => panel.Find("[data-testid=secret-save]").Click());
        panel.WaitForAssertion(() => panel.FindAll("[data-testid=secret]").Count.ShouldBe(1));
        panel.Find("[data-testid=secret]").TextContent.ShouldContain("{{secret.TOKEN}}");
        panel.Find("[data-testid=secret-hosts-list]").TextContent.ShouldContain("api.example.com, .corp.example");
        panel.Markup.ShouldNotContain("v-123456");
        (await Get<IAppStore>().FindSecretAsync(app.Id, "TOKEN", default)).ShouldNotBeNull();

        Render<AppSecretsPanel>(p => p.Add(x => x.AppId, app.Id).Add(x => x.Level, PermissionLevel.Write)).Markup.Trim().ShouldBeEmpty("only Manage sees secrets");
    }
}
