using System.Net;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Mvc.Testing;

namespace AiPlatform.Web.Tests.Builders;

/// <summary>A client signed in the way a browser is: the login form (with its antiforgery token) and the session cookie.</summary>
public static partial class CookieSession
{
    public static Task<HttpClient> SignInAsync(WebApplicationFactory<Program> factory, string userName, string password) =>
        SignInAsync(factory, userName, password, new CookieContainer());

    /// <summary>Signs in with <paramref name="cookies"/> as the browser's cookie jar (so a test can add its own cookies).</summary>
    public static async Task<HttpClient> SignInAsync(WebApplicationFactory<Program> factory, string userName, string password, CookieContainer cookies)
    {
        var client = factory.CreateDefaultClient(new Microsoft.AspNetCore.Mvc.Testing.Handlers.CookieContainerHandler(cookies));
        var form = await client.GetStringAsync("/account/login");
        var token = AntiforgeryField().Match(form).Groups[1].Value;
        token.ShouldNotBeNullOrEmpty("the login form carries an antiforgery token");
        var response = await client.PostAsync("/account/login", new FormUrlEncodedContent(new Dictionary<string, string>
        {
            ["userName"] = userName,
            ["password"] = password,
            ["returnUrl"] = "/",
            ["__RequestVerificationToken"] = WebUtility.HtmlDecode(token),
        }));
        response.StatusCode.ShouldBe(HttpStatusCode.Redirect);
        response.Headers.Location!.ToString().ShouldNotContain("error");
        return client;
    }

    [GeneratedRegex("<input[^>]*name=\"__RequestVerificationToken\"[^>]*value=\"([^\"]+)\"")]
    private static partial Regex AntiforgeryField();
}
