using System.Net.Http.Headers;
using System.Security.Claims;
using System.Text.Encodings.Web;
using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace AiPlatform.Web.Security;

/// <summary>
/// App API keys: <c>Authorization: Bearer aipk_…</c>, accepted only on <c>POST /api/v1/apps/{slug}/run</c> (anywhere
/// else the key is refused with 401). The principal carries the key and its app (<see cref="KeyClaim"/>,
/// <see cref="AppClaim"/>) and no user id, so no endpoint that needs a user accepts it; the run endpoint's policy
/// (<see cref="RunPolicy"/>) takes a key or an active user, and <see cref="AppKeyService"/> refuses another app's slug (404).
/// </summary>
internal sealed class AppKeyAuthenticationHandler(
    IOptionsMonitor<AuthenticationSchemeOptions> options,
    ILoggerFactory logger,
    UrlEncoder encoder,
    AppKeyService keys) : AuthenticationHandler<AuthenticationSchemeOptions>(options, logger, encoder)
{
    public const string SchemeName = "AppKey";

    public const string KeyClaim = "aip:app-key";

    public const string AppClaim = "aip:app";

    /// <summary>The run endpoint's policy: an app key, or an active user (what the fallback policy asks).</summary>
    public const string RunPolicy = "AppRunCaller";

    /// <summary>The key a request was authenticated with, if any.</summary>
    public static Guid? KeyOf(ClaimsPrincipal user) =>
        user.Identity?.AuthenticationType == SchemeName && Guid.TryParse(user.FindFirstValue(KeyClaim), out var id) ? id : null;

    /// <summary>Whether the request is the one thing a key may do: run an app (<c>POST /api/v1/apps/{slug}/run</c>).</summary>
    internal static bool IsRunRequest(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) && request.Path.Value is { } path && path.StartsWith("/api/v1/apps/", StringComparison.Ordinal)
        && path.EndsWith("/run", StringComparison.Ordinal) && path.Count(c => c == '/') == 5;

    protected override async Task<AuthenticateResult> HandleAuthenticateAsync()
    {
        if (!AuthenticationHeaderValue.TryParse(Request.Headers.Authorization, out var header) || !header.Scheme.Equals("Bearer", StringComparison.OrdinalIgnoreCase)
            || !AppKeyService.LooksLikeKey(header.Parameter))
        {
            return AuthenticateResult.NoResult();
        }

        if (!IsRunRequest(Request))
        {
            return AuthenticateResult.Fail("An app key only runs its app: POST /api/v1/apps/{slug}/run.");
        }

        var key = await keys.FindActiveAsync(header.Parameter!, Context.RequestAborted);
        if (key is null)
        {
            return AuthenticateResult.Fail("The app key is not valid or revoked.");
        }

        var claims = new List<Claim> { new(KeyClaim, key.Id.ToString()), new(AppClaim, key.AppId.ToString()), new(ClaimTypes.Name, "app-key:" + key.Prefix) };
        return AuthenticateResult.Success(new AuthenticationTicket(new ClaimsPrincipal(new ClaimsIdentity(claims, SchemeName)), SchemeName));
    }

    protected override Task HandleChallengeAsync(AuthenticationProperties properties) => SecuritySetup.WriteProblemAsync(Context, StatusCodes.Status401Unauthorized);

    protected override Task HandleForbiddenAsync(AuthenticationProperties properties) => SecuritySetup.WriteProblemAsync(Context, StatusCodes.Status403Forbidden);
}

/// <summary>An app key (for the run endpoint) or an active user.</summary>
internal sealed record AppRunCallerRequirement : IAuthorizationRequirement;

internal sealed class AppRunCallerHandler(AccessService access) : AuthorizationHandler<AppRunCallerRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, AppRunCallerRequirement requirement)
    {
        if (AppKeyAuthenticationHandler.KeyOf(context.User) is not null)
        {
            context.Succeed(requirement);
            return;
        }

        var ct = (context.Resource as HttpContext)?.RequestAborted ?? CancellationToken.None;
        if (await access.FindContextAsync(ct) is not null)
        {
            context.Succeed(requirement);
        }
    }
}
