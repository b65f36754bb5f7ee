using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using AiPlatform.Core.Common;
using AiPlatform.Core.Registry;

namespace AiPlatform.Core.Serving;

/// <summary>
/// Inference on the endpoints a caller may read: the open inference protocol's infer, the record-style predict,
/// readiness, signatures, forwarding to Triton and the metrics and payload samples of each call. A canary takes its
/// share of the calls unless a version is named.
/// </summary>
public sealed class InferenceService(
    EndpointReader reader,
    IEndpointStore store,
    EndpointRouter router,
    IInferenceRuntime runtime,
    ITritonDeployer triton,
    ServingMetrics metrics,
    PayloadLog payloads)
{
    /// <summary>Runs an inference for a caller who may read the endpoint; a canary takes its share unless a version is named.</summary>
    public async Task<InferenceResult> InferAsync(string name, int? version, InferenceRequest request, CancellationToken ct) =>
        await InferAsync(await ReadableRouteAsync(name, ct), version, request, ct);

    /// <summary>
    /// Where a caller's call for the endpoint goes, after the one check each call needs: the endpoint exists, the caller
    /// may read it and it is ready. A protocol handler checks once and hands the route to <see cref="ForwardTargetAsync"/>
    /// and <see cref="InferAsync(ReadableRoute, int?, InferenceRequest, CancellationToken)"/>.
    /// </summary>
    public async Task<ReadableRoute> ReadableRouteAsync(string name, CancellationToken ct) => new(await RouteAsync(name, ct));

    /// <summary>Runs an inference on an endpoint already checked for this caller (<see cref="ReadableRouteAsync"/>).</summary>
    public async Task<InferenceResult> InferAsync(ReadableRoute checkedRoute, int? version, InferenceRequest request, CancellationToken ct)
    {
        var route = checkedRoute.Route;
        var name = route.Name;
        var served = PickVersion(route, version);
        var clock = Stopwatch.StartNew();
        try
        {
            IReadOnlyList<InferTensor> outputs;
            try
            {
                outputs = await runtime.InferAsync(new ServedModel(name, served), request.Inputs, request.Outputs, ct);
            }
            catch (EndpointUnavailableException) when (version is null && router.Find(name) is { } moved && moved != route && moved.Id == route.Id)
            {
                // The version picked was retired between routing and running (a roll or rollback): take the new route.
                route = moved;
                served = PickVersion(route, null);
                outputs = await runtime.InferAsync(new ServedModel(name, served), request.Inputs, request.Outputs, ct);
            }

            metrics.Record(name, served, "ok", clock.Elapsed);
            payloads.Offer(route, served, request.Inputs, outputs);
            return new InferenceResult(name, served.ToString(CultureInfo.InvariantCulture), request.Id, outputs);
        }
        catch (InferenceInputException)
        {
            metrics.Record(name, served, "bad_request", clock.Elapsed);
            throw;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            metrics.Record(name, served, "error", clock.Elapsed);
            throw;
        }
    }

    /// <summary>The record-style API: one object per record in, one per record out.</summary>
    public Task<(int Version, IReadOnlyList<Dictionary<string, object?>> Predictions)> PredictAsync(string name, IReadOnlyList<IReadOnlyDictionary<string, JsonElement>> records, CancellationToken ct) =>
        PredictAsync(name, null, records, ct);

    /// <summary>The record-style API on a named version (the stable or the canary one); null lets the canary take its share.</summary>
    public async Task<(int Version, IReadOnlyList<Dictionary<string, object?>> Predictions)> PredictAsync(string name, int? version, IReadOnlyList<IReadOnlyDictionary<string, JsonElement>> records, CancellationToken ct)
    {
        var route = await ReadableRouteAsync(name, ct);
        var served = PickVersion(route.Route, version);
        var signature = runtime.Signature(new ServedModel(name, served)) ?? throw new EndpointUnavailableException($"Endpoint '{name}' is not loaded on this node.");
        var inputs = RecordTensors.ToInputs(signature, records);
        var result = await InferAsync(route, served, new InferenceRequest(null, inputs, null), ct);
        return (served, RecordTensors.ToRecords(signature, result.Outputs, records.Count));
    }

    /// <summary>For Triton endpoints: where the caller's <c>/v2</c> call is forwarded (after the same permission check).</summary>
    public async Task<ForwardTarget?> ForwardTargetAsync(ReadableRoute checkedRoute, int? version, CancellationToken ct)
    {
        var route = checkedRoute.Route;
        if (route.Runtime != ServingRuntimeKind.Triton)
        {
            return null;
        }

        var endpoint = await store.FindAsync(route.Id, ct) ?? throw new NotFoundException("Endpoint", route.Name);
        return new ForwardTarget(triton.BaseAddress(endpoint), route.Name, PickVersion(route, version));
    }

    /// <summary>Whether the endpoint can answer (for <c>/v2/models/{name}/ready</c>).</summary>
    public async Task<bool> IsReadyAsync(string name, int? version, CancellationToken ct)
    {
        var view = await reader.GetByNameAsync(name, ct);
        if (view.Endpoint.Status != EndpointStatus.Ready)
        {
            return false;
        }

        var served = version ?? view.Endpoint.Version;
        return view.Endpoint.Runtime == ServingRuntimeKind.Triton || runtime.IsLoaded(new ServedModel(name, served));
    }

    public ModelSignature? SignatureOf(string name, int version) => runtime.Signature(new ServedModel(name, version));

    /// <summary>This node stops serving a deleted endpoint: its route, its Triton deployment, its loaded versions, its payload samples and metrics.</summary>
    public async Task StopServingAsync(ServingEndpoint endpoint, CancellationToken ct)
    {
        router.Remove(endpoint.Name);
        if (endpoint.Runtime == ServingRuntimeKind.Triton)
        {
            await triton.DeleteAsync(endpoint, ct);
        }

        foreach (var key in runtime.Loaded.Where(k => k.Endpoint == endpoint.Name).ToList())
        {
            await runtime.UnloadAsync(key);
        }

        await payloads.FlushAsync(endpoint.Name, ct);
        metrics.Forget(endpoint.Name);
    }

    private async Task<EndpointRoute> RouteAsync(string name, CancellationToken ct)
    {
        var route = router.Find(name);
        if (route is null)
        {
            var endpoint = await store.FindByNameAsync(name, ct) ?? throw new NotFoundException("Endpoint", name);
            route = router.Set(endpoint);
        }

        if (!await reader.CanReadAsync(route.Id, route.OwnerId, ct))
        {
            throw new NotFoundException("Endpoint", name);
        }

        if (route.Status != EndpointStatus.Ready)
        {
            throw new EndpointUnavailableException($"Endpoint '{name}' is {route.Status}{(route.Error is { } e ? $": {e}" : string.Empty)}.");
        }

        return route;
    }

    private static int PickVersion(EndpointRoute route, int? asked)
    {
        if (asked is { } v)
        {
            return v == route.Version || v == route.CanaryVersion ? v : throw new NotFoundException("Model version", $"{route.Name}/{v}");
        }

        return route.CanaryVersion is { } canary && route.CanaryPercent > 0 && Random.Shared.Next(100) < route.CanaryPercent ? canary : route.Version;
    }
}
