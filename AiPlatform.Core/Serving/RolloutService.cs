using System.Globalization;
using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Registry;

namespace AiPlatform.Core.Serving;

/// <summary>
/// Rollouts on a running endpoint: serve another version, start a canary, promote it or roll back. A new version is
/// loaded and warmed up before traffic moves to it, and the old one is unloaded only after its requests in flight have
/// finished, so a roll or rollback never drops a request.
/// </summary>
public sealed class RolloutService(EndpointReader reader, ModelVersionService versions, EndpointLoader loader, EndpointHistory history)
{
    /// <summary>Serves another version (number or alias) as primary; the current one becomes the rollback target.</summary>
    public async Task<ServingEndpoint> RollAsync(Guid id, string? target, CancellationToken ct)
    {
        var endpoint = await reader.RequireAsync(id, PermissionLevel.Write, ct);
        var version = await loader.ResolveAsync(endpoint.ModelId, target, ct);
        endpoint.Target = string.IsNullOrWhiteSpace(target) ? version.Version.Version.ToString(CultureInfo.InvariantCulture) : target.Trim();
        await loader.SwitchPrimaryAsync(endpoint, version, "roll", ct);
        return endpoint;
    }

    /// <summary>Starts (or changes) a canary: <paramref name="percent"/> of requests go to the canary version.</summary>
    public async Task<ServingEndpoint> SetCanaryAsync(Guid id, string? target, int percent, CancellationToken ct)
    {
        var endpoint = await reader.RequireAsync(id, PermissionLevel.Write, ct);
        if (percent is < 0 or > 100)
        {
            throw new ValidationException("percent", "The canary's share is 0 to 100 percent.") { MessageKey = "Error.CanaryPercent" };
        }

        var version = await loader.ResolveAsync(endpoint.ModelId, target, ct);
        if (version.Version.Version == endpoint.Version)
        {
            throw new ValidationException("target", $"Version {endpoint.Version} is already the primary version.") { MessageKey = "Error.CanaryIsPrimary", MessageArguments = [endpoint.Version] };
        }

        var primary = await versions.GetVersionForWorkAsync(endpoint.ModelId, endpoint.Version, ct) ?? throw new NotFoundException("Model version", endpoint.Version);
        await loader.LoadVersionAsync(endpoint, version, ct);
        var old = endpoint.CanaryVersion;
        endpoint.CanaryVersion = version.Version.Version;
        endpoint.CanaryPercent = percent;
        await history.SaveAsync(endpoint, "canary", $"v{endpoint.CanaryVersion} takes {percent}%", ct);
        if (endpoint.Runtime == ServingRuntimeKind.Triton)
        {
            await loader.BringUpAsync(endpoint, [primary, version], ct);
        }

        await loader.RetireAsync(endpoint, old, ct);
        return endpoint;
    }

    /// <summary>The canary becomes the primary version; the old primary is the rollback target.</summary>
    public async Task<ServingEndpoint> PromoteAsync(Guid id, CancellationToken ct)
    {
        var endpoint = await reader.RequireAsync(id, PermissionLevel.Write, ct);
        if (endpoint.CanaryVersion is not { } canary)
        {
            throw new ConflictException("The endpoint has no canary to promote.") { MessageKey = "Error.NoCanaryToPromote" };
        }

        var version = await versions.GetVersionForWorkAsync(endpoint.ModelId, canary, ct) ?? throw new NotFoundException("Model version", canary);
        endpoint.Target = canary.ToString(CultureInfo.InvariantCulture);
        await loader.SwitchPrimaryAsync(endpoint, version, "promote", ct);
        return endpoint;
    }

    /// <summary>Drops the canary if there is one; otherwise returns to the previous primary version.</summary>
    public async Task<ServingEndpoint> RollbackAsync(Guid id, CancellationToken ct)
    {
        var endpoint = await reader.RequireAsync(id, PermissionLevel.Write, ct);
        if (endpoint.CanaryVersion is { } canary)
        {
            endpoint.CanaryVersion = null;
            endpoint.CanaryPercent = 0;
            await history.SaveAsync(endpoint, "rollback", $"canary v{canary} removed; v{endpoint.Version} takes all traffic", ct);
            await loader.RetireAsync(endpoint, canary, ct);
            return endpoint;
        }

        if (endpoint.PreviousVersion is not { } previous)
        {
            throw new ConflictException("There is no previous version to roll back to.") { MessageKey = "Error.NoPreviousVersion" };
        }

        var version = await versions.GetVersionForWorkAsync(endpoint.ModelId, previous, ct);
        if (version is null || version.Version.Status != ModelVersionStatus.Ready)
        {
            throw new ConflictException($"Version {previous} is no longer available.") { MessageKey = "Error.PreviousVersionGone", MessageArguments = [previous] };
        }

        endpoint.Target = previous.ToString(CultureInfo.InvariantCulture);
        await loader.SwitchPrimaryAsync(endpoint, version, "rollback", ct);
        return endpoint;
    }
}
