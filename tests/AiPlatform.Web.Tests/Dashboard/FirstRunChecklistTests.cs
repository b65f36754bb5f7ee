using System.Security.Claims;
using AiPlatform.Core.Access;
using AiPlatform.Core.Data;
using AiPlatform.Infrastructure.Identity;
using AiPlatform.Web.Features.Dashboard;
using AiPlatform.Web.Tests.Builders;
using Bunit;
using Microsoft.AspNetCore.Identity;

namespace AiPlatform.Web.Tests.Dashboard;

/// <summary>The administrator's first-run checklist reads the platform's real state, can be dismissed, and is not shown to others.</summary>
public sealed class FirstRunChecklistTests : PageTestBase
{
    [Fact]
    public void A_fresh_platform_shows_every_step_undone_with_a_button_to_do_it()
    {
        var card = Render<FirstRunChecklistCard>();

        card.WaitForElement("[data-testid=first-run-checklist]");
        foreach (var step in new[] { "Password", "User", "Llm", "Dataset", "Train", "Deploy" })
        {
            card.Find($"[data-testid=checklist-{step}]").GetAttribute("data-done").ShouldBe("false", step);
            card.FindAll($"[data-testid=checklist-{step}-go]").Count.ShouldBe(1, step);
        }

        card.Find("[data-testid=checklist-Password-go]").GetAttribute("href").ShouldBe("/me");
        card.Find("[data-testid=checklist-progress]").TextContent.ShouldBe("0 of 6 done");
    }

    [Fact]
    public async Task Steps_are_checked_from_what_was_really_done()
    {
        var users = Get<UserManager<PlatformUser>>();
        var admin = (await users.FindByNameAsync("admin"))!;
        (await users.ChangePasswordAsync(admin, "Admin-Passw0rd-Bunit", "A-new-Passw0rd-for-admin")).Succeeded.ShouldBeTrue();
        await Get<UserAdminService>().CreateAsync(new NewUser("second", null, null, "Passw0rd-second"), [], default);
        await Get<DatasetService>().CreateAsync("first-dataset", null, null, default);

        using var _ = InCulture("zh-CN");
        var card = Render<FirstRunChecklistCard>();

        card.WaitForElement("[data-testid=first-run-checklist]");
        card.Find("[data-testid=checklist-Password]").GetAttribute("data-done").ShouldBe("true");
        card.Find("[data-testid=checklist-User]").GetAttribute("data-done").ShouldBe("true");
        card.Find("[data-testid=checklist-Dataset]").GetAttribute("data-done").ShouldBe("true");
        card.Find("[data-testid=checklist-Llm]").GetAttribute("data-done").ShouldBe("false");
        card.Find("[data-testid=checklist-Train]").GetAttribute("data-done").ShouldBe("false");
        card.Find("[data-testid=checklist-Deploy]").GetAttribute("data-done").ShouldBe("false");
        card.FindAll("[data-testid=checklist-User-go]").ShouldBeEmpty();
        card.Find("[data-testid=checklist-progress]").TextContent.ShouldBe("已完成 3/6");
        card.Find("[data-testid=checklist-Llm]").TextContent.ShouldContain("连接大模型服务");
    }

    [Fact]
    public void A_dismissed_checklist_stays_hidden_for_that_user()
    {
        var card = Render<FirstRunChecklistCard>();
        card.WaitForElement("[data-testid=first-run-checklist]");

        card.Find("[data-testid=checklist-dismiss]").Click();

        card.WaitForAssertion(() => card.FindAll("[data-testid=first-run-checklist]").ShouldBeEmpty());
        var again = Render<FirstRunChecklistCard>();
        again.FindAll("[data-testid=first-run-checklist]").ShouldBeEmpty();
    }

    [Fact]
    public async Task Someone_who_does_not_manage_users_never_sees_it()
    {
        var analyst = await Get<UserAdminService>().CreateAsync(new NewUser("analyst", null, null, "Passw0rd-analyst"), [SystemRoles.IdOf(SystemRoles.DataAnalyst)], default);
        SignIn(analyst.Id, "analyst");

        var card = Render<FirstRunChecklistCard>();

        card.FindAll("[data-testid=first-run-checklist]").ShouldBeEmpty();
        card.Markup.Trim().ShouldBeEmpty();
    }
}
