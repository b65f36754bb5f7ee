using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Registry;

namespace AiPlatform.Core.Serving;

/// <summary>Reads endpoints as the caller may see them (securable <c>endpoint</c>): lists, views with the model's name and signature, history.</summary>
public sealed class EndpointReader(AccessService access, IEndpointStore store, RegistryService registry, ModelVersionService versions, IInferenceRuntime runtime) : ISecurableLookup
{
    public const string EndpointType = SecurableTypes.Endpoint;

    public string ObjectType => EndpointType;

    public async Task<(IReadOnlyList<ServingEndpoint> Items, int Total)> ListAsync(string? search, int offset, int limit, CancellationToken ct) =>
        await store.ListReadableAsync(await access.RequireContextAsync(ct), search, Math.Max(0, offset), Math.Clamp(limit, 1, 500), ct);

    public async Task<EndpointView> GetAsync(Guid id, CancellationToken ct) =>
        await ViewAsync(await store.FindAsync(id, ct) ?? throw new NotFoundException("Endpoint", id), ct);

    public async Task<EndpointView> GetByNameAsync(string name, CancellationToken ct) =>
        await ViewAsync(await store.FindByNameAsync(name, ct) ?? throw new NotFoundException("Endpoint", name), ct);

    public async Task<IReadOnlyList<EndpointEvent>> ListEventsAsync(Guid id, CancellationToken ct)
    {
        await GetAsync(id, ct);
        return await store.ListEventsAsync(id, 200, ct);
    }

    /// <summary>Endpoints serving a model (for the model page); only those the caller can read.</summary>
    public async Task<IReadOnlyList<ServingEndpoint>> ListForModelAsync(Guid modelId, CancellationToken ct)
    {
        var visible = new List<ServingEndpoint>();
        foreach (var endpoint in await store.ListByModelAsync(modelId, ct))
        {
            if (await CanReadAsync(endpoint.Id, endpoint.OwnerId, ct))
            {
                visible.Add(endpoint);
            }
        }

        return visible;
    }

    /// <summary>The names of the models behind listed endpoints ("?" for a model that is gone).</summary>
    public async Task<IReadOnlyDictionary<Guid, string>> ModelNamesAsync(IEnumerable<Guid> modelIds, CancellationToken ct)
    {
        var names = new Dictionary<Guid, string>();
        foreach (var id in modelIds.Distinct())
        {
            names[id] = await registry.GetModelNameForWorkAsync(id, ct) ?? "?";
        }

        return names;
    }

    /// <summary>The endpoint, when the caller holds <paramref name="level"/> on it (otherwise not found or forbidden).</summary>
    public async Task<ServingEndpoint> RequireAsync(Guid id, PermissionLevel level, CancellationToken ct)
    {
        var view = await GetAsync(id, ct);
        await access.RequireFoundLevelAsync(EndpointType, id, view.Level, level, ct);
        return view.Endpoint;
    }

    /// <summary>Whether the caller holds any level on the endpoint.</summary>
    public async Task<bool> CanReadAsync(Guid id, Guid ownerId, CancellationToken ct) =>
        await access.GetLevelAsync(EndpointType, id, ownerId, ct) is not null;

    async Task<SecurableObject?> ISecurableLookup.FindAsync(Guid id, CancellationToken ct) =>
        await store.FindAsync(id, ct) is { } e ? new SecurableObject(EndpointType, e.Id, e.Name, e.OwnerId) : null;

    private async Task<EndpointView> ViewAsync(ServingEndpoint endpoint, CancellationToken ct)
    {
        var level = await access.GetLevelAsync(EndpointType, endpoint.Id, endpoint.OwnerId, ct) ?? throw new NotFoundException("Endpoint", endpoint.Name);
        var model = await registry.GetModelNameForWorkAsync(endpoint.ModelId, ct);
        var signature = runtime.Signature(new ServedModel(endpoint.Name, endpoint.Version))
            ?? (await versions.GetVersionForWorkAsync(endpoint.ModelId, endpoint.Version, ct) is { } version ? ServedOutputs.Of(version) : null);
        return new EndpointView(endpoint, level, model ?? "?", signature);
    }
}
