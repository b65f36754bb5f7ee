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

        // Only a navigation of the platform's own pages switches the language: an <img> or <iframe> pointing here from
        // rendered Markdown (a dataset description, a chat answer), or a link on another site, must not switch it for the
        // reader and save it to their account. Browsers send these Fetch-Metadata headers; clients without them are scripts.
        var dest = http.Request.Headers["Sec-Fetch-Dest"].ToString();
        var site = http.Request.Headers["Sec-Fetch-Site"].ToString();
        if ((dest.Length > 0 && dest != "document") || (site.Length > 0 && site is not ("same-origin" or "none")))
        {
            return TypedResults.Problem(statusCode: 403, title: "Forbidden", detail: "The language is switched from the platform's own language menu.", type: Api.ProblemTypes.ForStatus(403));
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
