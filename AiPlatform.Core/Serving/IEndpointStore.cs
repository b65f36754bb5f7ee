using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;

namespace AiPlatform.Core.Serving;

/// <summary>Where endpoints and their deployment history are kept.</summary>
public interface IEndpointStore
{
    Task<(IReadOnlyList<ServingEndpoint> Items, int Total)> ListReadableAsync(AccessContext context, string? search, int offset, int limit, CancellationToken ct);

    Task<IReadOnlyList<ServingEndpoint>> ListAllAsync(CancellationToken ct);

    Task<IReadOnlyList<ServingEndpoint>> ListByModelAsync(Guid modelId, CancellationToken ct);

    Task<ServingEndpoint?> FindAsync(Guid id, CancellationToken ct);

    Task<ServingEndpoint?> FindByNameAsync(string name, CancellationToken ct);

    Task AddAsync(ServingEndpoint endpoint, EndpointEvent first, AuditEntry audit, CancellationToken ct);

    /// <summary>Saves the endpoint with a history entry (and an audit entry when a caller changed it).</summary>
    Task UpdateAsync(ServingEndpoint endpoint, EndpointEvent? change, AuditEntry? audit, CancellationToken ct);

    Task<IReadOnlyList<EndpointEvent>> ListEventsAsync(Guid endpointId, int limit, CancellationToken ct);

    Task DeleteAsync(Guid id, AuditEntry audit, CancellationToken ct);
}
