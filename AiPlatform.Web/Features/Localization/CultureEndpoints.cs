using Microsoft.AspNetCore.Localization;

namespace AiPlatform.Web.Features.Localization;

public static class CultureEndpoints
{
    /// <summary>Sets the UI language cookie and returns to the page; only supported cultures and local return paths are accepted.</summary>
    public static void MapCultureEndpoints(this IEndpointRouteBuilder app) =>
        app.MapGet("/culture/set", (string culture, string? redirectUri, HttpContext http) =>
        {
            if (!WebHostExtensions.SupportedCultures.Any(c => c.Name == culture))
            {
                return Results.Problem(statusCode: 400, title: "Unsupported language.", detail: $"'{culture}' is not one of: {string.Join(", ", WebHostExtensions.SupportedCultures.Select(c => c.Name))}.");
            }

            http.Response.Cookies.Append(
                CookieRequestCultureProvider.DefaultCookieName,
                CookieRequestCultureProvider.MakeCookieValue(new RequestCulture(culture)),
                new CookieOptions { Expires = DateTimeOffset.UtcNow.AddYears(1), IsEssential = true, SameSite = SameSiteMode.Lax, HttpOnly = false });
            var target = string.IsNullOrEmpty(redirectUri) || !redirectUri.StartsWith('/') || !Uri.IsWellFormedUriString(redirectUri, UriKind.Relative) || redirectUri.StartsWith("//", StringComparison.Ordinal) || redirectUri.StartsWith("/\\", StringComparison.Ordinal)
                ? "/"
                : redirectUri;
            return Results.LocalRedirect(target);
        }).ExcludeFromDescription().AllowAnonymous();
}
