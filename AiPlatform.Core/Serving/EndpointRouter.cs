using System.Collections.Concurrent;

namespace AiPlatform.Core.Serving;

/// <summary>What the inference path needs of an endpoint, kept in memory so a request costs no database read.</summary>
public sealed record EndpointRoute(
    Guid Id,
    string Name,
    Guid OwnerId,
    int Version,
    int? CanaryVersion,
    int CanaryPercent,
    EndpointStatus Status,
    string? Error,
    ServingRuntimeKind Runtime,
    int PayloadLogPercent,
    Guid? PayloadDatasetId);

/// <summary>
/// The routing table of this node: endpoint name → served versions and traffic split. Changes made here are applied
/// at once; changes made on another node arrive with the reconcile loop (every few seconds).
/// </summary>
public sealed class EndpointRouter
{
    private readonly ConcurrentDictionary<string, EndpointRoute> _routes = new(StringComparer.Ordinal);

    public EndpointRoute? Find(string name) => _routes.GetValueOrDefault(name);

    public EndpointRoute Set(ServingEndpoint e)
    {
        var route = new EndpointRoute(e.Id, e.Name, e.OwnerId, e.Version, e.CanaryVersion, e.CanaryPercent, e.Status, e.Error, e.Runtime, e.PayloadLogPercent, e.PayloadDatasetId);
        _routes[e.Name] = route;
        return route;
    }

    public void Remove(string name) => _routes.TryRemove(name, out _);

    public void Retain(IReadOnlySet<string> names)
    {
        foreach (var name in _routes.Keys.Where(n => !names.Contains(n)))
        {
            _routes.TryRemove(name, out _);
        }
    }
}
