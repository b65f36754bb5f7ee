using System.Net;
using System.Text;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Security;

/// <summary>
/// Cross-site request forgery with the session cookie: a page on another site can make the browser POST a
/// <c>text/plain</c> body (a "simple" request, no preflight) with the cookie; MLflow routes parsed it as JSON.
/// </summary>
public sealed class CookieCsrfTests : ApiTestBase
{
    private const string Experiment = "/api/2.0/mlflow/experiments/create";

    private static HttpRequestMessage Create(string name, string contentType, string? header = null, string? value = null)
    {
        var request = new HttpRequestMessage(HttpMethod.Post, Experiment) { Content = new StringContent($"{{\"name\":\"{name}\"}}", Encoding.UTF8, contentType) };
        if (header is not null)
        {
            request.Headers.Add(header, value);
        }

        return request;
    }

    [Fact]
    public async Task Cookie_requests_without_a_token_or_custom_header_are_refused_and_with_one_they_pass()
    {
        await CreateUserAsync("victim", "Model Developer");
        var cookie = await CookieSession.SignInAsync(Factory, "victim", "Passw0rd-victim");

        await (await cookie.SendAsync(Create("forged-text", "text/plain"))).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "csrf");
        await (await cookie.SendAsync(Create("forged-form", "application/x-www-form-urlencoded"))).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "csrf");
        await (await cookie.SendAsync(Create("forged-json", "application/json"))).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "csrf");
        await (await cookie.DeleteAsync($"/api/v1/me/tokens/{Guid.NewGuid()}")).ShouldBeProblemAsync(HttpStatusCode.Forbidden, "csrf");

        (await cookie.SendAsync(Create("with-header", "application/json", "X-AiPlatform-Csrf", "1"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await cookie.SendAsync(Create("with-xhr", "application/json", "X-Requested-With", "XMLHttpRequest"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await cookie.GetAsync("/api/2.0/mlflow/experiments/get-by-name?experiment_name=with-header")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await cookie.GetAsync("/api/2.0/mlflow/experiments/get-by-name?experiment_name=forged-text")).StatusCode.ShouldBe(HttpStatusCode.NotFound, "the forged request changed nothing");
    }

    [Fact]
    public async Task Token_and_basic_calls_need_no_header()
    {
        var token = await Admin.MintTokenAsync();

        (await Factory.CreateClient().WithBearer(token).SendAsync(Create("by-token", "application/json"))).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await Admin.SendAsync(Create("by-basic", "application/json"))).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    [Fact]
    public async Task The_sign_in_forms_keep_working_with_their_antiforgery_token()
    {
        await CreateUserAsync("former", "Viewer");
        var cookie = await CookieSession.SignInAsync(Factory, "former", "Passw0rd-former");
        var page = await cookie.GetStringAsync("/account/change-password");
        var token = System.Text.RegularExpressions.Regex.Match(page, "<input[^>]*name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"").Groups[1].Value;

        var forged = await cookie.PostAsync("/account/change-password", new FormUrlEncodedContent(new Dictionary<string, string> { ["currentPassword"] = "Passw0rd-former", ["newPassword"] = "Forged-Passw0rd-1", ["confirmPassword"] = "Forged-Passw0rd-1" }));
        var genuine = await cookie.PostAsync("/account/change-password", new FormUrlEncodedContent(new Dictionary<string, string> { ["currentPassword"] = "Passw0rd-former", ["newPassword"] = "Chosen-Passw0rd-1", ["confirmPassword"] = "Chosen-Passw0rd-1", ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token), ["returnUrl"] = "/me" }));

        forged.StatusCode.ShouldNotBe(HttpStatusCode.Redirect);
        genuine.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        genuine.Headers.Location!.ToString().ShouldBe("/me");
        (await Factory.CreateClientAs("former", "Chosen-Passw0rd-1").GetAsync("/api/v1/me")).StatusCode.ShouldBe(HttpStatusCode.OK);
    }
}
