using Microsoft.AspNetCore.Authorization;
using Microsoft.Extensions.Options;

namespace AiPlatform.Web.Security;

/// <summary>Policies named <c>cap:&lt;capability&gt;</c> (e.g. <c>[Authorize(Policy = "cap:users.manage")]</c>) are built on demand.</summary>
internal sealed class CapabilityPolicyProvider(IOptions<AuthorizationOptions> options) : DefaultAuthorizationPolicyProvider(options)
{
    public const string Prefix = "cap:";

    public static string For(string capability) => Prefix + capability;

    public override async Task<AuthorizationPolicy?> GetPolicyAsync(string policyName) =>
        policyName.StartsWith(Prefix, StringComparison.Ordinal)
            ? new AuthorizationPolicyBuilder().RequireAuthenticatedUser().AddRequirements(new CapabilityRequirement(policyName[Prefix.Length..])).Build()
            : await base.GetPolicyAsync(policyName);
}
