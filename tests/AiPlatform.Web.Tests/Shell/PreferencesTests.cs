using AiPlatform.Core.Preferences;
using AiPlatform.Web.Components.Layout;
using AiPlatform.Web.Components.Shared;
using AiPlatform.Web.Tests.Builders;
using Bunit;
using Microsoft.AspNetCore.Components;
using MudBlazor;
using MudBlazor.Extensions;

namespace AiPlatform.Web.Tests.Shell;

/// <summary>Dark mode is saved for the user and applied when the layout first renders (a reload, a language switch).</summary>
public sealed class PreferencesTests : PageTestBase
{
    public PreferencesTests() => Authorization.SetPolicies("cap:chat.use", "cap:users.manage");

    [Fact]
    public async Task Dark_mode_is_remembered_for_the_user_across_a_reload()
    {
        var layout = Render<MainLayout>(p => p.Add(x => x.Body, (RenderFragment)(b => b.AddContent(0, "page"))));
        layout.Find("[data-testid=theme-toggle]").GetAttribute("data-dark").ShouldBe("false");

        layout.Find("[data-testid=theme-toggle]").Click();

        layout.WaitForAssertion(() => layout.Find("[data-testid=theme-toggle]").GetAttribute("data-dark").ShouldBe("true"));
        (await Get<UserPreferenceService>().GetMineAsync(default)).DarkMode.ShouldBe(true);

        await DisposeComponentsAsync();
        var reloaded = Render<MainLayout>(p => p.Add(x => x.Body, (RenderFragment)(b => b.AddContent(0, "page"))));
        reloaded.WaitForAssertion(() => reloaded.Find("[data-testid=theme-toggle]").GetAttribute("data-dark").ShouldBe("true"));
        reloaded.FindComponent<MudThemeProvider>().Instance.GetState(x => x.IsDarkMode).ShouldBeTrue();
    }

    [Fact]
    public void The_language_menu_names_each_language_in_itself()
    {
        var popovers = Render<MudPopoverProvider>();
        var menu = Render<LanguageSwitcher>();

        menu.Find("[data-testid=language-menu] button").Click();

        popovers.WaitForAssertion(() => popovers.Find("[data-testid=language-zh-CN]").TextContent.ShouldContain("简体中文"));
        popovers.Find("[data-testid=language-en]").TextContent.ShouldContain("English");
    }
}
