using AiPlatform.Core.Access;
using Microsoft.AspNetCore.Authorization;

namespace AiPlatform.Web.Security;

/// <summary>Needs an active (not disabled) user and, when <see cref="Capability"/> is set, that capability.</summary>
internal sealed record CapabilityRequirement(string? Capability) : IAuthorizationRequirement;

internal sealed class CapabilityHandler(AccessService access) : AuthorizationHandler<CapabilityRequirement>
{
    protected override async Task HandleRequirementAsync(AuthorizationHandlerContext context, CapabilityRequirement requirement)
    {
        var ct = (context.Resource as HttpContext)?.RequestAborted ?? CancellationToken.None;
        var caller = await access.FindContextAsync(ct);
        if (caller is not null && (requirement.Capability is null || caller.Has(requirement.Capability)))
        {
            context.Succeed(requirement);
        }
    }
}
