using AiPlatform.Core.Access;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Localization;

namespace AiPlatform.Web.Features.Localization;

public static class CultureEndpoints
{
    /// <summary>Sets the UI language cookie and returns to the page; only supported cultures and local return paths are accepted.</summary>
    public static void MapCultureEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGet("/culture/set", SetAsync).ExcludeFromDescription().AllowAnonymous();

    static async Task<Results<ProblemHttpResult, RedirectHttpResult>> SetAsync(string culture, string? redirectUri, HttpContext http, ICurrentUser currentUser, IAccountService accounts)
    {
        if (!WebHostExtensions.SupportedCultures.Any(c => c.Name == culture))
        {
            return TypedResults.Problem(statusCode: 400, title: "Unsupported language.", detail: $"'{culture}' is not one of: {string.Join(", ", WebHostExtensions.SupportedCultures.Select(c => c.Name))}.");
        }

        SetCookie(http, culture);
        if (await currentUser.GetAsync(http.RequestAborted) is { ReadOnly: false } caller)
        {
            await accounts.SetPreferredCultureAsync(caller.Id, culture, http.RequestAborted);
        }
        var target = string.IsNullOrEmpty(redirectUri) || !redirectUri.StartsWith('/') || !Uri.IsWellFormedUriString(redirectUri, UriKind.Relative) || redirectUri.StartsWith("//", StringComparison.Ordinal) || redirectUri.StartsWith("/\\", StringComparison.Ordinal)
            ? "/"
            : redirectUri;
        return TypedResults.LocalRedirect(target);
    }

    /// <summary>Sets the ASP.NET culture cookie (also used at sign-in to restore the user's language).</summary>
    public static void SetCookie(HttpContext http, string culture) =>
        http.Response.Cookies.Append(
            CookieRequestCultureProvider.DefaultCookieName,
            CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
            new CookieOptions { Expires = DateTimeOffset.UtcNow.AddYears(1), IsEssential = true, SameSite = SameSiteMode.Lax, HttpOnly = false });
}
