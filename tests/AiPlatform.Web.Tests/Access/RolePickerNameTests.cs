using AiPlatform.Core.Access;
using AiPlatform.Web.Features.Admin;
using AiPlatform.Web.Tests.Builders;
using Bunit;

namespace AiPlatform.Web.Tests.Access;

/// <summary>Issue 17, defect 5: role pickers name the roles (built-in ones in the user's language), never their ids.</summary>
public sealed class RolePickerNameTests : PageTestBase
{
    [Fact]
    public async Task User_page_shows_built_in_role_names_in_chinese_and_custom_role_names_as_stored()
    {
        var analyst = SystemRoles.IdOf(SystemRoles.DataAnalyst);
        var custom = await Get<RoleService>().CreateAsync("Churn Reviewers", null, [], default);
        var user = await Get<UserAdminService>().CreateAsync(new NewUser("ning", null, null, "Passw0rd-ning"), [analyst, custom.Id], default);

        using var _ = InCulture("zh-CN");
        var page = Render<UserDetailPage>(p => p.Add(x => x.Id, user.Id));

        page.WaitForAssertion(() => page.Markup.ShouldContain("数据分析师, Churn Reviewers"));
        page.Markup.ShouldNotContain(analyst.ToString(), Case.Insensitive);
        page.Markup.ShouldNotContain(custom.Id.ToString(), Case.Insensitive);
    }

    [Fact]
    public async Task Group_roles_show_the_role_names_and_no_ids()
    {
        var engineer = SystemRoles.IdOf(SystemRoles.DataEngineer);
        var group = await Get<GroupService>().CreateAsync("analysts", null, default);
        await Get<GroupService>().SetRolesAsync(group.Id, [engineer], default);

        using var _ = InCulture("zh-CN");
        var page = Render<GroupsPage>();
        page.WaitForAssertion(() => page.FindAll(".mud-list-item").Count.ShouldBeGreaterThan(0));
        page.FindAll(".mud-list-item").Single(i => i.TextContent.Contains("analysts")).Click();

        page.WaitForAssertion(() => page.Markup.ShouldContain("数据工程师"));
        page.Markup.ShouldNotContain(engineer.ToString(), Case.Insensitive);
    }
}
