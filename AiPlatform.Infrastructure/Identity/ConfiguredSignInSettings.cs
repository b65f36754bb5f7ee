using AiPlatform.Core.Access;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AiPlatform.Infrastructure.Identity;

internal sealed class ConfiguredSignInSettings(IOptions<PlatformSignInOptions> signIn, IOptions<OidcOptions> oidc, IOptions<IdentityOptions> identity) : ISignInSettingsProvider
{
    public SignInSettings Current => new(
        signIn.Value.LocalLoginEnabled,
        oidc.Value.Enabled,
        oidc.Value.DisplayName,
        oidc.Value.Authority,
        oidc.Value.ClientId,
        oidc.Value.RoleClaimPath,
        oidc.Value.RoleMapping,
        oidc.Value.DefaultRole,
        identity.Value.Lockout.MaxFailedAccessAttempts,
        identity.Value.Lockout.DefaultLockoutTimeSpan,
        identity.Value.Password.RequiredLength);
}
