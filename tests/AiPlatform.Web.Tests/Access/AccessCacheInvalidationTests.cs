using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Web.Features.Me;
using AiPlatform.Web.Features.Projects;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Access;

/// <summary>
/// The node's access cache never outlives a change on the same node: after a warm-up (the credentials and the context
/// are cached), each change takes effect on the very next request.
/// </summary>
public sealed class AccessCacheInvalidationTests : ApiTestBase
{
    [Fact]
    public async Task A_revoked_token_is_refused_on_the_next_request_by_bearer_and_by_basic()
    {
        var bob = await CreateUserAsync("bob", SystemRoles.ModelDeveloper);
        var token = await MintTokenAsync(bob);
        var bearer = BearerClient(token.Value);
        var basic = Factory.CreateClientAs("bob", token.Value);
        await WarmAsync(bearer, "/api/v1/me");
        await WarmAsync(basic, "/api/v1/me");

        (await bob.DeleteAsync($"/api/v1/me/tokens/{token.Token.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await bearer.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await basic.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
    }

    [Fact]
    public async Task A_disabled_user_is_refused_on_the_next_request_by_password_and_by_token_and_back_when_enabled()
    {
        var bob = await CreateUserAsync("bob", SystemRoles.ModelDeveloper);
        var bearer = BearerClient((await MintTokenAsync(bob)).Value);
        var bobId = await IdOfAsync(bob);
        await WarmAsync(bob, "/api/v1/me");
        await WarmAsync(bearer, "/api/v1/me");

        (await Admin.PostAsync($"/api/v1/users/{bobId}/disable", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await bob.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        (await bearer.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        (await Admin.PostAsync($"/api/v1/users/{bobId}/enable", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await bob.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await bearer.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task A_changed_password_replaces_the_cached_one_on_the_next_request_and_a_reset_one_must_be_changed()
    {
        var bob = await CreateUserAsync("bob", SystemRoles.ModelDeveloper);
        var bobId = await IdOfAsync(bob);
        await WarmAsync(bob, "/api/v1/projects");

        var change = await bob.PostAsJsonAsync("/api/v1/me/password", new { currentPassword = "Passw0rd-bob", newPassword = "New-Passw0rd-bob" });
        change.StatusCode.ShouldBe(HttpStatusCode.NoContent, await change.Content.ReadAsStringAsync());

        (await bob.GetAsync("/api/v1/projects")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "the old password is still accepted");
        var renewed = Factory.CreateClientAs("bob", "New-Passw0rd-bob");
        await WarmAsync(renewed, "/api/v1/projects");

        (await Admin.PostAsJsonAsync($"/api/v1/users/{bobId}/password", new { password = "Reset-Passw0rd-bob" })).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await renewed.GetAsync("/api/v1/projects")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "the password bob chose is still accepted after the reset");
        var reset = await Factory.CreateClientAs("bob", "Reset-Passw0rd-bob").GetAsync("/api/v1/projects");
        reset.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        JsonDocument.Parse(await reset.Content.ReadAsStringAsync()).RootElement.GetProperty("type").GetString().ShouldEndWith("password-change-required");
    }

    [Fact]
    public async Task A_capability_taken_from_a_role_or_a_role_taken_from_the_user_is_refused_on_the_next_request()
    {
        var role = await Admin.PostAsJsonAsync("/api/v1/roles", new { name = "auditors", capabilities = new[] { Capabilities.AuditRead } });
        role.StatusCode.ShouldBe(HttpStatusCode.Created, await role.Content.ReadAsStringAsync());
        var roleId = JsonDocument.Parse(await role.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        var bob = await CreateUserAsync("bob", SystemRoles.Viewer);
        var bobId = await IdOfAsync(bob);
        (await Admin.PutAsJsonAsync($"/api/v1/users/{bobId}/roles", new { roleIds = new[] { roleId } })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await WarmAsync(bob, "/api/v1/audit");

        (await Admin.PutAsJsonAsync($"/api/v1/roles/{roleId}", new { name = "auditors", capabilities = Array.Empty<string>() })).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await bob.GetAsync("/api/v1/audit")).StatusCode.ShouldBe(HttpStatusCode.Forbidden, "the capability taken from the role still works");

        (await Admin.PutAsJsonAsync($"/api/v1/roles/{roleId}", new { name = "auditors", capabilities = new[] { Capabilities.AuditRead } })).StatusCode.ShouldBe(HttpStatusCode.OK);
        await WarmAsync(bob, "/api/v1/audit");
        (await Admin.PutAsJsonAsync($"/api/v1/users/{bobId}/roles", new { roleIds = Array.Empty<Guid>() })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await bob.GetAsync("/api/v1/audit")).StatusCode.ShouldBe(HttpStatusCode.Forbidden, "the role taken from bob still works");
    }

    [Fact]
    public async Task Leaving_a_group_that_held_a_grant_hides_the_object_on_the_next_request()
    {
        var bob = await CreateUserAsync("bob", SystemRoles.Viewer);
        var bobId = await IdOfAsync(bob);
        var project = await CreateProjectAsync("shared-with-team");
        var group = await Admin.PostAsJsonAsync("/api/v1/groups", new { name = "team" });
        var groupId = JsonDocument.Parse(await group.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        (await Admin.PostAsJsonAsync($"/api/v1/groups/{groupId}/members", new { userId = bobId })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await Admin.PostAsJsonAsync($"/api/v1/projects/{project}/grants", new { principalType = "Group", principalId = groupId, level = "Read" }, JsonDefaults.Options)).StatusCode.ShouldBe(HttpStatusCode.OK);
        await WarmAsync(bob, $"/api/v1/projects/{project}");

        (await Admin.DeleteAsync($"/api/v1/groups/{groupId}/members/{bobId}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await bob.GetAsync($"/api/v1/projects/{project}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_removed_grant_hides_the_object_on_the_next_request_by_password_and_by_token()
    {
        var bob = await CreateUserAsync("bob", SystemRoles.Viewer);
        var bearer = BearerClient((await MintTokenAsync(bob)).Value);
        var bobId = await IdOfAsync(bob);
        var project = await CreateProjectAsync("shared-with-bob");
        var grant = await Admin.PostAsJsonAsync($"/api/v1/projects/{project}/grants", new { principalType = "User", principalId = bobId, level = "Read" }, JsonDefaults.Options);
        var grantId = JsonDocument.Parse(await grant.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();
        await WarmAsync(bob, $"/api/v1/projects/{project}");
        await WarmAsync(bearer, $"/api/v1/projects/{project}");

        (await Admin.DeleteAsync($"/api/v1/projects/{project}/grants/{grantId}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);

        (await bob.GetAsync($"/api/v1/projects/{project}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await bearer.GetAsync($"/api/v1/projects/{project}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task Wrong_passwords_are_never_cached_count_toward_lockout_and_the_lockout_ends_a_cached_password()
    {
        var carol = await CreateUserAsync("carol", SystemRoles.Viewer);
        await WarmAsync(carol, "/api/v1/me");
        var wrong = Factory.CreateClientAs("carol", "wrong-password");

        for (var i = 0; i < 5; i++)
        {
            (await wrong.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        (await carol.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized, "the cached right password still works after the lockout");
        var user = (await Admin.GetFromJsonAsync<JsonElement>("/api/v1/users?q=carol", JsonDefaults.Options)).GetProperty("items")[0];
        user.GetProperty("lockedOutUntil").ValueKind.ShouldNotBe(JsonValueKind.Null, "five wrong passwords in a row lock the account: each one was checked");
        var failures = await Admin.GetFromJsonAsync<JsonElement>("/api/v1/audit?action=signin.failed&q=carol", JsonDefaults.Options);
        failures.GetProperty("totalCount").GetInt32().ShouldBeGreaterThanOrEqualTo(5, "each wrong password is audited");
    }

    private async Task WarmAsync(HttpClient client, string path)
    {
        for (var i = 0; i < 2; i++)
        {
            var response = await client.GetAsync(path);
            response.StatusCode.ShouldBe(HttpStatusCode.OK, $"warming {path}: {await response.Content.ReadAsStringAsync()}");
        }
    }

    private HttpClient BearerClient(string token)
    {
        var client = Factory.CreateClient();
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    private static async Task<CreatedTokenView> MintTokenAsync(HttpClient owner)
    {
        var created = await owner.PostAsJsonAsync("/api/v1/me/tokens", new { name = "cli", scope = "ReadWrite", expiresInDays = 7 }, JsonDefaults.Options);
        created.StatusCode.ShouldBe(HttpStatusCode.Created, await created.Content.ReadAsStringAsync());
        return (await created.Content.ReadFromJsonAsync<CreatedTokenView>(JsonDefaults.Options))!;
    }

    private static async Task<Guid> IdOfAsync(HttpClient client) => (await client.GetFromJsonAsync<MeView>("/api/v1/me", JsonDefaults.Options))!.Id;

    private async Task<Guid> CreateProjectAsync(string name)
    {
        var response = await Admin.PostAsJsonAsync("/api/v1/projects", new { name });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<ProjectView>(JsonDefaults.Options))!.Id;
    }
}
