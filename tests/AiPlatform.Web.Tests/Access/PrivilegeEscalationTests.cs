using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Access;

/// <summary>
/// Holders of users.manage, groups.manage or roles.manage try to make themselves (or an accomplice) more powerful over
/// REST: every path is refused with 403 problem details and changes nothing; an Admin still may.
/// </summary>
public sealed class PrivilegeEscalationTests : ApiTestBase
{
    private static readonly Guid AdminRole = SystemRoles.IdOf(SystemRoles.Admin);

    [Fact]
    public async Task A_users_manage_holder_cannot_give_herself_or_an_accomplice_a_role_with_more_than_she_holds()
    {
        var userAdmins = await CreateRoleAsync("User admins", Capabilities.UsersManage);
        var (mallory, malloryId) = await CreateUserWithRolesAsync("mallory", userAdmins);
        var (_, accompliceId) = await CreateUserWithRolesAsync("accomplice");

        await ShouldBeForbiddenAsync(await mallory.PutAsJsonAsync($"/api/v1/users/{malloryId}/roles", new { roleIds = new[] { userAdmins, AdminRole } }), "own roles");
        await ShouldBeForbiddenAsync(await mallory.PutAsJsonAsync($"/api/v1/users/{malloryId}/roles", new { roleIds = new[] { userAdmins } }), "own roles");
        await ShouldBeForbiddenAsync(await mallory.PutAsJsonAsync($"/api/v1/users/{accompliceId}/roles", new { roleIds = new[] { AdminRole } }), "objects.manage-all");
        await ShouldBeForbiddenAsync(await mallory.PutAsJsonAsync($"/api/v1/users/{accompliceId}/roles", new { roleIds = new[] { SystemRoles.IdOf(SystemRoles.DataEngineer) } }), "datasets.create");
        await ShouldBeForbiddenAsync(
            await mallory.PostAsJsonAsync("/api/v1/users", new { userName = "sleeper", password = "Passw0rd-sleeper", mustChangePassword = false, roleIds = new[] { AdminRole } }),
            "objects.manage-all");

        (await RolesOfAsync(malloryId)).ShouldBe([userAdmins]);
        (await RolesOfAsync(accompliceId)).ShouldBeEmpty();
        (await Admin.GetFromJsonAsync<JsonElement>("/api/v1/users?q=sleeper", JsonDefaults.Options)).GetProperty("items").GetArrayLength().ShouldBe(0);

        (await mallory.PutAsJsonAsync($"/api/v1/users/{accompliceId}/roles", new { roleIds = new[] { userAdmins } })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await RolesOfAsync(accompliceId)).ShouldBe([userAdmins]);
    }

    [Fact]
    public async Task A_users_manage_holder_cannot_take_over_an_administrator_account()
    {
        var userAdmins = await CreateRoleAsync("User admins", Capabilities.UsersManage);
        var (mallory, _) = await CreateUserWithRolesAsync("mallory", userAdmins);
        var (_, viewerId) = await CreateUserWithRolesAsync("plain");
        var adminId = await UserIdAsync("admin");

        await ShouldBeForbiddenAsync(await mallory.PostAsJsonAsync($"/api/v1/users/{adminId}/password", new { password = "Taken-0ver-Passw0rd" }), "account 'admin'");
        await ShouldBeForbiddenAsync(await mallory.PostAsync($"/api/v1/users/{adminId}/reset-mfa", null), "account 'admin'");
        await ShouldBeForbiddenAsync(await mallory.PostAsync($"/api/v1/users/{adminId}/disable", null), "account 'admin'");

        (await Factory.CreateClientAs("admin", "Taken-0ver-Passw0rd").GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await Admin.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await mallory.PostAsJsonAsync($"/api/v1/users/{viewerId}/password", new { password = "Reset-by-Mallory-1" })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task A_roles_manage_holder_cannot_give_a_group_more_than_she_holds_nor_change_the_roles_of_her_own_group()
    {
        var roleAdmins = await CreateRoleAsync("Role admins", Capabilities.RolesManage, Capabilities.GroupsManage);
        var (mallory, malloryId) = await CreateUserWithRolesAsync("mallory", roleAdmins);
        var outside = await CreateGroupAsync("outside");
        var mine = await CreateGroupAsync("mine");
        (await Admin.PostAsJsonAsync($"/api/v1/groups/{mine}/members", new { userId = malloryId })).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        await ShouldBeForbiddenAsync(await mallory.PutAsJsonAsync($"/api/v1/groups/{outside}/roles", new { roleIds = new[] { AdminRole } }), "objects.manage-all");
        await ShouldBeForbiddenAsync(await mallory.PutAsJsonAsync($"/api/v1/groups/{outside}/roles", new { roleIds = new[] { SystemRoles.IdOf(SystemRoles.ModelDeveloper) } }), "models.deploy");
        await ShouldBeForbiddenAsync(await mallory.PutAsJsonAsync($"/api/v1/groups/{mine}/roles", new { roleIds = new[] { roleAdmins } }), "member of 'mine'");

        (await Admin.GetFromJsonAsync<List<Guid>>($"/api/v1/groups/{outside}/roles"))!.ShouldBeEmpty();
        (await Admin.GetFromJsonAsync<List<Guid>>($"/api/v1/groups/{mine}/roles"))!.ShouldBeEmpty();
        (await mallory.PutAsJsonAsync($"/api/v1/groups/{outside}/roles", new { roleIds = new[] { roleAdmins } })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task A_users_manage_holder_cannot_take_over_an_account_that_holds_grants_or_owns_objects_she_cannot_reach()
    {
        var userAdmins = await CreateRoleAsync("User admins", Capabilities.UsersManage, Capabilities.DatasetsCreate);
        var creators = await CreateRoleAsync("Creators", Capabilities.DatasetsCreate);
        var (mallory, _) = await CreateUserWithRolesAsync("mallory", userAdmins);
        var (_, granteeId) = await CreateUserWithRolesAsync("grantee");
        var (owner, ownerId) = await CreateUserWithRolesAsync("owner", creators);
        var project = JsonDocument.Parse(await (await Admin.PostAsJsonAsync("/api/v1/projects", new { name = "Payroll" })).Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        (await Admin.PostAsJsonAsync($"/api/v1/projects/{project}/grants", new { principalType = "User", principalId = granteeId, level = "Read" }, JsonDefaults.Options)).EnsureSuccessStatusCode();
        (await owner.PostAsJsonAsync("/api/v1/datasets", new { name = "owner-private" })).StatusCode.ShouldBe(HttpStatusCode.Created);

        // Resetting the password and signing in as the account would give its private objects and grants.
        await ShouldBeForbiddenAsync(await mallory.PostAsJsonAsync($"/api/v1/users/{granteeId}/password", new { password = "Taken-0ver-Passw0rd" }), "Read on a project");
        await ShouldBeForbiddenAsync(await mallory.PostAsync($"/api/v1/users/{granteeId}/reset-mfa", null), "Read on a project");
        await ShouldBeForbiddenAsync(await mallory.PostAsync($"/api/v1/users/{granteeId}/disable", null), "Read on a project");
        await ShouldBeForbiddenAsync(await mallory.PostAsJsonAsync($"/api/v1/users/{ownerId}/password", new { password = "Taken-0ver-Passw0rd" }), "owns objects");
        await ShouldBeForbiddenAsync(await mallory.PostAsync($"/api/v1/users/{ownerId}/disable", null), "owns objects");

        (await Factory.CreateClientAs("grantee", "Taken-0ver-Passw0rd").GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await Factory.CreateClientAs("owner", "Taken-0ver-Passw0rd").GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await owner.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.OK);

        // Once Mallory holds the same grant, the grantee's account is no more than she can reach already.
        var malloryId = await UserIdAsync("mallory");
        (await Admin.PostAsJsonAsync($"/api/v1/projects/{project}/grants", new { principalType = "User", principalId = malloryId, level = "Read" }, JsonDefaults.Options)).EnsureSuccessStatusCode();
        (await mallory.PostAsJsonAsync($"/api/v1/users/{granteeId}/password", new { password = "Reset-by-Mallory-1" })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await Admin.PostAsJsonAsync($"/api/v1/users/{ownerId}/password", new { password = "Reset-by-Admin-1" })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task A_groups_manage_holder_cannot_join_or_put_an_accomplice_into_a_group_with_more_capabilities_or_grants()
    {
        var groupAdmins = await CreateRoleAsync("Group admins", Capabilities.GroupsManage);
        var (mallory, malloryId) = await CreateUserWithRolesAsync("mallory", groupAdmins);
        var (_, accompliceId) = await CreateUserWithRolesAsync("accomplice");
        var admins = await CreateGroupAsync("admins");
        (await Admin.PutAsJsonAsync($"/api/v1/groups/{admins}/roles", new { roleIds = new[] { AdminRole } })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var finance = await CreateGroupAsync("finance");
        var project = JsonDocument.Parse(await (await Admin.PostAsJsonAsync("/api/v1/projects", new { name = "Payroll" })).Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        (await Admin.PostAsJsonAsync($"/api/v1/projects/{project}/grants", new { principalType = "Group", principalId = finance, level = "Manage" }, JsonDefaults.Options)).EnsureSuccessStatusCode();
        var plain = await CreateGroupAsync("plain");

        await ShouldBeForbiddenAsync(await mallory.PostAsJsonAsync($"/api/v1/groups/{admins}/members", new { userId = malloryId }), "own group memberships");
        await ShouldBeForbiddenAsync(await mallory.PostAsJsonAsync($"/api/v1/groups/{admins}/members", new { userId = accompliceId }), "objects.manage-all");
        await ShouldBeForbiddenAsync(await mallory.PostAsJsonAsync($"/api/v1/groups/{finance}/members", new { userId = accompliceId }), "Manage on a project");
        await ShouldBeForbiddenAsync(await mallory.PostAsJsonAsync($"/api/v1/groups/{plain}/members", new { userId = malloryId }), "own group memberships");

        (await Admin.GetFromJsonAsync<List<UserSummary>>($"/api/v1/groups/{admins}/members", JsonDefaults.Options))!.ShouldBeEmpty();
        (await Admin.GetFromJsonAsync<List<UserSummary>>($"/api/v1/groups/{finance}/members", JsonDefaults.Options))!.ShouldBeEmpty();
        (await mallory.PostAsJsonAsync($"/api/v1/groups/{plain}/members", new { userId = accompliceId })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
    }

    [Fact]
    public async Task A_roles_manage_holder_cannot_define_or_edit_a_role_beyond_her_capabilities_nor_edit_her_own_role()
    {
        var roleAdmins = await CreateRoleAsync("Role admins", Capabilities.RolesManage);
        var (mallory, _) = await CreateUserWithRolesAsync("mallory", roleAdmins);
        var other = await CreateRoleAsync("Other", Capabilities.RolesManage);

        await ShouldBeForbiddenAsync(await mallory.PostAsJsonAsync("/api/v1/roles", new { name = "Backdoor", capabilities = new[] { Capabilities.UsersManage } }), "users.manage");
        await ShouldBeForbiddenAsync(await mallory.PutAsJsonAsync($"/api/v1/roles/{roleAdmins}", new { name = "Role admins", capabilities = new[] { Capabilities.RolesManage, Capabilities.UsersManage } }), "hold the role");
        await ShouldBeForbiddenAsync(await mallory.PutAsJsonAsync($"/api/v1/roles/{roleAdmins}", new { name = "Role admins", capabilities = new[] { Capabilities.RolesManage } }), "hold the role");
        await ShouldBeForbiddenAsync(await mallory.PutAsJsonAsync($"/api/v1/roles/{other}", new { name = "Other", capabilities = new[] { Capabilities.RolesManage, Capabilities.JobsStart } }), "jobs.start");
        await ShouldBeForbiddenAsync(await mallory.PutAsJsonAsync($"/api/v1/roles/{other}", new { name = "Other", capabilities = new[] { Capabilities.ObjectsManageAll } }), "Only an Admin");

        var roles = (await Admin.GetFromJsonAsync<List<Role>>("/api/v1/roles", JsonDefaults.Options))!;
        roles.ShouldNotContain(r => r.Name == "Backdoor");
        roles.Single(r => r.Id == roleAdmins).Capabilities.ShouldBe([Capabilities.RolesManage]);
        roles.Single(r => r.Id == other).Capabilities.ShouldBe([Capabilities.RolesManage]);
        (await mallory.PostAsJsonAsync("/api/v1/roles", new { name = "Deputies", capabilities = new[] { Capabilities.RolesManage } })).StatusCode.ShouldBe(HttpStatusCode.Created);
    }

    [Fact]
    public async Task Only_an_admin_deals_in_objects_manage_all_even_for_a_user_who_holds_every_capability()
    {
        var almostAdmin = await CreateRoleAsync("Almost admin", [.. Capabilities.All]);
        var (deputy, _) = await CreateUserWithRolesAsync("deputy", almostAdmin);
        var (_, otherId) = await CreateUserWithRolesAsync("other");

        await ShouldBeForbiddenAsync(await deputy.PostAsJsonAsync("/api/v1/roles", new { name = "Auditors of all", capabilities = new[] { Capabilities.ObjectsManageAll } }), "Only an Admin");
        await ShouldBeForbiddenAsync(await deputy.PutAsJsonAsync($"/api/v1/users/{otherId}/roles", new { roleIds = new[] { almostAdmin } }), "Only an Admin");
        await ShouldBeForbiddenAsync(await deputy.PutAsJsonAsync($"/api/v1/users/{otherId}/roles", new { roleIds = new[] { AdminRole } }), "Only an Admin");

        (await Admin.PostAsJsonAsync("/api/v1/roles", new { name = "Auditors of all", capabilities = new[] { Capabilities.ObjectsManageAll } })).StatusCode.ShouldBe(HttpStatusCode.Created);
        (await Admin.PutAsJsonAsync($"/api/v1/users/{otherId}/roles", new { roleIds = new[] { AdminRole } })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await RolesOfAsync(otherId)).ShouldBe([AdminRole]);
        await ShouldBeForbiddenAsync(await Admin.PutAsJsonAsync($"/api/v1/users/{await UserIdAsync("admin")}/roles", new { roleIds = Array.Empty<Guid>() }), "own roles");
    }

    private async Task<Guid> CreateRoleAsync(string name, params string[] capabilities)
    {
        var response = await Admin.PostAsJsonAsync("/api/v1/roles", new { name, capabilities });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
    }

    private async Task<Guid> CreateGroupAsync(string name)
    {
        var response = await Admin.PostAsJsonAsync("/api/v1/groups", new { name });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
    }

    private async Task<(HttpClient Client, Guid Id)> CreateUserWithRolesAsync(string userName, params Guid[] roleIds)
    {
        var response = await Admin.PostAsJsonAsync("/api/v1/users", new { userName, password = "Passw0rd-" + userName, mustChangePassword = false, roleIds });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        var id = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        return (Factory.CreateClientAs(userName, "Passw0rd-" + userName), id);
    }

    private async Task<Guid> UserIdAsync(string userName) =>
        (await Admin.GetFromJsonAsync<JsonElement>($"/api/v1/users?q={userName}", JsonDefaults.Options)).GetProperty("items").EnumerateArray()
            .Single(u => u.GetProperty("userName").GetString() == userName).GetProperty("id").GetGuid();

    private async Task<List<Guid>> RolesOfAsync(Guid userId) => (await Admin.GetFromJsonAsync<List<Guid>>($"/api/v1/users/{userId}/roles"))!;

    private static async Task ShouldBeForbiddenAsync(HttpResponseMessage response, string detailContains)
    {
        var body = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.Forbidden, body);
        var problem = JsonDocument.Parse(body).RootElement;
        problem.GetProperty("type").GetString().ShouldBe("urn:aiplatform:problem:forbidden");
        problem.GetProperty("detail").GetString()!.ShouldContain(detailContains, Case.Insensitive);
    }
}
