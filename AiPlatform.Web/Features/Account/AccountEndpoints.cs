using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace AiPlatform.Web.Features.Account;

/// <summary>Form posts of the sign-in pages (cookie sign-in cannot happen inside a Blazor circuit). All protected by antiforgery.</summary>
public static class AccountEndpoints
{
    public static void MapAccountEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/account").ExcludeFromDescription();
        group.MapPost("/login", LoginAsync).AllowAnonymous();
        group.MapPost("/login-2fa", TwoFactorAsync).AllowAnonymous();
        group.MapPost("/logout", LogoutAsync).WithMetadata(new Microsoft.AspNetCore.Antiforgery.RequireAntiforgeryTokenAttribute());
        group.MapGet("/login/external", ExternalLogin).AllowAnonymous();
        group.MapPost("/change-password", ChangePasswordAsync);
    }

    /// <summary>Starts the OIDC sign-in when it is enabled; otherwise back to the login form.</summary>
    static Results<ChallengeHttpResult, RedirectHttpResult> ExternalLogin(string? returnUrl, ISignInSettingsProvider settings) =>
        settings.Current.OidcEnabled
            ? TypedResults.Challenge(new Microsoft.AspNetCore.Authentication.AuthenticationProperties { RedirectUri = SafeReturnUrl(returnUrl) }, ["oidc"])
            : TypedResults.LocalRedirect("/account/login");

    static async Task<IResult> LoginAsync([FromForm] string? userName, [FromForm] string? password, [FromForm] bool? remember, [FromForm] string? returnUrl, IAccountService accounts, HttpContext http, CancellationToken ct)
    {
        var status = await accounts.PasswordSignInAsync(userName ?? string.Empty, password ?? string.Empty, remember == true, ct);
        if (status is SignInStatus.Succeeded or SignInStatus.MustChangePassword or SignInStatus.RequiresTwoFactor
            && await accounts.GetPreferredCultureAsync(userName ?? string.Empty, ct) is { } culture
            && WebHostExtensions.SupportedCultures.Any(c => c.Name == culture))
        {
            Localization.CultureEndpoints.SetCookie(http, culture);
        }

        var back = SafeReturnUrl(returnUrl);
        return status switch
        {
            SignInStatus.Succeeded => Results.LocalRedirect(back),
            SignInStatus.MustChangePassword => Results.LocalRedirect($"/account/change-password?returnUrl={Uri.EscapeDataString(back)}"),
            SignInStatus.RequiresTwoFactor => Results.LocalRedirect($"/account/login-2fa?returnUrl={Uri.EscapeDataString(back)}&remember={remember == true}"),
            _ => Results.LocalRedirect($"/account/login?error={status}&returnUrl={Uri.EscapeDataString(back)}&userName={Uri.EscapeDataString(userName ?? string.Empty)}"),
        };
    }

    static async Task<IResult> TwoFactorAsync([FromForm] string? code, [FromForm] bool? recovery, [FromForm] bool? remember, [FromForm] string? returnUrl, IAccountService accounts, CancellationToken ct)
    {
        var status = await accounts.TwoFactorSignInAsync(code ?? string.Empty, recovery == true, remember == true, ct);
        var back = SafeReturnUrl(returnUrl);
        return status switch
        {
            SignInStatus.Succeeded => Results.LocalRedirect(back),
            SignInStatus.MustChangePassword => Results.LocalRedirect($"/account/change-password?returnUrl={Uri.EscapeDataString(back)}"),
            SignInStatus.LockedOut => Results.LocalRedirect($"/account/login?error={status}"),
            _ => Results.LocalRedirect($"/account/login-2fa?error={status}&recovery={recovery == true}&returnUrl={Uri.EscapeDataString(back)}"),
        };
    }

    static async Task<IResult> LogoutAsync(IAccountService accounts, CancellationToken ct)
    {
        await accounts.SignOutAsync(ct);
        return Results.LocalRedirect("/account/login");
    }

    static async Task<IResult> ChangePasswordAsync([FromForm] string? currentPassword, [FromForm] string? newPassword, [FromForm] string? confirmPassword, [FromForm] string? returnUrl, IAccountService accounts, ICurrentUser currentUser, Microsoft.Extensions.Localization.IStringLocalizer<SharedResource> localizer, CancellationToken ct)
    {
        var back = SafeReturnUrl(returnUrl);
        var caller = await currentUser.GetAsync(ct);
        if (caller is null)
        {
            return Results.LocalRedirect("/account/login");
        }

        if (!string.Equals(newPassword, confirmPassword, StringComparison.Ordinal))
        {
            return Results.LocalRedirect($"/account/change-password?error=Mismatch&returnUrl={Uri.EscapeDataString(back)}");
        }

        try
        {
            await accounts.ChangePasswordAsync(caller.Id, currentPassword ?? string.Empty, newPassword ?? string.Empty, ct);
            return Results.LocalRedirect(back);
        }
        catch (ValidationException ex)
        {
            // The password rules in the user's language, by the error's code (the English text only where there is no resource).
            var localized = ex.MessageKey is { } key ? localizer[key, [.. ex.MessageArguments]] : null;
            var message = localized is { ResourceNotFound: false } ? localized.Value : string.Join(" ", ex.Errors.SelectMany(e => e.Value));
            return Results.LocalRedirect($"/account/change-password?error=Invalid&message={Uri.EscapeDataString(message)}&returnUrl={Uri.EscapeDataString(back)}");
        }
    }

    internal static string SafeReturnUrl(string? returnUrl) =>
        !string.IsNullOrEmpty(returnUrl) && returnUrl.StartsWith('/') && !returnUrl.StartsWith("//", StringComparison.Ordinal) && !returnUrl.StartsWith("/\\", StringComparison.Ordinal) && !returnUrl.StartsWith("/account", StringComparison.OrdinalIgnoreCase)
            ? returnUrl
            : "/";
}
