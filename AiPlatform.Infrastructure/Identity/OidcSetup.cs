using System.Security.Claims;
using Microsoft.AspNetCore.Authentication;
using Microsoft.AspNetCore.Authentication.JwtBearer;
using Microsoft.AspNetCore.Authentication.OpenIdConnect;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging;
using Microsoft.IdentityModel.Tokens;

namespace AiPlatform.Infrastructure.Identity;

public static class OidcSetup
{
    public const string OidcScheme = "oidc";

    /// <summary>
    /// When <c>Authentication:Oidc:Enabled</c>: browser sign-in with the standard OpenID Connect handler and API calls
    /// with the provider's JWT access tokens. Both are mapped to a platform user (provisioned at first sign-in).
    /// </summary>
    public static AuthenticationBuilder AddPlatformOidc(this AuthenticationBuilder builder, IConfiguration configuration)
    {
        var options = configuration.GetSection(OidcOptions.Section).Get<OidcOptions>() ?? new OidcOptions();
        builder.Services.AddOptions<OidcOptions>().Bind(configuration.GetSection(OidcOptions.Section))
            .Validate(o => !o.Enabled || (!string.IsNullOrWhiteSpace(o.Authority) && !string.IsNullOrWhiteSpace(o.ClientId)), "Authentication:Oidc needs Authority and ClientId when enabled.")
            .Validate(o => o.ClockSkew >= TimeSpan.Zero && o.ClockSkew <= TimeSpan.FromMinutes(5), "Authentication:Oidc:ClockSkew must lie between 00:00:00 and 00:05:00.")
            .ValidateOnStart();
        builder.Services.AddScoped<ExternalUserProvisioner>();
        if (!options.Enabled)
        {
            return builder;
        }

        builder.AddOpenIdConnect(OidcScheme, options.DisplayName, o =>
        {
            o.Authority = options.Authority;
            o.ClientId = options.ClientId;
            o.ClientSecret = options.ClientSecret;
            o.ResponseType = "code";
            o.UsePkce = true;
            o.RequireHttpsMetadata = options.RequireHttpsMetadata;
            o.SignInScheme = IdentityConstants.ApplicationScheme;
            o.GetClaimsFromUserInfoEndpoint = true;
            o.MapInboundClaims = false;
            o.SaveTokens = false;
            o.Scope.Clear();
            foreach (var scope in options.Scopes)
            {
                o.Scope.Add(scope);
            }

            o.ClaimActions.MapJsonKey("realm_access", "realm_access", "json");
            o.Events.OnUserInformationReceived = async ctx =>
            {
                if (ctx.Principal?.Identity is ClaimsIdentity identity && ctx.User.RootElement.TryGetProperty("realm_access", out var realm) && !identity.HasClaim(c => c.Type == "realm_access"))
                {
                    identity.AddClaim(new Claim("realm_access", realm.GetRawText(), "json"));
                }

                await Task.CompletedTask;
            };
            o.Events.OnTicketReceived = async ctx =>
            {
                var services = ctx.HttpContext.RequestServices;
                var user = await services.GetRequiredService<ExternalUserProvisioner>().ProvisionAsync(ctx.Principal!, interactiveSignIn: true, ctx.HttpContext.RequestAborted);
                if (user is null)
                {
                    ctx.Fail("This account is disabled.");
                    ctx.Response.Redirect("/account/login?error=Disabled");
                    ctx.HandleResponse();
                    return;
                }

                ctx.Principal = await services.GetRequiredService<SignInManager<PlatformUser>>().CreateUserPrincipalAsync(user);
            };
            o.Events.OnRemoteFailure = ctx =>
            {
                ctx.HttpContext.RequestServices.GetRequiredService<Microsoft.Extensions.Logging.ILoggerFactory>()
                    .CreateLogger(typeof(OidcSetup)).LogWarning(ctx.Failure, "Single sign-on failed");
                ctx.Response.Redirect("/account/login?error=Failed");
                ctx.HandleResponse();
                return Task.CompletedTask;
            };
        });

        builder.AddJwtBearer(JwtBearerDefaults.AuthenticationScheme, o =>
        {
            o.Authority = options.Authority;
            o.RequireHttpsMetadata = options.RequireHttpsMetadata;
            o.MapInboundClaims = false;
            o.TokenValidationParameters = new TokenValidationParameters
            {
                ValidAudiences = [string.IsNullOrWhiteSpace(options.Audience) ? options.ClientId! : options.Audience!],
                ValidateAudience = true,
                ValidateIssuer = true,
                ValidateLifetime = true,
                ClockSkew = options.ClockSkew,
            };
            o.Events = new JwtBearerEvents
            {
                OnTokenValidated = async ctx =>
                {
                    // Provisioning reads (and may write) the database: the node's access cache remembers its result per
                    // issuer, subject and claims until access changes, so a warm bearer call costs no database round trip.
                    var services = ctx.HttpContext.RequestServices;
                    var cache = services.GetRequiredService<Core.Access.AccessCache>();
                    var external = ctx.Principal!;
                    var ct = ctx.HttpContext.RequestAborted;
                    var caller = await cache.GetExternalUserAsync(
                        ExternalUserProvisioner.CacheKey(external, options),
                        async token => await services.GetRequiredService<ExternalUserProvisioner>().ProvisionAsync(external, interactiveSignIn: false, token) is { } user
                            ? new Core.Access.CallerIdentity(user.Id, user.UserName!)
                            : null,
                        ct);
                    if (caller is null || await cache.GetContextAsync(caller.Id, services.GetRequiredService<Core.Access.IAccessStore>().LoadContextAsync, ct) is null)
                    {
                        ctx.Fail("This account is disabled.");
                        return;
                    }

                    ctx.Principal = new ClaimsPrincipal(new ClaimsIdentity(
                        [new Claim(ClaimTypes.NameIdentifier, caller.Id.ToString()), new Claim(ClaimTypes.Name, caller.UserName)],
                        JwtBearerDefaults.AuthenticationScheme));
                },
            };
        });
        return builder;
    }
}
