using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Core.Projects;
using AiPlatform.Infrastructure.Tests.Builders;

namespace AiPlatform.Infrastructure.Tests.Access;

/// <summary>Roles, per-object grants, tokens and the audit trail against a real database; once per provider.</summary>
public abstract class AccessControlTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : PlatformServicesFixture
{
    private static readonly CancellationToken None = CancellationToken.None;

    private ProjectService Projects => fixture.Get<ProjectService>();

    private SharingService Sharing => fixture.Get<SharingService>();

    [Fact]
    public async Task A_private_project_does_not_exist_for_another_user_until_shared_and_again_after_revoking()
    {
        var alice = await fixture.CreateUserAsync(Name("alice"), SystemRoles.ModelDeveloper);
        var bob = await fixture.CreateUserAsync(Name("bob"), SystemRoles.ModelDeveloper);
        var project = await fixture.As(alice, () => Projects.CreateAsync("Churn model", "secret plans", None));

        await fixture.As(bob, async () =>
        {
            (await Projects.ListAsync(null, new PageRequest(), None)).Items.ShouldNotContain(p => p.Id == project.Id);
            await Should.ThrowAsync<NotFoundException>(() => Projects.GetAsync(project.Id, None));
            await Should.ThrowAsync<NotFoundException>(() => Projects.UpdateAsync(project.Id, "hijacked", null, null, None));
            await Should.ThrowAsync<NotFoundException>(() => Sharing.ListAsync(SecurableTypes.Project, project.Id, None));
        });

        var grant = await fixture.As(alice, () => Sharing.GrantAsync(SecurableTypes.Project, project.Id, PrincipalType.User, bob.Id, PermissionLevel.Read, None));

        await fixture.As(bob, async () =>
        {
            (await Projects.ListAsync(null, new PageRequest(), None)).Items.ShouldContain(p => p.Id == project.Id);
            (await Projects.GetAsync(project.Id, None)).Level.ShouldBe(PermissionLevel.Read);
            await Should.ThrowAsync<ForbiddenException>(() => Projects.UpdateAsync(project.Id, "hijacked", null, null, None));
            await Should.ThrowAsync<ForbiddenException>(() => Sharing.GrantAsync(SecurableTypes.Project, project.Id, PrincipalType.User, bob.Id, PermissionLevel.Manage, None));
        });

        await fixture.As(alice, () => Sharing.RevokeAsync(SecurableTypes.Project, project.Id, grant.Id, None));

        await fixture.As(bob, () => Should.ThrowAsync<NotFoundException>(() => Projects.GetAsync(project.Id, None)));
    }

    [Fact]
    public async Task A_grant_to_a_group_reaches_its_members_and_write_allows_editing_but_not_deleting()
    {
        var owner = await fixture.CreateUserAsync(Name("owner"), SystemRoles.DataEngineer);
        var member = await fixture.CreateUserAsync(Name("member"), SystemRoles.Viewer);
        var outsider = await fixture.CreateUserAsync(Name("outsider"), SystemRoles.Viewer);
        var groups = fixture.Get<GroupService>();
        var team = await groups.CreateAsync(Name("team"), null, None);
        await groups.AddMemberAsync(team.Id, member.Id, None);
        var project = await fixture.As(owner, () => Projects.CreateAsync("Shared", null, None));
        await fixture.As(owner, () => Sharing.GrantAsync(SecurableTypes.Project, project.Id, PrincipalType.Group, team.Id, PermissionLevel.Write, None));

        await fixture.As(member, async () =>
        {
            var updated = await Projects.UpdateAsync(project.Id, "Shared (edited)", "by a member", null, None);
            updated.Name.ShouldBe("Shared (edited)");
            await Should.ThrowAsync<ForbiddenException>(() => Projects.DeleteAsync(project.Id, None));
        });
        await fixture.As(outsider, () => Should.ThrowAsync<NotFoundException>(() => Projects.GetAsync(project.Id, None)));

        await groups.RemoveMemberAsync(team.Id, member.Id, None);
        await fixture.As(member, () => Should.ThrowAsync<NotFoundException>(() => Projects.GetAsync(project.Id, None)));
    }

    [Fact]
    public async Task Capabilities_come_from_roles_given_directly_or_through_groups()
    {
        var viewer = await fixture.CreateUserAsync(Name("viewer"), SystemRoles.Viewer);
        await fixture.As(viewer, () => Should.ThrowAsync<ForbiddenException>(() => Projects.CreateAsync("Not allowed", null, None)));

        var roles = fixture.Get<RoleService>();
        var creators = await roles.CreateAsync(Name("Project creators"), "may create projects", [Capabilities.ProjectsCreate], None);
        var groups = fixture.Get<GroupService>();
        var team = await groups.CreateAsync(Name("creators"), null, None);
        await groups.SetRolesAsync(team.Id, [creators.Id], None);
        await groups.AddMemberAsync(team.Id, viewer.Id, None);

        var created = await fixture.As(viewer, () => Projects.CreateAsync("Allowed now", null, None));
        created.OwnerId.ShouldBe(viewer.Id);

        var described = await fixture.Get<PermissionsService>().DescribeAsync(viewer.Id, None);
        described.Capabilities.Single(c => c.Capability == Capabilities.ProjectsCreate).From.Single().ShouldContain(team.Name);
        described.Groups.ShouldContain(g => g.Id == team.Id);
    }

    [Fact]
    public async Task Admins_see_every_project_and_the_list_filter_runs_in_the_database()
    {
        var owner = await fixture.CreateUserAsync(Name("solo"), SystemRoles.DataAnalyst);
        var project = await fixture.As(owner, () => Projects.CreateAsync("Solo " + Guid.NewGuid().ToString("N")[..6], null, None));

        var asAdmin = await Projects.ListAsync(project.Name, new PageRequest(), None);

        asAdmin.Items.Single().Id.ShouldBe(project.Id);
        (await Projects.GetAsync(project.Id, None)).Level.ShouldBe(PermissionLevel.Manage);
    }

    [Fact]
    public async Task Bad_input_is_rejected_and_nothing_partial_is_written()
    {
        var admin = fixture.Get<UserAdminService>();
        var name = Name("dup");
        await admin.CreateAsync(new NewUser(name, null, null, "Strong-Passw0rd"), [], None);

        (await Should.ThrowAsync<ValidationException>(() => admin.CreateAsync(new NewUser(name, null, null, "Strong-Passw0rd"), [], None))).Errors.ShouldContainKey("userName");
        (await Should.ThrowAsync<ValidationException>(() => admin.CreateAsync(new NewUser(Name("weak"), null, null, "short"), [], None))).Errors.ShouldContainKey("password");
        (await Should.ThrowAsync<ValidationException>(() => admin.CreateAsync(new NewUser(Name("norole"), null, null, "Strong-Passw0rd"), [Guid.NewGuid()], None))).Errors.ShouldContainKey("roles");
        (await Should.ThrowAsync<ValidationException>(() => fixture.Get<RoleService>().CreateAsync("Bad", null, ["no.such.capability"], None))).Errors.ShouldContainKey("capabilities");
        await Should.ThrowAsync<ConflictException>(() => fixture.Get<RoleService>().DeleteAsync(SystemRoles.IdOf(SystemRoles.Viewer), None));

        var users = fixture.Get<IUserDirectory>();
        (await users.FindByNameAsync(name.Replace("dup", "weak"), None)).ShouldBeNull();
        (await users.ListAsync("norole", new PageRequest(), None)).Items.ShouldNotContain(u => u.UserName.Contains("norole"));
    }

    [Fact]
    public async Task Tokens_authenticate_until_revoked_or_expired_and_read_only_tokens_cannot_write()
    {
        var user = await fixture.CreateUserAsync(Name("scripter"), SystemRoles.ModelDeveloper);
        var tokens = fixture.Get<ApiTokenService>();
        var created = await fixture.As(user, () => tokens.CreateAsync("ci", ApiTokenScope.ReadWrite, 30, None));
        var readOnly = await fixture.As(user, () => tokens.CreateAsync("dashboards", ApiTokenScope.Read, null, None));

        created.PlainText.ShouldStartWith(ApiTokenService.Prefix);
        (await tokens.ValidateAsync(created.PlainText, None))!.Id.ShouldBe(user.Id);
        var readCaller = (await tokens.ValidateAsync(readOnly.PlainText, None))!;
        readCaller.ReadOnly.ShouldBeTrue();
        await fixture.As(readCaller, () => Should.ThrowAsync<ForbiddenException>(() => Projects.CreateAsync("From a read token", null, None)));
        (await tokens.ValidateAsync(created.PlainText + "x", None)).ShouldBeNull();

        await fixture.As(user, () => tokens.RevokeAsync(created.Token.Id, None));
        (await tokens.ValidateAsync(created.PlainText, None)).ShouldBeNull();

        var expiredPlain = ApiTokenService.Prefix + Convert.ToHexStringLower(System.Security.Cryptography.RandomNumberGenerator.GetBytes(24));
        await fixture.Get<IApiTokenStore>().AddAsync(
            new ApiToken { Id = Guid.NewGuid(), UserId = user.Id, Name = "old", Prefix = expiredPlain[..12], Hash = ApiTokenService.HashOf(expiredPlain), CreatedAt = DateTimeOffset.UtcNow.AddDays(-3), ExpiresAt = DateTimeOffset.UtcNow.AddDays(-1) },
            await fixture.Get<AuditRecorder>().EntryAsync("token.create", "api-token", null, null, None), None);
        var stored = (await fixture.Get<IApiTokenStore>().ListAsync(user.Id, None)).Single(t => t.Name == "old");
        stored.ExpiresAt.ShouldNotBeNull();
        (await tokens.ValidateAsync(expiredPlain, None)).ShouldBeNull();
        (await fixture.As(user, () => tokens.ListMineAsync(None))).Select(t => t.Name).ShouldBe(["old", "dashboards", "ci"], ignoreOrder: true);
    }

    [Fact]
    public async Task A_disabled_user_loses_access_at_once_including_their_tokens()
    {
        var user = await fixture.CreateUserAsync(Name("leaver"), SystemRoles.ModelDeveloper);
        var token = await fixture.As(user, () => fixture.Get<ApiTokenService>().CreateAsync("t", ApiTokenScope.ReadWrite, null, None));

        await fixture.Get<UserAdminService>().SetDisabledAsync(user.Id, true, None);

        (await fixture.Get<ApiTokenService>().ValidateAsync(token.PlainText, None)).ShouldBeNull();
        await fixture.As(user, () => Should.ThrowAsync<ForbiddenException>(() => Projects.CreateAsync("After leaving", null, None)));
        await Should.ThrowAsync<ValidationException>(() => fixture.Get<UserAdminService>().SetDisabledAsync(fixture.Admin.Id, true, None));
    }

    [Fact]
    public async Task Every_change_is_audited_with_actor_origin_and_masked_secrets()
    {
        var user = await fixture.CreateUserAsync(Name("audited"), SystemRoles.Viewer);
        await fixture.Get<UserAdminService>().SetPasswordAsync(user.Id, "Another-Passw0rd", None);
        var project = await Projects.CreateAsync(Name("Audited project"), null, None);

        var audit = fixture.Get<AuditService>();
        var entries = (await audit.QueryAsync(new AuditQuery(ObjectId: user.Id.ToString()), None)).Items;
        var reset = entries.Single(e => e.Action == "user.password.reset");
        reset.ActorName.ShouldBe("admin");
        reset.ActorId.ShouldBe(fixture.Admin.Id);
        reset.ClientIp.ShouldBe("127.0.0.9");
        reset.CorrelationId.ShouldBe("test-correlation");
        JsonDocument.Parse(reset.Summary!).RootElement.GetProperty("password").GetString().ShouldBe("***");
        reset.Summary!.ShouldNotContain("Another-Passw0rd");
        (await audit.QueryAsync(new AuditQuery(Action: "project.create", ObjectId: project.Id.ToString()), None)).TotalCount.ShouldBe(1);

        var csv = new StringWriter();
        await audit.ExportCsvAsync(new AuditQuery(ObjectId: user.Id.ToString()), csv, None);
        var lines = csv.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
        lines[0].ShouldStartWith("id,at,actor_id,actor,action");
        lines.Length.ShouldBe(entries.Count + 1);

        await fixture.As(user, () => Should.ThrowAsync<ForbiddenException>(() => audit.QueryAsync(new AuditQuery(), None)));
    }

    private static string Name(string prefix) => $"{prefix}{Guid.NewGuid().ToString("N")[..6]}";
}

public sealed class SqliteAccessControlTests(SqliteServicesFixture fixture) : AccessControlTests<SqliteServicesFixture>(fixture);

public sealed class PostgresAccessControlTests(PostgresServicesFixture fixture) : AccessControlTests<PostgresServicesFixture>(fixture);
