using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Web.Features.Me;
using AiPlatform.Web.Features.Projects;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Access;

/// <summary>
/// Issue 17, defect 5 over HTTP: an object's grants name their principals; a user's display name only for those who may
/// manage the object; a principal that is gone reads null rather than its id; a Read holder still may not grant.
/// </summary>
public sealed class GrantNamesApiTests : ApiTestBase
{
    [Fact]
    public async Task Grants_name_their_principals_and_a_read_holder_sees_no_display_names_and_may_not_grant()
    {
        var alice = await CreateUserAsync("alice", SystemRoles.ModelDeveloper);
        var created = await Admin.PostAsJsonAsync("/api/v1/users", new { userName = "carol", displayName = "Carol King", password = "Passw0rd-carol", mustChangePassword = false, roleIds = new[] { SystemRoles.IdOf(SystemRoles.Viewer) } });
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var carol = Factory.CreateClientAs("carol", "Passw0rd-carol");
        var carolId = (await carol.GetFromJsonAsync<MeView>("/api/v1/me", JsonDefaults.Options))!.Id;
        var group = JsonDocument.Parse(await (await Admin.PostAsJsonAsync("/api/v1/groups", new { name = "ml-team" })).Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        var project = (await (await alice.PostAsJsonAsync("/api/v1/projects", new { name = "churn" })).Content.ReadFromJsonAsync<ProjectView>(JsonDefaults.Options))!;
        var url = $"/api/v1/projects/{project.Id}/grants";
        (await alice.PostAsJsonAsync(url, new { principalType = "User", principalId = carolId, level = "Read" }, JsonDefaults.Options)).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await alice.PostAsJsonAsync(url, new { principalType = "Group", principalId = group, level = "Write" }, JsonDefaults.Options)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var asManager = (await alice.GetFromJsonAsync<List<GrantView>>(url, JsonDefaults.Options))!;
        asManager.Single(g => g.PrincipalId == carolId).ShouldSatisfyAllConditions(
            g => g.PrincipalName.ShouldBe("carol"),
            g => g.PrincipalDisplayName.ShouldBe("Carol King"));
        asManager.Single(g => g.PrincipalId == group).PrincipalName.ShouldBe("ml-team");

        var asReader = (await carol.GetFromJsonAsync<List<GrantView>>(url, JsonDefaults.Options))!;
        asReader.Select(g => g.PrincipalName).ShouldBe(["carol", "ml-team"], ignoreOrder: true);
        asReader.ShouldAllBe(g => g.PrincipalDisplayName == null);

        var refused = await carol.PostAsJsonAsync(url, new { principalType = "User", principalId = carolId, level = "Manage" }, JsonDefaults.Options);
        refused.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("type").GetString().ShouldBe("urn:aiplatform:problem:forbidden");
        (await alice.GetFromJsonAsync<List<GrantView>>(url, JsonDefaults.Options))!.Single(g => g.PrincipalId == carolId).Level.ShouldBe(PermissionLevel.Read);
    }

    [Fact]
    public async Task A_user_manager_sees_that_a_grant_exists_but_not_the_name_of_an_object_they_cannot_read()
    {
        var alice = await CreateUserAsync("alice", SystemRoles.ModelDeveloper);
        var bob = await CreateUserAsync("bob", SystemRoles.Viewer);
        var bobId = (await bob.GetFromJsonAsync<MeView>("/api/v1/me", JsonDefaults.Options))!.Id;
        var role = JsonDocument.Parse(await (await Admin.PostAsJsonAsync("/api/v1/roles", new { name = "helpdesk", capabilities = new[] { "users.manage" } })).Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        (await Admin.PostAsJsonAsync("/api/v1/users", new { userName = "desk", password = "Passw0rd-desk", mustChangePassword = false, roleIds = new[] { role } })).StatusCode.ShouldBe(HttpStatusCode.Created);
        var desk = Factory.CreateClientAs("desk", "Passw0rd-desk");
        var project = (await (await alice.PostAsJsonAsync("/api/v1/projects", new { name = "secret-merger" })).Content.ReadFromJsonAsync<ProjectView>(JsonDefaults.Options))!;
        (await alice.PostAsJsonAsync($"/api/v1/projects/{project.Id}/grants", new { principalType = "User", principalId = bobId, level = "Read" }, JsonDefaults.Options)).StatusCode.ShouldBe(HttpStatusCode.OK);

        var seenByDesk = await desk.GetStringAsync($"/api/v1/users/{bobId}/permissions");
        seenByDesk.ShouldNotContain("secret-merger");
        var grant = JsonDocument.Parse(seenByDesk).RootElement.GetProperty("grants").EnumerateArray().Single(g => g.GetProperty("objectId").GetGuid() == project.Id);
        grant.GetProperty("objectHidden").GetBoolean().ShouldBeTrue();

        // Bob himself, and an administrator who sees everything, read the name.
        (await bob.GetStringAsync("/api/v1/me/permissions")).ShouldContain("secret-merger");
        (await Admin.GetStringAsync($"/api/v1/users/{bobId}/permissions")).ShouldContain("secret-merger");
    }

    [Fact]
    public async Task The_audit_api_is_refused_to_a_user_without_audit_read()
    {
        var reader = await CreateUserAsync("reader", SystemRoles.Viewer);

        (await reader.GetAsync("/api/v1/audit?pageSize=5")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await Admin.GetAsync("/api/v1/audit?pageSize=5")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
