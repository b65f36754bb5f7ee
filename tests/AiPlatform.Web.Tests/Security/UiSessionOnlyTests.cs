using System.Net;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Security;

/// <summary>Only cookie sessions drive pages: a token (read-only or not) or HTTP Basic reaches neither the Blazor circuit nor any page.</summary>
public sealed class UiSessionOnlyTests : ApiTestBase
{
    [Fact]
    public async Task A_read_only_token_cannot_negotiate_a_blazor_circuit_or_render_a_page()
    {
        var token = await Admin.MintTokenAsync("Read");
        var bearer = Factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false }).WithBearer(token);

        (await bearer.GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.OK, "the token itself is valid on the API");
        (await bearer.GetAsync("/_blazor/negotiate")).StatusCode.ShouldBeOneOf(HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden);
        (await bearer.PostAsync("/_blazor/negotiate?negotiateVersion=1", new StringContent(string.Empty))).StatusCode.ShouldBeOneOf(HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden);
        (await bearer.PostAsync("/_blazor/negotiate?negotiateVersion=1", new StringContent(string.Empty) { Headers = { { "X-Requested-With", "XMLHttpRequest" } } })).StatusCode.ShouldBeOneOf(HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden);

        foreach (var path in new[] { "/", "/projects", "/me", "/admin/users", "/hangfire" })
        {
            var page = await bearer.GetAsync(path);
            page.StatusCode.ShouldBe(HttpStatusCode.Redirect, path);
            page.Headers.Location!.ToString().ShouldContain("/account/login", customMessage: path);
        }
    }

    [Fact]
    public async Task Basic_and_read_write_tokens_do_not_render_pages_either()
    {
        var token = await Admin.MintTokenAsync();
        var bearer = Factory.CreateClient(new Microsoft.AspNetCore.Mvc.Testing.WebApplicationFactoryClientOptions { AllowAutoRedirect = false }).WithBearer(token);

        foreach (var client in new[] { Admin, bearer })
        {
            var page = await client.GetAsync("/admin/users");
            page.StatusCode.ShouldBe(HttpStatusCode.Redirect);
            (await page.Content.ReadAsStringAsync()).ShouldNotContain("data-testid=\"users");
            (await client.PostAsync("/_blazor/negotiate?negotiateVersion=1", new StringContent(string.Empty))).StatusCode.ShouldBeOneOf(HttpStatusCode.Unauthorized, HttpStatusCode.Forbidden);
        }
    }

    [Fact]
    public async Task A_cookie_session_still_negotiates_the_circuit()
    {
        var cookie = await CookieSession.SignInAsync(Factory, "admin", PlatformWebFactory.AdminPassword);
        using var request = new HttpRequestMessage(HttpMethod.Post, "/_blazor/negotiate?negotiateVersion=1") { Content = new StringContent(string.Empty) };
        request.Headers.Add("X-Requested-With", "XMLHttpRequest");

        var response = await cookie.SendAsync(request);

        response.StatusCode.ShouldBe(HttpStatusCode.OK, await response.Content.ReadAsStringAsync());
        (await response.Content.ReadAsStringAsync()).ShouldContain("connectionToken");
    }
}
