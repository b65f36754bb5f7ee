using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Projects;
using AiPlatform.Web.Components.Shared;
using AiPlatform.Web.Features.Admin;
using AiPlatform.Web.Features.Me;
using AiPlatform.Web.Tests.Builders;
using Bunit;
using Microsoft.Extensions.Localization;
using MudBlazor;

namespace AiPlatform.Web.Tests.Access;

/// <summary>
/// Issue 17, defect 5 and the Chinese pass on the access pages: grants name their principals and objects (a link where
/// the object has a page), "(deleted)" with a short id where they are gone, capabilities and roles in the user's
/// language, the new-user dialog's roles by name, and every empty list says what to do next.
/// </summary>
public sealed class AccessNamesPageTests : PageTestBase
{
    [Fact]
    public async Task Share_dialog_names_users_by_display_name_and_login_groups_by_name_and_a_deleted_principal_as_deleted()
    {
        var project = await Get<ProjectService>().CreateAsync("churn", null, default);
        var bob = await Get<UserAdminService>().CreateAsync(new NewUser("bob", "Bob Stone", null, "Passw0rd-bob"), [], default);
        var team = await Get<GroupService>().CreateAsync("ml-team", null, default);
        await Get<SharingService>().GrantAsync(SecurableTypes.Project, project.Id, PrincipalType.User, bob.Id, PermissionLevel.Read, default);
        await Get<SharingService>().GrantAsync(SecurableTypes.Project, project.Id, PrincipalType.Group, team.Id, PermissionLevel.Write, default);
        var gone = await AddGrantToMissingPrincipalAsync(SecurableTypes.Project, project.Id);

        using var _ = InCulture("en");
        var provider = Render<MudDialogProvider>();
        Render<ShareDialog>(p => p.Add(x => x.ObjectType, SecurableTypes.Project).Add(x => x.ObjectId, project.Id).Add(x => x.ObjectName, "churn").Add(x => x.CanManage, true).Add(x => x.Visible, true));

        provider.WaitForAssertion(() => provider.FindAll("[data-testid=grant-principal]").Count.ShouldBe(3));
        var principals = provider.FindAll("[data-testid=grant-principal]").Select(e => e.TextContent.Trim()).ToList();
        principals.ShouldContain(t => t.Contains("Bob Stone") && t.Contains("(bob)"));
        principals.ShouldContain(t => t.Contains("ml-team"));
        var shortId = gone.ToString("N")[..8];
        principals.ShouldContain(t => t.Contains("(deleted) " + shortId));
        provider.Markup.ShouldNotContain(gone.ToString(), Case.Insensitive);
        provider.Markup.ShouldNotContain(bob.Id.ToString(), Case.Insensitive);
        provider.Markup.ShouldNotContain(team.Id.ToString(), Case.Insensitive);
    }

    [Fact]
    public async Task User_page_names_granted_objects_with_links_capabilities_and_roles_in_chinese_and_marks_deleted_objects()
    {
        var project = await Get<ProjectService>().CreateAsync("churn", null, default);
        var bob = await Get<UserAdminService>().CreateAsync(new NewUser("bob", null, null, "Passw0rd-bob"), [SystemRoles.IdOf(SystemRoles.DataAnalyst)], default);
        await Get<SharingService>().GrantAsync(SecurableTypes.Project, project.Id, PrincipalType.User, bob.Id, PermissionLevel.Read, default);
        var missingProject = Guid.NewGuid();
        await Get<IAccessStore>().UpsertGrantAsync(
            new ObjectGrant { Id = Guid.NewGuid(), ObjectType = SecurableTypes.Project, ObjectId = missingProject, PrincipalType = PrincipalType.User, PrincipalId = bob.Id, Level = PermissionLevel.Write, GrantedAt = DateTimeOffset.UtcNow },
            TestAudit(), default);

        using var _ = InCulture("zh-CN");
        var page = Render<UserDetailPage>(p => p.Add(x => x.Id, bob.Id));

        page.WaitForAssertion(() => page.FindAll("[data-testid=grant-object]").Count.ShouldBe(2));
        page.Find($"[data-testid=grant-object] a[href='/projects/{project.Id}']").TextContent.ShouldBe("churn");
        page.FindAll("[data-testid=grant-object]").Select(e => e.TextContent.Trim()).ShouldContain("（已删除）" + missingProject.ToString("N")[..8]);
        var grants = page.Find("[data-testid=grant-sources]").TextContent;
        grants.ShouldContain("项目");
        grants.ShouldContain("只读");
        grants.ShouldContain("读写");
        page.Markup.ShouldNotContain(project.Id.ToString() + "<", Case.Insensitive);
        page.Markup.ShouldNotContain(missingProject.ToString(), Case.Insensitive);

        var capabilities = page.Find("[data-testid=capability-sources]").TextContent;
        capabilities.ShouldContain("创建项目");
        capabilities.ShouldContain("新建项目。");
        capabilities.ShouldContain("数据分析师");
        capabilities.ShouldNotContain("projects.create");
        capabilities.ShouldNotContain("Data Analyst");
    }

    [Fact]
    public async Task Group_page_lists_what_is_shared_with_the_group_by_name()
    {
        var project = await Get<ProjectService>().CreateAsync("churn", null, default);
        var team = await Get<GroupService>().CreateAsync("ml-team", null, default);
        await Get<SharingService>().GrantAsync(SecurableTypes.Project, project.Id, PrincipalType.Group, team.Id, PermissionLevel.Write, default);

        var page = Render<GroupsPage>();
        page.WaitForAssertion(() => page.FindAll(".mud-list-item").Count.ShouldBe(1));
        page.Find(".mud-list-item").Click();

        page.WaitForAssertion(() => page.Find($"[data-testid=grant-object] a[href='/projects/{project.Id}']").TextContent.ShouldBe("churn"));
        page.FindAll("[data-testid=no-members]").Count.ShouldBe(1);
    }

    [Fact]
    public async Task New_user_dialog_role_picker_lists_role_names_in_chinese_never_ids()
    {
        var custom = await Get<RoleService>().CreateAsync("Churn Reviewers", null, [], default);
        using var _ = InCulture("zh-CN");
        var popovers = Render<MudPopoverProvider>();
        var dialogs = Render<MudDialogProvider>();
        var page = Render<UsersPage>();

        page.WaitForAssertion(() => page.Find("[data-testid=new-user]").Click());
        dialogs.WaitForAssertion(() => dialogs.FindAll("[data-testid=user-name]").Count.ShouldBe(1));
        dialogs.FindAll("div.mud-input-control").Last().MouseDown();

        popovers.WaitForAssertion(() => popovers.Markup.ShouldContain("数据分析师"));
        popovers.Markup.ShouldContain("管理员");
        popovers.Markup.ShouldContain("Churn Reviewers");
        popovers.Markup.ShouldNotContain(SystemRoles.IdOf(SystemRoles.DataAnalyst).ToString(), Case.Insensitive);
        popovers.Markup.ShouldNotContain(custom.Id.ToString(), Case.Insensitive);
        dialogs.Markup.ShouldNotContain(custom.Id.ToString(), Case.Insensitive);
    }

    [Fact]
    public void Roles_page_names_built_in_roles_and_capabilities_in_chinese_with_a_description_in_the_editor()
    {
        using var _ = InCulture("zh-CN");
        var dialogs = Render<MudDialogProvider>();
        var page = Render<RolesPage>();

        page.WaitForAssertion(() => page.FindAll("[data-testid=role-label]").Select(e => e.TextContent).ShouldContain("数据分析师"));
        var table = page.Find("[data-testid=roles-table]").TextContent;
        table.ShouldContain("管理用户");
        table.ShouldContain("查看审计日志");
        table.ShouldNotContain("users.manage");
        table.ShouldNotContain("Data Analyst");

        page.Find("[data-testid=new-role]").Click();
        dialogs.WaitForAssertion(() => dialogs.FindAll("[data-testid=capability-option]").Count.ShouldBe(Capabilities.All.Count));
        var option = dialogs.FindAll("[data-testid=capability-option]").Select(e => e.TextContent).Single(t => t.Contains("datasets.create"));
        option.ShouldContain("创建数据集");
        option.ShouldContain("上传和导入数据集。");
    }

    [Fact]
    public async Task Audit_page_pages_the_trail_summarises_each_entry_in_one_line_and_expands_to_the_details()
    {
        var projects = Get<ProjectService>();
        var project = await projects.CreateAsync("churn", null, default);
        var team = await Get<GroupService>().CreateAsync("ml-team", null, default);
        await Get<SharingService>().GrantAsync(SecurableTypes.Project, project.Id, PrincipalType.Group, team.Id, PermissionLevel.Write, default);
        var old = await projects.CreateAsync("old-project", null, default);
        await projects.DeleteAsync(old.Id, default);
        for (var i = 0; i < 30; i++)
        {
            await projects.CreateAsync($"p{i:00}", null, default);
        }

        var total = (await Get<AuditService>().QueryAsync(new AuditQuery(), default)).TotalCount;
        total.ShouldBeGreaterThan(30);

        using var _ = InCulture("en");
        var page = Render<AuditPage>();

        page.WaitForAssertion(() => page.FindAll("[data-testid=audit-line]").Count.ShouldBe(25));
        page.Find(".mud-table-pagination").TextContent.ShouldContain(total.ToString(System.Globalization.CultureInfo.InvariantCulture));
        page.Markup.ShouldNotContain("{\"");
        page.FindAll("[data-testid=audit-details]").ShouldBeEmpty();

        page.FindComponent<MudDataGrid<AuditEntry>>().Instance.CurrentPage.ShouldBe(0);
        await page.InvokeAsync(() => page.FindComponent<MudDataGrid<AuditEntry>>().Instance.NavigateTo(Page.Next));
        page.WaitForAssertion(() => page.FindAll("[data-testid=audit-line]").Count.ShouldBe(total - 25));

        var lines = page.FindAll("[data-testid=audit-line]");
        var granted = lines.Single(l => l.TextContent.Contains("granted"));
        granted.TextContent.Trim().ShouldBe("admin granted Write on project churn to group ml-team");
        granted.QuerySelector($"a[href='/projects/{project.Id}']").ShouldNotBeNull();
        lines.Select(l => l.TextContent.Trim()).ShouldContain("admin deleted project old-project (deleted)");
        page.Markup.ShouldNotContain(project.Id.ToString() + "<", Case.Insensitive);

        page.FindAll("[data-testid=audit-line]").Single(l => l.TextContent.Contains("granted")).QuerySelector("[data-testid=audit-expand]")!.Click();
        page.WaitForAssertion(() => page.FindAll("[data-testid=audit-details]").Count.ShouldBe(1));
        var details = page.Find("[data-testid=audit-details] pre").TextContent;
        details.ShouldContain("\"principal\": \"ml-team\"");
        details.ShouldContain("\n");
    }

    [Fact]
    public void Audit_page_says_so_and_offers_to_clear_filters_when_nothing_matches_an_unknown_user()
    {
        using var _ = InCulture("zh-CN");
        var page = Render<AuditPage>();
        page.WaitForAssertion(() => page.FindAll("[data-testid=audit-line]").Count.ShouldBeGreaterThan(0));

        page.Find("input[data-testid=audit-who]").Input("nobody");

        page.WaitForAssertion(() =>
        {
            page.Find("[data-testid=no-audit]").TextContent.ShouldContain("没有匹配的审计记录");
            string.Concat(page.Nodes.Select(n => n.TextContent)).ShouldContain("不存在名为“nobody”的用户。");
        });
        page.Find("[data-testid=no-audit] button").Click();
        page.WaitForAssertion(() => page.FindAll("[data-testid=audit-line]").Count.ShouldBeGreaterThan(0));
    }

    [Fact]
    public void Empty_lists_on_the_access_pages_say_what_to_do_next()
    {
        using var _ = InCulture("zh-CN");
        var profile = Render<ProfilePage>();
        profile.WaitForAssertion(() => profile.Find("[data-testid=no-tokens]").TextContent.ShouldContain("还没有访问令牌"));
        profile.Find("[data-testid=token-empty-create]").TextContent.ShouldContain("创建访问令牌");

        var groups = Render<GroupsPage>();
        groups.WaitForAssertion(() => groups.Find("[data-testid=no-groups]").TextContent.ShouldContain("还没有用户组"));
        groups.Find("[data-testid=group-empty-create]").ShouldNotBeNull();

        var users = Render<UsersPage>();
        users.WaitForAssertion(() => users.FindAll("[data-testid=user-link]").Count.ShouldBe(1));
        users.Find("input[data-testid=user-search]").Change("zzz-nobody");
        users.WaitForAssertion(() => users.Find("[data-testid=no-users]").TextContent.ShouldContain("没有匹配的用户"));
    }

    [Fact]
    public async Task Access_refusals_read_in_chinese_by_code()
    {
        var project = await Get<ProjectService>().CreateAsync("churn", null, default);
        var bob = await Get<UserAdminService>().CreateAsync(new NewUser("bob", null, null, "Passw0rd-bob"), [], default);
        await Get<SharingService>().GrantAsync(SecurableTypes.Project, project.Id, PrincipalType.User, bob.Id, PermissionLevel.Read, default);
        var toOwner = await Should.ThrowAsync<AiPlatform.Core.Common.ValidationException>(
            () => Get<SharingService>().GrantAsync(SecurableTypes.Project, project.Id, PrincipalType.User, AdminId, PermissionLevel.Read, default));

        var shortPassword = await Should.ThrowAsync<AiPlatform.Core.Common.ValidationException>(
            () => Get<UserAdminService>().CreateAsync(new NewUser("carol", null, null, "short1"), [], default));
        var tokenLifetime = await Should.ThrowAsync<AiPlatform.Core.Common.ValidationException>(
            () => Get<ApiTokenService>().CreateAsync("ci", ApiTokenScope.Read, 0, default));

        SignIn(bob.Id, "bob");
        var refused = await Should.ThrowAsync<ForbiddenException>(
            () => Get<SharingService>().GrantAsync(SecurableTypes.Project, project.Id, PrincipalType.User, bob.Id, PermissionLevel.Manage, default));

        using var _ = InCulture("zh-CN");
        var localizer = Get<IStringLocalizer<SharedResource>>();
        localizer.Describe(refused).ShouldContain("此操作需要对该对象的管理权限。");
        localizer.Describe(toOwner).ShouldContain("所有者已拥有全部权限。");
        localizer.Describe(shortPassword).ShouldContain("密码太短：至少需要 10 个字符。");
        localizer.Describe(tokenLifetime).ShouldContain("访问令牌的有效期为 1 到");
    }

    private async Task<Guid> AddGrantToMissingPrincipalAsync(string objectType, Guid objectId)
    {
        var gone = Guid.NewGuid();
        await Get<IAccessStore>().UpsertGrantAsync(
            new ObjectGrant { Id = Guid.NewGuid(), ObjectType = objectType, ObjectId = objectId, PrincipalType = PrincipalType.User, PrincipalId = gone, Level = PermissionLevel.Read, GrantedAt = DateTimeOffset.UtcNow },
            TestAudit(), default);
        return gone;
    }

    private static AuditEntry TestAudit() => new() { At = DateTimeOffset.UtcNow, ActorName = "test", Action = "grant.set", ObjectType = "test" };
}
