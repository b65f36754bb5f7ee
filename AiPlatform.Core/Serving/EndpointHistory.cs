using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;

namespace AiPlatform.Core.Serving;

/// <summary>
/// Writes an endpoint's changes: the row, its history entry (<c>endpoint_events</c>), an audit entry when a caller made
/// the change, and this node's route.
/// </summary>
public sealed class EndpointHistory(IEndpointStore store, EndpointRouter router, AuditRecorder audit, ICurrentUser currentUser, TimeProvider time)
{
    /// <summary>Adds a new endpoint with its first history entry and its audit entry.</summary>
    public async Task AddAsync(ServingEndpoint endpoint, string kind, string? detail, object auditChanges, CancellationToken ct) =>
        await store.AddAsync(endpoint, await EventAsync(endpoint, kind, detail, ct),
            await audit.EntryAsync("endpoint." + kind, EndpointReader.EndpointType, endpoint.Id, auditChanges, ct), ct);

    /// <summary>The endpoint as stored now (to check that a snapshot is still current before acting on it).</summary>
    public Task<ServingEndpoint?> FindAsync(Guid id, CancellationToken ct) => store.FindAsync(id, ct);

    /// <summary>Deletes an endpoint (its history goes with it) with an audit entry.</summary>
    public async Task DeleteAsync(ServingEndpoint endpoint, CancellationToken ct) =>
        await store.DeleteAsync(endpoint.Id, await audit.EntryAsync("endpoint.delete", EndpointReader.EndpointType, endpoint.Id, new { endpoint.Name }, ct), ct);

    /// <summary>Saves the endpoint with a history entry (audited unless it is the system's ready/applied note) and updates this node's route.</summary>
    public async Task SaveAsync(ServingEndpoint endpoint, string kind, string? detail, CancellationToken ct)
    {
        endpoint.UpdatedAt = time.GetUtcNow();

        // An error text (a Kubernetes or S3 answer, say) longer than its column would make the save fail.
        if (endpoint.Error is { Length: > ServingEndpoint.MaxErrorLength } error)
        {
            endpoint.Error = error[..(ServingEndpoint.MaxErrorLength - 1)] + "…";
        }

        var caller = await currentUser.GetAsync(ct);
        var audited = caller is not null && kind is not ("ready" or "applied");
        await store.UpdateAsync(endpoint, await EventAsync(endpoint, kind, detail, ct),
            audited ? await audit.EntryAsync("endpoint." + kind, EndpointReader.EndpointType, endpoint.Id, new { endpoint.Name, endpoint.Version, endpoint.CanaryVersion, endpoint.CanaryPercent }, ct) : null, ct);
        router.Set(endpoint);
    }

    private async Task<EndpointEvent> EventAsync(ServingEndpoint endpoint, string kind, string? detail, CancellationToken ct) => new()
    {
        Id = Guid.CreateVersion7(time.GetUtcNow()),
        EndpointId = endpoint.Id,
        At = time.GetUtcNow(),
        By = (await currentUser.GetAsync(ct))?.UserName ?? "system",
        Kind = kind,
        Detail = detail is { Length: > 2000 } ? detail[..2000] : detail,
    };
}
