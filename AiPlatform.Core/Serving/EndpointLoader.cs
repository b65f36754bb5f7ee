using System.Globalization;
using AiPlatform.Core.Common;
using AiPlatform.Core.Registry;
using AiPlatform.Core.Storage;

namespace AiPlatform.Core.Serving;

/// <summary>
/// This node's work for an endpoint's versions: resolves a target to a deployable version, loads a version (in the
/// in-process ONNX Runtime) or applies the served versions (Triton), switches the primary version, retires versions
/// the endpoint no longer serves after their requests in flight, and follows Triton's readiness up to its timeout.
/// </summary>
public sealed class EndpointLoader(
    ModelVersionService modelVersions,
    IObjectStore objects,
    IScratchSpace scratch,
    IInferenceRuntime runtime,
    ITritonDeployer triton,
    EndpointHistory history,
    TimeProvider time)
{
    /// <summary>Whether endpoints can run on Triton (Serving:Kubernetes configured).</summary>
    public bool TritonConfigured => triton.Configured;

    /// <summary>The READY ONNX version a target names: a version number, an alias like <c>@champion</c>, or (empty) the latest READY one.</summary>
    public async Task<VersionDetails> ResolveAsync(Guid modelId, string? target, CancellationToken ct)
    {
        var trimmed = target?.Trim();
        VersionDetails version;
        if (string.IsNullOrEmpty(trimmed))
        {
            var latest = (await modelVersions.GetLatestVersionsAsync(modelId, null, ct)).MaxBy(v => v.Version)
                ?? throw new ValidationException("target", "The model has no READY version to deploy.") { MessageKey = "Error.EndpointNoReadyVersion" };
            version = await modelVersions.GetVersionAsync(modelId, latest.Version, ct);
        }
        else if (trimmed.StartsWith('@'))
        {
            version = await modelVersions.GetVersionByAliasAsync(modelId, trimmed, ct);
        }
        else
        {
            version = await modelVersions.GetVersionAsync(modelId, int.TryParse(trimmed, NumberStyles.None, CultureInfo.InvariantCulture, out var n) ? n : throw new ValidationException("target", "The target is a version number or an alias like @champion.") { MessageKey = "Error.EndpointTargetInvalid" }, ct);
        }

        if (version.Version.Status != ModelVersionStatus.Ready)
        {
            throw new ValidationException("target", $"Version {version.Version.Version} is {version.Version.Status}; only READY versions can be deployed.") { MessageKey = "Error.EndpointVersionNotReady", MessageArguments = [version.Version.Version] };
        }

        if (version.Files.All(f => !f.Path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)))
        {
            throw new ValidationException("target", $"Version {version.Version.Version} has no ONNX model; endpoints serve ONNX (built-in trainers write model.onnx beside model.zip).") { MessageKey = "Error.EndpointVersionNotOnnx", MessageArguments = [version.Version.Version] };
        }

        return version;
    }

    public async Task SwitchPrimaryAsync(ServingEndpoint endpoint, VersionDetails version, string kind, CancellationToken ct, string? detail = null)
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
            endpoint.SetError(null);
        }

        await history.SaveAsync(endpoint, kind, detail ?? $"v{old} → v{endpoint.Version}", ct);
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
    public async Task RetireAsync(ServingEndpoint endpoint, int? version, CancellationToken ct)
    {
        if (version is { } v && !Served(endpoint).Contains(v))
        {
            await runtime.UnloadAsync(new ServedModel(endpoint.Name, v));
        }

        ct.ThrowIfCancellationRequested();
    }

    /// <summary>Loads (in process) or applies (Triton) the served versions and records Ready or Failed with the reason.</summary>
    public async Task BringUpAsync(ServingEndpoint endpoint, IReadOnlyList<VersionDetails> versions, CancellationToken ct)
    {
        try
        {
            if (endpoint.Runtime == ServingRuntimeKind.Triton)
            {
                await triton.ApplyAsync(endpoint, versions.Select(v => new TritonModel(v.Version.Version, OnnxFile(v).ObjectKey, ServedOutputs.Of(v))).ToList(), ct);
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

            endpoint.SetError(null);
            await history.SaveAsync(endpoint, endpoint.Status == EndpointStatus.Ready ? "ready" : "applied", string.Join(", ", versions.Select(v => $"v{v.Version.Version}")), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            // As in the reconcile loop, a timeout inside (S3, Kubernetes) fails the endpoint with its reason instead of
            // escaping as a 500; only the caller's own cancellation escapes.
            endpoint.Status = EndpointStatus.Failed;
            endpoint.SetError(Common.StoredMessage.From(e, e.Message, "Error.Endpoint.Failed", textAsArgument: false));
            await history.SaveAsync(endpoint, "failed", e.Message, ct);
        }
    }

    public async Task LoadVersionAsync(ServingEndpoint endpoint, VersionDetails version, CancellationToken ct)
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

            try
            {
                await runtime.LoadAsync(new ServedModel(endpoint.Name, version.Version.Version), local, SettingsOf(endpoint) with { BuiltInTrained = ServedOutputs.BuiltInTrained(version) }, ct);
            }
            catch (Exception e) when (e is not (OperationCanceledException or Common.PlatformException))
            {
                // The runtime's own text may name the scratch file: it stays in the English text, not in the arguments.
                throw new EndpointLoadException(e.Message, "Error.Endpoint.ModelNotLoadable", e, version.Version.Version);
            }
        }
        finally
        {
            File.Delete(local);
        }
    }

    public async Task<List<VersionDetails>> ServedVersionsAsync(ServingEndpoint endpoint, CancellationToken ct)
    {
        var list = new List<VersionDetails>();
        foreach (var v in Served(endpoint))
        {
            list.Add(await modelVersions.GetVersionForWorkAsync(endpoint.ModelId, v, ct) ?? throw new NotFoundException("Model version", v));
        }

        return list;
    }

    public static int[] Served(ServingEndpoint endpoint) => endpoint.CanaryVersion is { } c ? [endpoint.Version, c] : [endpoint.Version];

    /// <summary>A deploying Triton endpoint becomes Ready when Triton says so, or fails after the readiness timeout.</summary>
    public async Task FollowTritonAsync(ServingEndpoint endpoint, CancellationToken ct)
    {
        if (await triton.IsReadyAsync(endpoint, ct))
        {
            endpoint.Status = EndpointStatus.Ready;
            await history.SaveAsync(endpoint, "ready", "Triton reports the models ready", ct);
        }
        else if (time.GetUtcNow() - endpoint.UpdatedAt > triton.ReadinessTimeout)
        {
            await FailUnreadyTritonAsync(endpoint, ct);
        }
    }

    /// <summary>
    /// Triton did not answer ready within the readiness timeout since the last apply: the endpoint fails with what its
    /// pods are stuck on, and its Deployment and Service are removed so they hold no GPU (a roll or a settings change
    /// applies them again).
    /// </summary>
    private async Task FailUnreadyTritonAsync(ServingEndpoint endpoint, CancellationToken ct)
    {
        // The reconcile loop works from a snapshot read at its start. When the endpoint changed since (a user rolled it
        // or changed a setting, on this node or another), that apply is not this timeout's to undo: leave it to the
        // next pass.
        if (await history.FindAsync(endpoint.Id, ct) is not { } current
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
        var within = timeout.TotalMinutes >= 1 ? timeout.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture) + " min" : timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " s";
        endpoint.ErrorKey = "Error.Endpoint.TritonNotReady";
        endpoint.ErrorArguments = Common.StoredMessage.Json([within]);
        endpoint.Error = $"Triton did not become ready within {(timeout.TotalMinutes >= 1 ? timeout.TotalMinutes.ToString("0.#", CultureInfo.InvariantCulture) + " minutes" : timeout.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture) + " seconds")} " +
            $"(Serving:Kubernetes:ReadinessTimeout){(pods is null ? string.Empty : $": {pods}")}. {removed}; roll the endpoint or change a setting to deploy it again.";
        await history.SaveAsync(endpoint, "failed", endpoint.Error, ct);
    }

    private static RuntimeSettings SettingsOf(ServingEndpoint e) => new(e.Threads, e.MaxBatchSize, TimeSpan.FromMicroseconds(e.MaxQueueDelayMicroseconds));

    private static ModelFile OnnxFile(VersionDetails version) =>
        version.Files.FirstOrDefault(f => f.Path.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase)) ?? throw new ValidationException("target", $"Version {version.Version.Version} has no ONNX file.") { MessageKey = "Error.EndpointVersionNotOnnx", MessageArguments = [version.Version.Version] };
}

/// <summary>A model version the runtime could not load, with the UI resource that says so.</summary>
public sealed class EndpointLoadException(string message, string key, Exception inner, params object[] arguments)
    : Exception(message, inner), Common.ILocalizedFailure
{
    public string? MessageKey { get; } = key;

    public IReadOnlyList<object> MessageArguments { get; } = arguments;
}
