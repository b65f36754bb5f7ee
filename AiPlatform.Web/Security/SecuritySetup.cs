using AiPlatform.Core.Access;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Components.Authorization;
using Microsoft.AspNetCore.Identity;
using Microsoft.Net.Http.Headers;

namespace AiPlatform.Web.Security;

/// <summary>
/// Who may call what. Browsers use the Identity cookie; scripts send a personal access token (Bearer) or HTTP Basic.
/// Everything requires an active signed-in user unless it is explicitly anonymous (health, metrics, sign-in pages,
/// static files); API calls without credentials get 401 problem details instead of a redirect.
/// </summary>
public static class SecuritySetup
{
    public const string SmartScheme = "Smart";

    public static AuthenticationBuilder AddPlatformSecurity(this IServiceCollection services, IConfiguration configuration)
    {
        var jwtEnabled = configuration.GetValue<bool>("Authentication:Oidc:Enabled");
        services.AddScoped<ICurrentUser, HttpCurrentUser>();
        // The account service is resolved only on a cache miss: building Identity's user manager (and its DbContext) per
        // request cost ~7 % of a warm authenticated request's CPU.
        services.AddScoped(sp => new ApiCredentialService(
            sp.GetRequiredService<ApiTokenService>(), sp.GetRequiredService<IAccountService>, sp.GetRequiredService<IAccessStore>(), sp.GetRequiredService<AccessCache>()));
        services.AddCascadingAuthenticationState();
        var authentication = services.AddAuthentication(o =>
            {
                o.DefaultScheme = SmartScheme;
                o.DefaultChallengeScheme = SmartScheme;
                o.DefaultSignInScheme = IdentityConstants.ApplicationScheme;
            });
        authentication
            .AddPolicyScheme(SmartScheme, "Cookie or token", o => o.ForwardDefaultSelector = ctx => SelectScheme(ctx, jwtEnabled))
            .AddScheme<AuthenticationSchemeOptions, TokenAuthenticationHandler>(TokenAuthenticationHandler.SchemeName, null)
            .AddScheme<AuthenticationSchemeOptions, AppKeyAuthenticationHandler>(AppKeyAuthenticationHandler.SchemeName, null)
            .AddIdentityCookies(cookies => cookies.ApplicationCookie?.Configure(o =>
            {
                o.LoginPath = "/account/login";
                o.LogoutPath = "/account/logout";
                o.AccessDeniedPath = "/account/access-denied";
                o.Cookie.Name = ".AiPlatform.Auth";
                o.Cookie.HttpOnly = true;
                o.Cookie.SameSite = Microsoft.AspNetCore.Http.SameSiteMode.Lax;
                o.SlidingExpiration = true;
                o.ExpireTimeSpan = TimeSpan.FromHours(12);
                o.Events.OnRedirectToLogin = ctx => IsApi(ctx.Request) ? WriteProblemAsync(ctx.HttpContext, 401) : Redirect(ctx);
                o.Events.OnRedirectToAccessDenied = ctx => IsApi(ctx.Request) ? WriteProblemAsync(ctx.HttpContext, 403) : Redirect(ctx);
            }));
        services.AddSingleton<IAuthorizationPolicyProvider, CapabilityPolicyProvider>();
        services.AddScoped<IAuthorizationHandler, CapabilityHandler>();
        services.AddScoped<IAuthorizationHandler, AppRunCallerHandler>();
        services.AddAuthorization(o =>
        {
            var activeUser = new AuthorizationPolicyBuilder().RequireAuthenticatedUser().AddRequirements(new CapabilityRequirement(null)).Build();
            o.DefaultPolicy = activeUser;
            o.FallbackPolicy = activeUser;
            o.AddPolicy(AppKeyAuthenticationHandler.RunPolicy, p => p.RequireAuthenticatedUser().AddRequirements(new AppRunCallerRequirement()));
        });
        return authentication;
    }

    /// <summary>
    /// Personal tokens and Basic go to the token handler, other bearer tokens to the IdP's JWT handler, the rest to the
    /// cookie. Only API paths look at the Authorization header: pages, the Blazor circuit (<c>/_blazor</c>), the account
    /// forms and the jobs dashboard are driven by cookie sessions alone, so a token (read-only or not) never reaches them.
    /// </summary>
    private static string SelectScheme(HttpContext context, bool jwtEnabled)
    {
        var header = context.Request.Headers.Authorization.ToString();
        if (header.Length == 0 || !AcceptsApiCredentials(context.Request.Path))
        {
            return IdentityConstants.ApplicationScheme;
        }

        var isBearer = header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase);
        if (isBearer && Core.Apps.AppKeyService.LooksLikeKey(header[7..].Trim()))
        {
            // App keys (aipk_…): their own scheme, which accepts them only on the app run endpoint.
            return AppKeyAuthenticationHandler.SchemeName;
        }

        return isBearer && jwtEnabled && !ApiTokenService.LooksLikeToken(header[7..].Trim()) ? "Bearer" : TokenAuthenticationHandler.SchemeName;
    }

    /// <summary>
    /// The protocol and REST surfaces (and the static API reference under <c>/api/docs</c>) that accept tokens, Basic
    /// and IdP bearer tokens; everything else (pages, <c>/_blazor</c>, <c>/account</c>, <c>/hangfire</c>) is cookie-only.
    /// </summary>
    internal static bool AcceptsApiCredentials(PathString path) =>
        path.StartsWithSegments("/api") || path.StartsWithSegments("/ajax-api") || path.StartsWithSegments("/v1") || path.StartsWithSegments("/v2") || path.StartsWithSegments("/openapi");

    /// <summary>Whether the request was authenticated by the browser session cookie (not a token, Basic or an IdP bearer token).</summary>
    internal static bool IsCookieAuthenticated(HttpContext context) =>
        context.User.Identity is { IsAuthenticated: true, AuthenticationType: var type } && type == IdentityConstants.ApplicationScheme;

    public static void UsePlatformSecurity(this WebApplication app)
    {
        app.UseAuthentication();
        app.UseMiddleware<CookieRequestForgeryMiddleware>();
        app.UseAuthorization();
        app.Use((context, next) =>
        {
            if (context.User.HasClaim(PlatformClaimTypes.ReadOnly, "true") && !HttpMethods.IsGet(context.Request.Method) && !HttpMethods.IsHead(context.Request.Method) && !HttpMethods.IsOptions(context.Request.Method)
                && !IsReadOnlyPost(context.Request))
            {
                return Results.Problem(statusCode: 403, title: "Forbidden.", detail: "This token may only read.", type: Api.ProblemTypes.For("forbidden")).ExecuteAsync(context);
            }

            return next(context);
        });
        app.UseMiddleware<MustChangePasswordMiddleware>();
    }

    /// <summary>MLflow's searches, inference and running a published app are POSTs that only read; read-only tokens may make them.</summary>
    private static bool IsReadOnlyPost(HttpRequest request) =>
        HttpMethods.IsPost(request.Method) && request.Path.Value is { } path
        && (((path.EndsWith("/mlflow/runs/search", StringComparison.Ordinal) || path.EndsWith("/mlflow/experiments/search", StringComparison.Ordinal)
                || path.EndsWith("/mlflow/logged-models/search", StringComparison.Ordinal))
                && (path.StartsWith("/api/2.0/", StringComparison.Ordinal) || path.StartsWith("/ajax-api/2.0/", StringComparison.Ordinal)))
            || path is "/api/3.0/mlflow/traces/search" or "/ajax-api/3.0/mlflow/traces/search"
            || (path.StartsWith("/v2/models/", StringComparison.Ordinal) && path.EndsWith("/infer", StringComparison.Ordinal))
            || path == "/v1/chat/completions"
            || (path.StartsWith("/api/v1/endpoints/", StringComparison.Ordinal) && path.EndsWith("/predict", StringComparison.Ordinal))
            || (path.StartsWith("/api/v1/apps/", StringComparison.Ordinal) && path.EndsWith("/run", StringComparison.Ordinal) && path.Count(c => c == '/') == 5));

    internal static bool IsApi(HttpRequest request) =>
        request.Path.StartsWithSegments("/api") || request.Path.StartsWithSegments("/_blazor") || request.Path.StartsWithSegments("/v2") || request.Path.StartsWithSegments("/v1") || request.Path.StartsWithSegments("/ajax-api") || request.Path.StartsWithSegments("/openapi") || request.Headers.Accept.ToString().Contains("application/json", StringComparison.OrdinalIgnoreCase);

    private static Task Redirect(Microsoft.AspNetCore.Authentication.RedirectContext<Microsoft.AspNetCore.Authentication.Cookies.CookieAuthenticationOptions> ctx)
    {
        ctx.Response.Redirect(ctx.RedirectUri);
        return Task.CompletedTask;
    }

    internal static Task WriteProblemAsync(HttpContext context, int status)
    {
        if (status == 401)
        {
            context.Response.Headers[HeaderNames.WWWAuthenticate] = "Bearer, Basic realm=\"AiPlatform\"";
        }

        return Results.Problem(statusCode: status, title: status == 401 ? "Sign in required." : "Forbidden.",
            detail: status == 401 ? "Send a personal access token (Authorization: Bearer aip_…), HTTP Basic credentials, or sign in." : "You may not do this.",
            type: Api.ProblemTypes.ForStatus(status)).ExecuteAsync(context);
    }
}
