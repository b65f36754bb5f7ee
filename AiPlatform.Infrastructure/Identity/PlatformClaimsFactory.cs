using System.Security.Claims;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AiPlatform.Infrastructure.Identity;

/// <summary>Adds the claim that makes the web app ask for a new password before anything else.</summary>
internal sealed class PlatformClaimsFactory(UserManager<PlatformUser> users, IOptions<IdentityOptions> options)
    : UserClaimsPrincipalFactory<PlatformUser>(users, options)
{
    protected override async Task<ClaimsIdentity> GenerateClaimsAsync(PlatformUser user)
    {
        var identity = await base.GenerateClaimsAsync(user);
        if (user.MustChangePassword)
        {
            identity.AddClaim(new Claim(Core.Access.PlatformClaimTypes.MustChangePassword, "true"));
        }

        return identity;
    }
}
