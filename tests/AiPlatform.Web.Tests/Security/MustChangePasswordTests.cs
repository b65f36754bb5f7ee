using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Security;

/// <summary>
/// A user who must change the password can do nothing else, whatever the credential: HTTP Basic (the reported hole),
/// a personal access token minted before the reset, or the session cookie; in particular no token can be minted.
/// </summary>
public sealed class MustChangePasswordTests : ApiTestBase
{
    private async Task<Guid> CreateAsync(string userName, bool mustChange)
    {
        var response = await Admin.PostAsJsonAsync("/api/v1/users", new { userName, password = "Passw0rd-" + userName, mustChangePassword = mustChange, roleIds = new[] { SystemRoles.IdOf(SystemRoles.ModelDeveloper) } });
        response.StatusCode.ShouldBe(HttpStatusCode.Created, await response.Content.ReadAsStringAsync());
        return (await response.Content.ReadFromJsonAsync<System.Text.Json.JsonElement>()).GetProperty("id").GetGuid();
    }

    [Fact]
    public async Task Over_http_basic_every_route_but_the_password_change_answers_password_change_required()
    {
        await CreateAsync("fresh", mustChange: true);
        var basic = Factory.CreateClientAs("fresh", "Passw0rd-fresh");

        await (await basic.GetAsync("/api/v1/me")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "password-change-required");
        await (await basic.GetAsync("/api/v1/projects")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "password-change-required");
        await (await basic.PostAsJsonAsync("/api/v1/me/tokens", new { name = "escape", scope = "ReadWrite" })).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "password-change-required");
        await (await basic.PostAsJsonAsync("/api/2.0/mlflow/experiments/search", new { max_results = 10 })).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "password-change-required");
        // The OpenAI-compatible gateway says it in OpenAI's error shape, the problem type as its code.
        var gateway = await basic.GetAsync("/v1/models");
        gateway.StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        var error = JsonDocument.Parse(await gateway.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        error.GetProperty("code").GetString().ShouldBe("password-change-required");
        error.GetProperty("type").GetString().ShouldBe("permission_error");

        var changed = await basic.PostAsJsonAsync("/api/v1/me/password", new { currentPassword = "Passw0rd-fresh", newPassword = "N3w-Passw0rd-fresh" });
        changed.StatusCode.ShouldBe(HttpStatusCode.NoContent, await changed.Content.ReadAsStringAsync());
        var after = Factory.CreateClientAs("fresh", "N3w-Passw0rd-fresh");
        (await after.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
        await after.MintTokenAsync();
    }

    [Fact]
    public async Task A_token_minted_before_a_password_reset_is_held_until_the_password_is_changed()
    {
        var id = await CreateAsync("reset", mustChange: false);
        var token = await Factory.CreateClientAs("reset", "Passw0rd-reset").MintTokenAsync();
        (await Admin.PostAsJsonAsync($"/api/v1/users/{id}/password", new { password = "Temp-Passw0rd-1" })).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var bearer = Factory.CreateClient().WithBearer(token);

        await (await bearer.GetAsync("/api/v1/me")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "password-change-required");
        await (await bearer.PostAsJsonAsync("/api/v1/me/tokens", new { name = "escape", scope = "ReadWrite" })).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "password-change-required");
        await (await bearer.PostAsJsonAsync("/api/2.0/mlflow/experiments/create", new { name = "sneaky" })).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "password-change-required");
    }

    [Fact]
    public async Task A_cookie_session_gets_the_problem_on_api_calls_and_the_change_password_page_for_pages()
    {
        await CreateAsync("browser", mustChange: true);
        var cookie = await CookieSession.SignInAsync(Factory, "browser", "Passw0rd-browser");

        await (await cookie.GetAsync("/api/v1/me")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "password-change-required");
        var page = await cookie.GetAsync("/projects");
        page.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        page.Headers.Location!.ToString().ShouldStartWith("/account/change-password");
        (await cookie.GetAsync("/account/change-password")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
