using AiPlatform.Core.Common;
using AiPlatform.Core.Registry;

namespace AiPlatform.Core.Serving;

/// <summary>
/// Brings this node in line with the database (each platform node runs the same loop, see the Infrastructure
/// <c>ServingReconciler</c>): loads what should be served, unloads what should not, rolls endpoints whose alias moved,
/// follows Triton readiness and writes due payload samples.
/// </summary>
public sealed class EndpointReconciler(
    IEndpointStore store,
    ModelVersionService versions,
    IInferenceRuntime runtime,
    EndpointRouter router,
    PayloadLog payloads,
    EndpointLoader loader,
    EndpointHistory history)
{
    /// <summary>
    /// Brings this node in line with the database (each platform node runs the same loop): loads what should be
    /// served, unloads what should not, rolls endpoints whose alias moved and follows Triton readiness.
    /// </summary>
    public async Task ReconcileAsync(CancellationToken ct)
    {
        var endpoints = await store.ListAllAsync(ct);
        var wanted = new HashSet<ServedModel>();
        foreach (var endpoint in endpoints)
        {
            try
            {
                await ReconcileOneAsync(endpoint, wanted, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                // A timeout inside (an HTTP or Kubernetes call) is this endpoint's failure, not a shutdown.
                endpoint.Status = EndpointStatus.Failed;
                endpoint.SetError(Common.StoredMessage.From(e, e.Message, "Error.Endpoint.Failed", textAsArgument: false));
                await history.SaveAsync(endpoint, "failed", e.Message, ct);
            }
        }

        foreach (var stale in runtime.Loaded.Where(k => !wanted.Contains(k)).ToList())
        {
            await runtime.UnloadAsync(stale);
        }

        router.Retain(endpoints.Select(e => e.Name).ToHashSet(StringComparer.Ordinal));
        await payloads.FlushDueAsync(ct);
    }

    private async Task ReconcileOneAsync(ServingEndpoint endpoint, HashSet<ServedModel> wanted, CancellationToken ct)
    {
        if (endpoint.Status is EndpointStatus.Failed or EndpointStatus.Stopped)
        {
            router.Set(endpoint);
            return;
        }

        if (endpoint.RollOnAliasMove && endpoint.Target.StartsWith('@'))
        {
            var aliased = await versions.GetVersionByAliasForWorkAsync(endpoint.ModelId, endpoint.Target, ct);
            if (aliased is not null && aliased.Version.Version != endpoint.Version && aliased.Version.Status == ModelVersionStatus.Ready)
            {
                await loader.SwitchPrimaryAsync(endpoint, aliased, "roll", ct, $"alias {endpoint.Target} moved to v{aliased.Version.Version}");
            }
        }

        if (endpoint.Runtime == ServingRuntimeKind.Triton)
        {
            if (endpoint.Status == EndpointStatus.Deploying)
            {
                await loader.FollowTritonAsync(endpoint, ct);
            }

            router.Set(endpoint);
            return;
        }

        foreach (var v in EndpointLoader.Served(endpoint))
        {
            var key = new ServedModel(endpoint.Name, v);
            wanted.Add(key);
            if (!runtime.IsLoaded(key))
            {
                var version = await versions.GetVersionForWorkAsync(endpoint.ModelId, v, ct) ?? throw new NotFoundException("Model version", v);
                await loader.LoadVersionAsync(endpoint, version, ct);
            }
        }

        if (endpoint.Status == EndpointStatus.Deploying)
        {
            endpoint.Status = EndpointStatus.Ready;
            await history.SaveAsync(endpoint, "ready", $"v{endpoint.Version} loaded", ct);
        }

        router.Set(endpoint);
    }
}
