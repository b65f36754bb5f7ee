using AiPlatform.Core.Preferences;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiPlatform.Web.Features.Localization;

/// <summary>The caller's UI preferences: language, dark mode, first-run checklist dismissed.</summary>
public static class PreferenceEndpoints
{
    public static RouteGroupBuilder MapPreferenceEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/me/preferences").WithTags("Me").RequireAuthorization();
        group.MapGet("/", GetAsync).WithName("GetMyPreferences").WithSummary("The caller's language, dark mode and checklist state.");
        group.MapPut("/", UpdateAsync).WithName("UpdateMyPreferences").WithSummary("Changes the values given (others stay); a language also sets the culture cookie.");
        return group;
    }

    static async Task<Ok<UserPreferences>> GetAsync(UserPreferenceService preferences, CancellationToken ct) =>
        TypedResults.Ok(await preferences.GetMineAsync(ct));

    static async Task<Ok<UserPreferences>> UpdateAsync(PreferenceUpdate body, UserPreferenceService preferences, HttpContext http, CancellationToken ct)
    {
        var saved = await preferences.UpdateMineAsync(body, ct);
        if (body.Culture is { } culture)
        {
            CultureEndpoints.SetCookie(http, culture);
        }

        return TypedResults.Ok(saved);
    }
}
