using AiPlatform.Core.Access;
using AiPlatform.Core.Projects;
using AiPlatform.Web.Features.Admin;
using AiPlatform.Web.Features.Me;
using AiPlatform.Web.Features.Projects;
using AiPlatform.Web.Tests.Builders;
using Bunit;

namespace AiPlatform.Web.Tests.Components;

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
        var page = Render<ProfilePage>();

        page.WaitForAssertion(() => page.Find("[data-testid=my-capabilities]").TextContent.ShouldContain(Capabilities.UsersManage));
        page.Find("[data-testid=mfa-begin]");
        page.Find("[data-testid=token-create]");
    }
}
