using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Projects;
using AiPlatform.Web.Components.Shared;
using AiPlatform.Web.Features.Admin;
using AiPlatform.Web.Features.Me;
using AiPlatform.Web.Features.Projects;
using AiPlatform.Web.Tests.Builders;
using Bunit;
using Microsoft.Extensions.DependencyInjection;

namespace AiPlatform.Web.Tests.Access;

public sealed class AccessPagesTests : PageTestBase
{
    [Fact]
    public async Task Projects_page_lists_only_the_projects_the_signed_in_user_may_read()
    {
        var mine = await Get<ProjectService>().CreateAsync("Visible to admin", null, default);
        var user = await Get<UserAdminService>().CreateAsync(new NewUser("pat", null, null, "Passw0rd-pat"), [SystemRoles.IdOf(SystemRoles.DataAnalyst)], default);
        SignIn(user.Id, "pat");
        var own = await Get<ProjectService>().CreateAsync("Pat's project", null, default);

        var page = Render<ProjectsPage>();

        page.WaitForAssertion(() => page.FindAll("[data-testid=project-link]").Select(a => a.TextContent).ShouldBe(["Pat's project"]));
        page.Find("[data-testid=project-link]").GetAttribute("href").ShouldBe($"/projects/{own.Id}");
        page.Markup.ShouldNotContain(mine.Name);
    }

    [Fact]
    public async Task A_project_that_is_not_shared_shows_not_found_and_a_shared_one_shows_the_access_level()
    {
        var project = await Get<ProjectService>().CreateAsync("Admin only", null, default);
        var user = await Get<UserAdminService>().CreateAsync(new NewUser("quinn", null, null, "Passw0rd-quinn"), [], default);
        SignIn(user.Id, "quinn");

        var hidden = Render<ProjectDetailPage>(p => p.Add(x => x.Id, project.Id));
        hidden.WaitForAssertion(() => hidden.Find("[data-testid=project-not-found]"));

        SignIn(AdminId, "admin");
        await Get<SharingService>().GrantAsync(SecurableTypes.Project, project.Id, PrincipalType.User, user.Id, PermissionLevel.Write, default);
        SignIn(user.Id, "quinn");
        var shared = Render<ProjectDetailPage>(p => p.Add(x => x.Id, project.Id));

        shared.WaitForAssertion(() => shared.Find("[data-testid=project-permission]").TextContent.ShouldBe("Write"));
        shared.FindAll("[data-testid=delete-project]").ShouldBeEmpty();
        shared.FindAll("[data-testid=project-save]").Count.ShouldBe(1);
    }

    [Fact]
    public async Task Users_page_lists_accounts_with_their_state()
    {
        var user = await Get<UserAdminService>().CreateAsync(new NewUser("rita", "Rita R.", null, "Passw0rd-rita"), [], default);
        await Get<UserAdminService>().SetDisabledAsync(user.Id, true, default);

        var page = Render<UsersPage>();

        page.WaitForAssertion(() => page.FindAll("[data-testid=user-link]").Select(a => a.TextContent).ShouldContain("rita"));
        page.Markup.ShouldContain("Rita R.");
        page.Markup.ShouldContain("Disabled");
    }

    [Fact]
    public void Profile_page_shows_capabilities_and_offers_mfa_and_tokens()
    {
        using var _ = InCulture("en");
        var page = Render<ProfilePage>();

        page.WaitForAssertion(() => page.Find("[data-testid=my-capabilities]").TextContent.ShouldContain("Manage users"));
        page.Find("[data-testid=mfa-begin]");
        page.Find("[data-testid=token-create]");
    }

    [Fact]
    public async Task User_page_names_the_selected_roles_rather_than_showing_their_ids()
    {
        var analyst = SystemRoles.IdOf(SystemRoles.DataAnalyst);
        var user = await Get<UserAdminService>().CreateAsync(new NewUser("sam", null, null, "Passw0rd-sam"), [analyst], default);

        var page = Render<UserDetailPage>(p => p.Add(x => x.Id, user.Id));

        page.WaitForAssertion(() => page.Find("[data-testid=user-title]").TextContent.ShouldBe("sam"));
        page.WaitForAssertion(() => page.Markup.ShouldNotContain(analyst.ToString(), Case.Insensitive));
        page.Markup.ShouldContain("Data Analyst");
    }

    [Fact]
    public async Task A_user_manager_on_their_own_account_cannot_edit_their_roles_and_is_told_why()
    {
        var managers = await Get<RoleService>().CreateAsync("Managers", null, [Capabilities.UsersManage], default);
        var user = await Get<UserAdminService>().CreateAsync(new NewUser("mia", null, null, "Passw0rd-mia"), [managers.Id], default);
        SignIn(user.Id, "mia");

        var page = Render<UserDetailPage>(p => p.Add(x => x.Id, user.Id));

        page.WaitForAssertion(() => page.Find("[data-testid=save-roles]").HasAttribute("disabled").ShouldBeTrue());
        page.Markup.ShouldContain("You cannot change your own roles or groups.");
    }

    [Fact]
    public async Task Refusals_from_issue_13_read_wholly_in_chinese_for_a_chinese_user()
    {
        var managers = await Get<RoleService>().CreateAsync("Managers", null, [Capabilities.UsersManage], default);
        var user = await Get<UserAdminService>().CreateAsync(new NewUser("lin", null, null, "Passw0rd-lin"), [managers.Id], default);
        SignIn(user.Id, "lin");
        var refusals = new List<PlatformException>
        {
            await Should.ThrowAsync<PlatformException>(() => Get<UserAdminService>().SetRolesAsync(user.Id, [], default)),
            await Should.ThrowAsync<PlatformException>(() => Get<UserAdminService>().SetRolesAsync(AdminId, [], default)),
            await Should.ThrowAsync<PlatformException>(() => Get<AiPlatform.Core.Data.SqlConsoleService>().RunAsync("COPY (SELECT 1) TO 'x.csv'", default)),
            await Should.ThrowAsync<PlatformException>(() => Get<AiPlatform.Core.Data.SqlConsoleService>().RunAsync("SELECT * FROM read_csv('x.csv')", default)),
            new HostNotAllowedException("169.254.169.254", "a link-local (cloud metadata) address"),
        };
        var localizer = Services.GetRequiredService<Microsoft.Extensions.Localization.IStringLocalizer<SharedResource>>();
        var culture = System.Globalization.CultureInfo.CurrentUICulture;
        System.Globalization.CultureInfo.CurrentUICulture = new System.Globalization.CultureInfo("zh-CN");
        try
        {
            foreach (var refusal in refusals)
            {
                var shown = localizer.Describe(refusal);
                System.Text.RegularExpressions.Regex.IsMatch(shown, "[a-z]{3,} [a-z]{2,} [a-z]{2,}").ShouldBeFalse($"English in the zh-CN message for {refusal.Code}: {shown}");
                shown.ShouldNotContain("/tmp");
            }
        }
        finally
        {
            System.Globalization.CultureInfo.CurrentUICulture = culture;
        }
    }
}
