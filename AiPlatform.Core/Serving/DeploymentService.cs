using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;
using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Core.Registry;
using AiPlatform.Core.Storage;

namespace AiPlatform.Core.Serving;

/// <summary>An endpoint with the caller's level, the model's name and the served model's signature.</summary>
public sealed record EndpointView(ServingEndpoint Endpoint, PermissionLevel Level, string ModelName, ModelSignature? Signature);

/// <summary>What a deployment asks for.</summary>
public sealed record DeploySpec(
    string? Name,
    Guid ModelId,
    string? Target,
    ServingRuntimeKind Runtime = ServingRuntimeKind.OnnxRuntime,
    int Threads = 0,
    int MaxBatchSize = 0,
    int MaxQueueDelayMicroseconds = 2000,
    int Replicas = 1,
    bool RollOnAliasMove = true,
    int PayloadLogPercent = 0,
    Guid? PayloadDatasetId = null,
    string? Description = null);

/// <summary>Settings that can change on a running endpoint (the models are reloaded with them).</summary>
public sealed record EndpointSettings(int Threads, int MaxBatchSize, int MaxQueueDelayMicroseconds, int Replicas, bool RollOnAliasMove, int PayloadLogPercent, Guid? PayloadDatasetId, string? Description);

/// <summary>Where a Triton endpoint's call goes.</summary>
public sealed record ForwardTarget(Uri BaseAddress, string ModelName, int Version);

/// <summary>
/// Deployments: an endpoint serves a READY ONNX version (or the version an alias points at) in the in-process ONNX
/// Runtime or on Triton; a canary version can take a share of the traffic and be promoted or rolled back. A new
/// version is loaded and warmed up before traffic moves to it, and the old one is unloaded only after its requests
/// in flight have finished, so a roll or rollback never drops a request. Inference needs Read on the endpoint.
/// </summary>
public sealed partial class DeploymentService(
    AccessService access,
    IEndpointStore store,
    RegistryService registry,
    IObjectStore objects,
    IScratchSpace scratch,
    IInferenceRuntime runtime,
    ITritonDeployer triton,
    EndpointRouter router,
    ServingMetrics metrics,
    PayloadLog payloads,
    Data.DatasetService datasets,
    AuditRecorder audit,
    ICurrentUser currentUser,
    TimeProvider time) : ISecurableLookup
{
    public const string EndpointType = SecurableTypes.Endpoint;

    private readonly Dictionary<Guid, string> _modelNames = [];

    public string ObjectType => EndpointType;

    /// <summary>Whether endpoints can run on Triton (Serving:Kubernetes configured).</summary>
    public bool TritonAvailable => triton.Configured;

    // ---- deploy and change ----

    public async Task<ServingEndpoint> DeployAsync(DeploySpec spec, CancellationToken ct)
    {
        var context = await access.RequireCapabilityAsync(Capabilities.ModelsDeploy, ct);
        var name = (spec.Name ?? string.Empty).Trim();
        if (!NamePattern().IsMatch(name))
        {
            throw new ValidationException("name", "An endpoint name has 1 to 63 lower-case letters, digits and '-', starting with a letter.");
        }

        if (await store.FindByNameAsync(name, ct) is not null)
        {
            throw new AlreadyExistsException($"An endpoint named '{name}' exists already.");
        }

        if (spec.Runtime == ServingRuntimeKind.Triton && !triton.Configured)
        {
            throw new ValidationException("runtime", "Triton needs Serving:Kubernetes configured (see the operations guide); the in-process ONNX Runtime is always available.");
        }

        var settings = Validate(new EndpointSettings(spec.Threads, spec.MaxBatchSize, spec.MaxQueueDelayMicroseconds, spec.Replicas, spec.RollOnAliasMove, spec.PayloadLogPercent, spec.PayloadDatasetId, spec.Description));
        await CheckPayloadDatasetAsync(settings, ct);
        var version = await ResolveAsync(spec.ModelId, spec.Target, ct);
        var now = time.GetUtcNow();
        var endpoint = new ServingEndpoint
        {
            Id = Guid.CreateVersion7(now),
            Name = name,
            ModelId = spec.ModelId,
            Target = string.IsNullOrWhiteSpace(spec.Target) ? version.Version.Version.ToString(CultureInfo.InvariantCulture) : spec.Target.Trim(),
            Version = version.Version.Version,
            Runtime = spec.Runtime,
            Status = EndpointStatus.Deploying,
            OwnerId = context.UserId,
            CreatedAt = now,
            UpdatedAt = now,
        };
        Apply(endpoint, settings);
        await store.AddAsync(endpoint, await EventAsync(endpoint, "deploy", $"{version.Model.Name} v{endpoint.Version} ({endpoint.Target}) on {endpoint.Runtime}", ct),
            await audit.EntryAsync("endpoint.deploy", EndpointType, endpoint.Id, new { endpoint.Name, model = version.Model.Name, endpoint.Version, endpoint.Runtime }, ct), ct);
        await BringUpAsync(endpoint, [version], ct);
        return endpoint;
    }

    public async Task<ServingEndpoint> UpdateSettingsAsync(Guid id, EndpointSettings settings, CancellationToken ct)
    {
        var endpoint = await RequireAsync(id, PermissionLevel.Write, ct);
        await CheckPayloadDatasetAsync(Validate(settings), ct);
        Apply(endpoint, settings);
        await SaveAsync(endpoint, "settings", $"threads {settings.Threads}, batch {settings.MaxBatchSize}/{settings.MaxQueueDelayMicroseconds} µs, replicas {settings.Replicas}, payload log {settings.PayloadLogPercent}%", ct);
        await BringUpAsync(endpoint, await ServedVersionsAsync(endpoint, ct), ct);
        return endpoint;
    }

    /// <summary>Serves another version (number or alias) as primary; the current one becomes the rollback target.</summary>
    public async Task<ServingEndpoint> RollAsync(Guid id, string? target, CancellationToken ct)
    {
        var endpoint = await RequireAsync(id, PermissionLevel.Write, ct);
        var version = await ResolveAsync(endpoint.ModelId, target, ct);
        endpoint.Target = string.IsNullOrWhiteSpace(target) ? version.Version.Version.ToString(CultureInfo.InvariantCulture) : target.Trim();
        await SwitchPrimaryAsync(endpoint, version, "roll", ct);
        return endpoint;
    }

    /// <summary>Starts (or changes) a canary: <paramref name="percent"/> of requests go to the canary version.</summary>
    public async Task<ServingEndpoint> SetCanaryAsync(Guid id, string? target, int percent, CancellationToken ct)
    {
        var endpoint = await RequireAsync(id, PermissionLevel.Write, ct);
        if (percent is < 0 or > 100)
        {
            throw new ValidationException("percent", "The canary's share is 0 to 100 percent.");
        }

        var version = await ResolveAsync(endpoint.ModelId, target, ct);
        if (version.Version.Version == endpoint.Version)
        {
            throw new ValidationException("target", $"Version {endpoint.Version} is already the primary version.");
        }

        var primary = await registry.GetVersionForWorkAsync(endpoint.ModelId, endpoint.Version, ct) ?? throw new NotFoundException("Model version", endpoint.Version);
        await LoadVersionAsync(endpoint, version, ct);
        var old = endpoint.CanaryVersion;
        endpoint.CanaryVersion = version.Version.Version;
        endpoint.CanaryPercent = percent;
        await SaveAsync(endpoint, "canary", $"v{endpoint.CanaryVersion} takes {percent}%", ct);
        if (endpoint.Runtime == ServingRuntimeKind.Triton)
        {
            await BringUpAsync(endpoint, [primary, version], ct);
        }

        await RetireAsync(endpoint, old, ct);
        return endpoint;
    }

    /// <summary>The canary becomes the primary version; the old primary is the rollback target.</summary>
    public async Task<ServingEndpoint> PromoteAsync(Guid id, CancellationToken ct)
    {
        var endpoint = await RequireAsync(id, PermissionLevel.Write, ct);
        if (endpoint.CanaryVersion is not { } canary)
        {
            throw new ConflictException("The endpoint has no canary to promote.");
        }

        var version = await registry.GetVersionForWorkAsync(endpoint.ModelId, canary, ct) ?? throw new NotFoundException("Model version", canary);
        endpoint.Target = canary.ToString(CultureInfo.InvariantCulture);
        await SwitchPrimaryAsync(endpoint, version, "promote", ct);
        return endpoint;
    }

    /// <summary>Drops the canary if there is one; otherwise returns to the previous primary version.</summary>
    public async Task<ServingEndpoint> RollbackAsync(Guid id, CancellationToken ct)
    {
        var endpoint = await RequireAsync(id, PermissionLevel.Write, ct);
        if (endpoint.CanaryVersion is { } canary)
        {
            endpoint.CanaryVersion = null;
            endpoint.CanaryPercent = 0;
            await SaveAsync(endpoint, "rollback", $"canary v{canary} removed; v{endpoint.Version} takes all traffic", ct);
            await RetireAsync(endpoint, canary, ct);
            return endpoint;
        }

        if (endpoint.PreviousVersion is not { } previous)
        {
            throw new ConflictException("There is no previous version to roll back to.");
        }

        var version = await registry.GetVersionForWorkAsync(endpoint.ModelId, previous, ct);
        if (version is null || version.Version.Status != ModelVersionStatus.Ready)
        {
            throw new ConflictException($"Version {previous} is no longer available.");
        }

        endpoint.Target = previous.ToString(CultureInfo.InvariantCulture);
        await SwitchPrimaryAsync(endpoint, version, "rollback", ct);
        return endpoint;
    }

    public async Task DeleteAsync(Guid id, CancellationToken ct)
    {
        var endpoint = await RequireAsync(id, PermissionLevel.Manage, ct);
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
        await store.DeleteAsync(id, await audit.EntryAsync("endpoint.delete", EndpointType, id, new { endpoint.Name }, ct), ct);
    }

    // ---- read ----

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
            if (await access.GetLevelAsync(EndpointType, endpoint.Id, endpoint.OwnerId, ct) is not null)
            {
                visible.Add(endpoint);
            }
        }

        return visible;
    }

    /// <summary>Remembers the names of the models behind listed endpoints (for lists; see <see cref="ModelNameOf"/>).</summary>
    public async Task LoadModelNamesAsync(IEnumerable<Guid> modelIds, CancellationToken ct)
    {
        foreach (var id in modelIds.Distinct().Where(id => !_modelNames.ContainsKey(id)).ToList())
        {
            _modelNames[id] = await registry.GetModelNameForWorkAsync(id, ct) ?? "?";
        }
    }

    public string ModelNameOf(Guid modelId) => _modelNames.GetValueOrDefault(modelId, "?");

    // ---- inference ----

    /// <summary>Runs an inference for a caller who may read the endpoint; a canary takes its share unless a version is named.</summary>
    public async Task<InferenceResult> InferAsync(string name, int? version, InferenceRequest request, CancellationToken ct)
    {
        var route = await RouteAsync(name, ct);
        var served = PickVersion(route, version);
        var clock = Stopwatch.StartNew();
        try
        {
            IReadOnlyList<InferTensor> outputs;
            try
            {
                outputs = await runtime.InferAsync(new ServedModel(name, served), request.Inputs, request.Outputs, ct);
            }
            catch (EndpointUnavailableException) when (version is null && router.Find(name) is { } moved && moved != route)
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
    public async Task<(int Version, IReadOnlyList<Dictionary<string, object?>> Predictions)> PredictAsync(string name, IReadOnlyList<IReadOnlyDictionary<string, JsonElement>> records, CancellationToken ct)
    {
        var route = await RouteAsync(name, ct);
        var served = PickVersion(route, null);
        var signature = runtime.Signature(new ServedModel(name, served)) ?? throw new EndpointUnavailableException($"Endpoint '{name}' is not loaded on this node.");
        var inputs = RecordTensors.ToInputs(signature, records);
        var result = await InferAsync(name, served, new InferenceRequest(null, inputs, null), ct);
        return (served, RecordTensors.ToRecords(signature, result.Outputs, records.Count));
    }

    /// <summary>For Triton endpoints: where the caller's <c>/v2</c> call is forwarded (after the same permission check).</summary>
    public async Task<ForwardTarget?> ForwardTargetAsync(string name, int? version, CancellationToken ct)
    {
        var route = await RouteAsync(name, ct, allowRemote: true);
        if (route.Runtime != ServingRuntimeKind.Triton)
        {
            return null;
        }

        var endpoint = await store.FindAsync(route.Id, ct) ?? throw new NotFoundException("Endpoint", name);
        return new ForwardTarget(triton.BaseAddress(endpoint), name, PickVersion(route, version));
    }

    /// <summary>Records the outcome of a forwarded call in the endpoint's metrics.</summary>
    public void RecordForwarded(string name, int version, string outcome, TimeSpan duration) => metrics.Record(name, version, outcome, duration);

    /// <summary>Whether the endpoint can answer (for <c>/v2/models/{name}/ready</c>).</summary>
    public async Task<bool> IsReadyAsync(string name, int? version, CancellationToken ct)
    {
        var view = await GetByNameAsync(name, ct);
        if (view.Endpoint.Status != EndpointStatus.Ready)
        {
            return false;
        }

        var served = version ?? view.Endpoint.Version;
        return view.Endpoint.Runtime == ServingRuntimeKind.Triton || runtime.IsLoaded(new ServedModel(name, served));
    }

    public ModelSignature? SignatureOf(string name, int version) => runtime.Signature(new ServedModel(name, version));

    // ---- node work ----

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
                endpoint.Error = e.Message;
                await SaveAsync(endpoint, "failed", e.Message, ct);
            }
        }

        foreach (var stale in runtime.Loaded.Where(k => !wanted.Contains(k)).ToList())
        {
            await runtime.UnloadAsync(stale);
        }

        router.Retain(endpoints.Select(e => e.Name).ToHashSet(StringComparer.Ordinal));
        await payloads.FlushDueAsync(ct);
    }

    async Task<SecurableObject?> ISecurableLookup.FindAsync(Guid id, CancellationToken ct) =>
        await store.FindAsync(id, ct) is { } e ? new SecurableObject(EndpointType, e.Id, e.Name, e.OwnerId) : null;

    // ---- internals ----

    private async Task ReconcileOneAsync(ServingEndpoint endpoint, HashSet<ServedModel> wanted, CancellationToken ct)
    {
        if (endpoint.Status is EndpointStatus.Failed or EndpointStatus.Stopped)
        {
            router.Set(endpoint);
            return;
        }

        if (endpoint.RollOnAliasMove && endpoint.Target.StartsWith('@'))
        {
            var aliased = await registry.GetVersionByAliasForWorkAsync(endpoint.ModelId, endpoint.Target, ct);
            if (aliased is not null && aliased.Version.Version != endpoint.Version && aliased.Version.Status == ModelVersionStatus.Ready)
            {
                await SwitchPrimaryAsync(endpoint, aliased, "roll", ct, $"alias {endpoint.Target} moved to v{aliased.Version.Version}");
            }
        }

        if (endpoint.Runtime == ServingRuntimeKind.Triton)
        {
            if (endpoint.Status == EndpointStatus.Deploying)
            {
                if (await triton.IsReadyAsync(endpoint, ct))
                {
                    endpoint.Status = EndpointStatus.Ready;
                    await SaveAsync(endpoint, "ready", "Triton reports the models ready", ct);
                }
                else if (time.GetUtcNow() - endpoint.UpdatedAt > triton.ReadinessTimeout)
                {
                    await FailUnreadyTritonAsync(endpoint, ct);
                }
            }

            router.Set(endpoint);
            return;
        }

        foreach (var v in Served(endpoint))
        {
            var key = new ServedModel(endpoint.Name, v);
            wanted.Add(key);
            if (!runtime.IsLoaded(key))
            {
                var version = await registry.GetVersionForWorkAsync(endpoint.ModelId, v, ct) ?? throw new NotFoundException("Model version", v);
                await LoadVersionAsync(endpoint, version, ct);
            }
        }

        if (endpoint.Status == EndpointStatus.Deploying)
        {
            endpoint.Status = EndpointStatus.Ready;
            await SaveAsync(endpoint, "ready", $"v{endpoint.Version} loaded", ct);
        }

        router.Set(endpoint);
    }

    /// <summary>
    /// Triton did not answer ready within the readiness timeout since the last apply: the endpoint fails with what its
    /// pods are stuck on, and its Deployment and Service are removed so they hold no GPU (a roll or a settings change
    /// applies them again).
    /// </summary>
    private async Task FailUnreadyTritonAsync(ServingEndpoint endpoint, CancellationToken ct)
    {
        // Review 25 finding 3: the reconcile loop works from a snapshot read at its start. When the endpoint changed
        // since (a user rolled it or changed a setting, on this node or another), that apply is not this timeout's to
        // undo: leave it to the next pass.
        if (await store.FindAsync(endpoint.Id, ct) is not { } current
            || current.Status != endpoint.Status || current.Version != endpoint.Version
            || current.CanaryVersion != endpoint.CanaryVersion || current.UpdatedAt != endpoint.UpdatedAt)
        {
            return;
        }

        var timeout = triton.ReadinessTimeout;
        var pods = await triton.DescribePodsAsync(endpoint, ct);
        string removed;
        try
        {
            await triton.DeleteAsync(endpoint, ct);
            removed = "Its Deployment and Service were removed so that they hold no GPU";
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            removed = $"Removing its Deployment failed ({e.Message})";
        }

        endpoint.Status = EndpointStatus.Failed;
        endpoint.Error = $"Triton did not become ready within {(timeout.TotalMinutes >= 1 ? timeout.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture) + " minutes" : timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " seconds")} " +
            $"(Serving:Kubernetes:ReadinessTimeout){(pods is null ? string.Empty : $": {pods}")}. {removed}; roll the endpoint or change a setting to deploy it again.";
        await SaveAsync(endpoint, "failed", endpoint.Error, ct);
    }

    private async Task SwitchPrimaryAsync(ServingEndpoint endpoint, VersionDetails version, string kind, CancellationToken ct, string? detail = null)
    {
        var old = endpoint.Version;
        var canary = endpoint.CanaryVersion;
        if (endpoint.Runtime == ServingRuntimeKind.OnnxRuntime)
        {
            await LoadVersionAsync(endpoint, version, ct);
        }

        endpoint.Version = version.Version.Version;
        endpoint.PreviousVersion = old == endpoint.Version ? endpoint.PreviousVersion : old;
        if (endpoint.CanaryVersion == endpoint.Version)
        {
            endpoint.CanaryVersion = null;
            endpoint.CanaryPercent = 0;
        }

        if (endpoint.Status == EndpointStatus.Failed)
        {
            endpoint.Status = endpoint.Runtime == ServingRuntimeKind.Triton ? EndpointStatus.Deploying : EndpointStatus.Ready;
            endpoint.Error = null;
        }

        await SaveAsync(endpoint, kind, detail ?? $"v{old} → v{endpoint.Version}", ct);
        if (endpoint.Runtime == ServingRuntimeKind.Triton)
        {
            await BringUpAsync(endpoint, await ServedVersionsAsync(endpoint, ct), ct);
        }

        await RetireAsync(endpoint, old, ct);
        if (canary != endpoint.CanaryVersion)
        {
            await RetireAsync(endpoint, canary, ct);
        }
    }

    /// <summary>Unloads a version that the endpoint no longer serves, after its requests in flight.</summary>
    private async Task RetireAsync(ServingEndpoint endpoint, int? version, CancellationToken ct)
    {
        if (version is { } v && !Served(endpoint).Contains(v))
        {
            await runtime.UnloadAsync(new ServedModel(endpoint.Name, v));
        }

        ct.ThrowIfCancellationRequested();
    }

    /// <summary>Loads (in process) or applies (Triton) the served versions and records Ready or Failed with the reason.</summary>
    private async Task BringUpAsync(ServingEndpoint endpoint, IReadOnlyList<VersionDetails> versions, CancellationToken ct)
    {
        try
        {
            if (endpoint.Runtime == ServingRuntimeKind.Triton)
            {
                await triton.ApplyAsync(endpoint, versions.Select(v => new TritonModel(v.Version.Version, OnnxFile(v).ObjectKey, v.Signature)).ToList(), ct);
                endpoint.Status = EndpointStatus.Deploying;
            }
            else
            {
                foreach (var version in versions)
                {
                    await LoadVersionAsync(endpoint, version, ct);
                }

                endpoint.Status = EndpointStatus.Ready;
            }

            endpoint.Error = null;
            await SaveAsync(endpoint, endpoint.Status == EndpointStatus.Ready ? "ready" : "applied", string.Join(", ", versions.Select(v => $"v{v.Version.Version}")), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // Review 25 finding 8: as in ReconcileAsync, a timeout inside (S3, Kubernetes) fails the endpoint with its
            // reason instead of escaping as a 500; only the caller's own cancellation escapes.
            endpoint.Status = EndpointStatus.Failed;
            endpoint.Error = e.Message;
            await SaveAsync(endpoint, "failed", e.Message, ct);
        }
    }

    private async Task LoadVersionAsync(ServingEndpoint endpoint, VersionDetails version, CancellationToken ct)
    {
        if (endpoint.Runtime == ServingRuntimeKind.Triton)
        {
            return;
        }

        var local = scratch.NewFilePath(".onnx");
        try
        {
            await using (var source = await objects.OpenReadAsync(ObjectKey.Parse(OnnxFile(version).ObjectKey), ct))
            await using (var target = File.Create(local))
            {
                await source.CopyToAsync(target, ct);
            }

            await runtime.LoadAsync(new ServedModel(endpoint.Name, version.Version.Version), local, SettingsOf(endpoint), ct);
        }
        finally
        {
            File.Delete(local);
        }
    }

    private async Task<List<VersionDetails>> ServedVersionsAsync(ServingEndpoint endpoint, CancellationToken ct)
    {
        var list = new List<VersionDetails>();
        foreach (var v in Served(endpoint))
        {
            list.Add(await registry.GetVersionForWorkAsync(endpoint.ModelId, v, ct) ?? throw new NotFoundException("Model version", v));
        }

        return list;
    }

    private static int[] Served(ServingEndpoint endpoint) => endpoint.CanaryVersion is { } c ? [endpoint.Version, c] : [endpoint.Version];

    private static RuntimeSettings SettingsOf(ServingEndpoint e) => new(e.Threads, e.MaxBatchSize, TimeSpan.FromMicroseconds(e.MaxQueueDelayMicroseconds));

    private static ModelFile OnnxFile(VersionDetails version) =>
        version.Files.FirstOrDefault(f => f.Path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)) ?? throw new ValidationException("target", $"Version {version.Version.Version} has no ONNX file.");

    private async Task<EndpointRoute> RouteAsync(string name, CancellationToken ct, bool allowRemote = false)
    {
        var route = router.Find(name);
        if (route is null)
        {
            var endpoint = await store.FindByNameAsync(name, ct) ?? throw new NotFoundException("Endpoint", name);
            route = router.Set(endpoint);
        }

        if (await access.GetLevelAsync(EndpointType, route.Id, route.OwnerId, ct) is null)
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

    private async Task<ServingEndpoint> RequireAsync(Guid id, PermissionLevel level, CancellationToken ct)
    {
        var view = await GetAsync(id, ct);
        await access.RequireFoundLevelAsync(EndpointType, id, view.Level, level, ct);
        return view.Endpoint;
    }

    private async Task<EndpointView> ViewAsync(ServingEndpoint endpoint, CancellationToken ct)
    {
        var level = await access.GetLevelAsync(EndpointType, endpoint.Id, endpoint.OwnerId, ct) ?? throw new NotFoundException("Endpoint", endpoint.Name);
        var model = await registry.GetModelNameForWorkAsync(endpoint.ModelId, ct);
        var signature = runtime.Signature(new ServedModel(endpoint.Name, endpoint.Version))
            ?? (await registry.GetVersionForWorkAsync(endpoint.ModelId, endpoint.Version, ct))?.Signature;
        return new EndpointView(endpoint, level, model ?? "?", signature);
    }

    private async Task<VersionDetails> ResolveAsync(Guid modelId, string? target, CancellationToken ct)
    {
        var trimmed = target?.Trim();
        VersionDetails version;
        if (string.IsNullOrEmpty(trimmed))
        {
            var latest = (await registry.GetModelAsync(modelId, ct)).Versions.Where(v => v.Status == ModelVersionStatus.Ready).MaxBy(v => v.Version)
                ?? throw new ValidationException("target", "The model has no READY version to deploy.");
            version = await registry.GetVersionAsync(modelId, latest.Version, ct);
        }
        else if (trimmed.StartsWith('@'))
        {
            version = await registry.GetVersionByAliasAsync(modelId, trimmed, ct);
        }
        else
        {
            version = await registry.GetVersionAsync(modelId, int.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw new ValidationException("target", "The target is a version number or an alias like @champion."), ct);
        }

        if (version.Version.Status != ModelVersionStatus.Ready)
        {
            throw new ValidationException("target", $"Version {version.Version.Version} is {version.Version.Status}; only READY versions can be deployed.");
        }

        if (version.Files.All(f => !f.Path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)))
        {
            throw new ValidationException("target", $"Version {version.Version.Version} has no ONNX model; endpoints serve ONNX (built-in trainers write model.onnx beside model.zip).");
        }

        return version;
    }

    private async Task CheckPayloadDatasetAsync(EndpointSettings s, CancellationToken ct)
    {
        if (s.PayloadLogPercent == 0)
        {
            return;
        }

        if (s.PayloadDatasetId is not { } id)
        {
            throw new ValidationException("payloadDatasetId", "Choose the dataset that sampled payloads are written to.");
        }

        var (_, level) = await datasets.GetAsync(id, ct);
        if (level < PermissionLevel.Write)
        {
            throw new ValidationException("payloadDatasetId", "You need Write on the payload dataset.");
        }
    }

    private static EndpointSettings Validate(EndpointSettings s)
    {
        if (s.Threads is < 0 or > 64)
        {
            throw new ValidationException("threads", "Threads are 0 (ONNX Runtime's default) to 64.");
        }

        if (s.MaxBatchSize is < 0 or > 4096)
        {
            throw new ValidationException("maxBatchSize", "The maximum batch size is 0 (batching off) to 4096.");
        }

        if (s.MaxQueueDelayMicroseconds is < 0 or > 1_000_000)
        {
            throw new ValidationException("maxQueueDelayMicroseconds", "The queue delay is 0 to 1,000,000 µs.");
        }

        if (s.Replicas is < 1 or > 64)
        {
            throw new ValidationException("replicas", "Replicas are 1 to 64.");
        }

        if (s.PayloadLogPercent is < 0 or > 100)
        {
            throw new ValidationException("payloadLogPercent", "The payload sample is 0 to 100 percent.");
        }

        if (s.Description?.Length > 10_000)
        {
            throw new ValidationException("description", "The description has at most 10,000 characters.");
        }

        return s;
    }

    private static void Apply(ServingEndpoint e, EndpointSettings s)
    {
        e.Threads = s.Threads;
        e.MaxBatchSize = s.MaxBatchSize;
        e.MaxQueueDelayMicroseconds = s.MaxQueueDelayMicroseconds;
        e.Replicas = s.Replicas;
        e.RollOnAliasMove = s.RollOnAliasMove;
        e.PayloadLogPercent = s.PayloadLogPercent;
        e.PayloadDatasetId = s.PayloadLogPercent > 0 ? s.PayloadDatasetId : null;
        e.Description = string.IsNullOrWhiteSpace(s.Description) ? null : s.Description.Trim();
    }

    private async Task SaveAsync(ServingEndpoint endpoint, string kind, string? detail, CancellationToken ct)
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
            audited ? await audit.EntryAsync("endpoint." + kind, EndpointType, endpoint.Id, new { endpoint.Name, endpoint.Version, endpoint.CanaryVersion, endpoint.CanaryPercent }, ct) : null, ct);
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

    [GeneratedRegex("^[a-z][a-z0-9-]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
