using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Web.Api;
using AiPlatform.Web.Features.Me;
using AiPlatform.Web.Features.Projects;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Access;

/// <summary>What must hold over HTTP: object isolation, immediate revocation, lockout, admin-only executor dashboard, clear errors.</summary>
public sealed class ApiAccessTests : ApiTestBase
{
    [Fact]
    public async Task Me_returns_identity_roles_and_capabilities()
    {
        var me = await Admin.GetFromJsonAsync<MeView>("/api/v1/me", JsonDefaults.Options);

        me!.UserName.ShouldBe("admin");
        me.Roles.ShouldContain(SystemRoles.Admin);
        me.Capabilities.ShouldContain(Capabilities.UsersManage);
        me.ReadOnlyToken.ShouldBeFalse();
    }

    [Fact]
    public async Task User_b_cannot_reach_user_a_s_project_by_any_route_until_granted_and_loses_it_on_revoke()
    {
        var alice = await CreateUserAsync("alice", SystemRoles.ModelDeveloper);
        var bob = await CreateUserAsync("bob", SystemRoles.ModelDeveloper);
        var bobId = (await bob.GetFromJsonAsync<MeView>("/api/v1/me", JsonDefaults.Options))!.Id;
        var project = (await (await alice.PostAsJsonAsync("/api/v1/projects", new { name = "Fraud", description = "private" })).Content.ReadFromJsonAsync<ProjectView>(JsonDefaults.Options))!;
        var url = $"/api/v1/projects/{project.Id}";

        (await bob.GetFromJsonAsync<Paged<ProjectView>>("/api/v1/projects", JsonDefaults.Options))!.Items.ShouldNotContain(p => p.Id == project.Id);
        (await bob.GetAsync(url)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await bob.PutAsJsonAsync(url, new { name = "mine" })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await bob.DeleteAsync(url)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await bob.GetAsync(url + "/grants")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await bob.PostAsJsonAsync(url + "/grants", new { principalType = "User", principalId = bobId, level = "Manage" }, JsonDefaults.Options)).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var grant = await alice.PostAsJsonAsync(url + "/grants", new { principalType = "User", principalId = bobId, level = "Read" }, JsonDefaults.Options);
        grant.StatusCode.ShouldBe(HttpStatusCode.OK);
        var grantId = JsonDocument.Parse(await grant.Content.ReadAsStringAsync()).RootElement.GetProperty("id").GetGuid();

        (await bob.GetFromJsonAsync<ProjectView>(url, JsonDefaults.Options))!.Permission.ShouldBe(PermissionLevel.Read);
        (await bob.PutAsJsonAsync(url, new { name = "mine" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await bob.DeleteAsync(url)).StatusCode.ShouldBe(HttpStatusCode.Forbidden);

        (await alice.DeleteAsync($"{url}/grants/{grantId}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        (await bob.GetAsync(url)).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_revoked_token_is_refused_at_once_and_a_read_only_token_cannot_write()
    {
        var created = await Admin.PostAsJsonAsync("/api/v1/me/tokens", new { name = "ci", scope = "ReadWrite", expiresInDays = 7 }, JsonDefaults.Options);
        created.StatusCode.ShouldBe(HttpStatusCode.Created);
        var token = (await created.Content.ReadFromJsonAsync<CreatedTokenView>(JsonDefaults.Options))!;
        var viaToken = Factory.CreateClient();
        viaToken.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.Value);
        var viaBasicToken = Factory.CreateClientAs("admin", token.Value);

        (await viaToken.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await viaBasicToken.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await Admin.GetFromJsonAsync<List<TokenView>>("/api/v1/me/tokens", JsonDefaults.Options))!.Single(t => t.Id == token.Token.Id).LastUsedAt.ShouldNotBeNull();

        (await Admin.DeleteAsync($"/api/v1/me/tokens/{token.Token.Id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var refused = await viaToken.GetAsync("/api/v1/me");
        refused.StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        refused.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        (await viaBasicToken.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        var readOnly = (await (await Admin.PostAsJsonAsync("/api/v1/me/tokens", new { name = "ro", scope = "Read" }, JsonDefaults.Options)).Content.ReadFromJsonAsync<CreatedTokenView>(JsonDefaults.Options))!;
        var reader = Factory.CreateClient();
        reader.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", readOnly.Value);
        (await reader.GetAsync("/api/v1/projects")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await reader.PostAsJsonAsync("/api/v1/projects", new { name = "x" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Repeated_wrong_passwords_lock_the_account()
    {
        await CreateUserAsync("carol", SystemRoles.Viewer);
        for (var i = 0; i < 5; i++)
        {
            (await Factory.CreateClientAs("carol", "wrong-password").GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        }

        (await Factory.CreateClientAs("carol", "Passw0rd-carol").GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);
        var carol = (await Admin.GetFromJsonAsync<JsonElement>("/api/v1/users?q=carol", JsonDefaults.Options)).GetProperty("items")[0];
        carol.GetProperty("lockedOutUntil").ValueKind.ShouldNotBe(JsonValueKind.Null);
    }

    [Fact]
    public async Task The_executor_dashboard_andAdmin_apis_refuse_nonAdmins()
    {
        var viewer = await CreateUserAsync("dave", SystemRoles.Viewer);

        // The jobs dashboard is a UI page: only cookie sessions reach it.
        var viewerPage = await (await CookieSession.SignInAsync(Factory, "dave", "Passw0rd-dave")).GetAsync("/hangfire");
        viewerPage.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        viewerPage.Headers.Location!.ToString().ShouldContain("/account/access-denied");
        (await (await CookieSession.SignInAsync(Factory, "admin", PlatformWebFactory.AdminPassword)).GetAsync("/hangfire")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await Admin.GetAsync("/hangfire")).StatusCode.ShouldBe(HttpStatusCode.Redirect, "Basic does not drive pages");
        (await viewer.GetAsync("/api/v1/users")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await viewer.GetAsync("/api/v1/audit")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await viewer.PostAsJsonAsync("/api/v1/roles", new { name = "sneaky", capabilities = new[] { "users.manage" } })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await viewer.PostAsJsonAsync("/api/v1/jobs", new { kind = "storage.scan" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task Bad_user_input_gets_problem_details_and_writes_nothing()
    {
        var roles = await Admin.GetFromJsonAsync<List<Role>>("/api/v1/roles", JsonDefaults.Options);
        roles!.Select(r => r.Name).ShouldBe(SystemRoles.Templates.Keys, ignoreOrder: true);
        await CreateUserAsync("erin", SystemRoles.Viewer);

        await ShouldBeValidationAsync(await Admin.PostAsJsonAsync("/api/v1/users", new { userName = "erin", password = "Strong-Passw0rd" }), "userName");
        await ShouldBeValidationAsync(await Admin.PostAsJsonAsync("/api/v1/users", new { userName = "frank", password = "weak" }), "password");
        await ShouldBeValidationAsync(await Admin.PostAsJsonAsync("/api/v1/users", new { userName = "gina", password = "Strong-Passw0rd", roleIds = new[] { Guid.NewGuid() } }), "roles");
        await ShouldBeValidationAsync(await Admin.PostAsJsonAsync("/api/v1/roles", new { name = "x", capabilities = new[] { "fly" } }), "capabilities");

        var users = await Admin.GetFromJsonAsync<JsonElement>("/api/v1/users?pageSize=100", JsonDefaults.Options);
        users.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("userName").GetString()).ShouldNotContain("frank");
        users.GetProperty("items").EnumerateArray().Select(u => u.GetProperty("userName").GetString()).ShouldNotContain("gina");
    }

    [Fact]
    public async Task The_audit_trail_can_be_searched_and_exported_as_csv()
    {
        await CreateUserAsync("harry", SystemRoles.Viewer);

        var entries = await Admin.GetFromJsonAsync<JsonElement>("/api/v1/audit?action=user.create&q=harry", JsonDefaults.Options);
        var csv = await Admin.GetAsync("/api/v1/audit/export.csv?action=user.create");

        entries.GetProperty("totalCount").GetInt32().ShouldBe(1);
        entries.GetProperty("items")[0].GetProperty("actorName").GetString().ShouldBe("admin");
        csv.Content.Headers.ContentType!.MediaType.ShouldBe("text/csv");
        var text = await csv.Content.ReadAsStringAsync();
        text.ShouldContain("harry");
        text.ShouldNotContain("Passw0rd-harry");
    }

    private static async Task ShouldBeValidationAsync(HttpResponseMessage response, string field)
    {
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        problem.GetProperty("type").GetString().ShouldBe("urn:aiplatform:problem:validation");
        problem.GetProperty("errors").TryGetProperty(field, out _).ShouldBeTrue($"no error for {field}: {problem}");
    }
}
