using System.Globalization;
using System.Text.RegularExpressions;
using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Registry;

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

/// <summary>
/// Deployments: an endpoint serves a READY ONNX version (or the version an alias points at) in the in-process ONNX
/// Runtime or on Triton. This service deploys, changes the settings of and deletes endpoints; reads are in
/// <see cref="EndpointReader"/>, rolls and canaries in <see cref="RolloutService"/>, inference in
/// <see cref="InferenceService"/> and this node's loop in <see cref="EndpointReconciler"/>.
/// </summary>
public sealed partial class DeploymentService(
    AccessService access,
    EndpointReader reader,
    IEndpointStore store,
    Data.DatasetService datasets,
    EndpointLoader loader,
    EndpointHistory history,
    InferenceService inference,
    TimeProvider time)
{
    /// <summary>Whether endpoints can run on Triton (Serving:Kubernetes configured).</summary>
    public bool TritonAvailable => loader.TritonConfigured;

    public async Task<ServingEndpoint> DeployAsync(DeploySpec spec, CancellationToken ct)
    {
        var context = await access.RequireCapabilityAsync(Capabilities.ModelsDeploy, ct);
        var name = (spec.Name ?? string.Empty).Trim();
        if (!NamePattern().IsMatch(name))
        {
            throw new ValidationException("name", "An endpoint name has 1 to 63 lower-case letters, digits and '-', starting with a letter.") { MessageKey = "Error.EndpointNameInvalid" };
        }

        if (await store.FindByNameAsync(name, ct) is not null)
        {
            throw new AlreadyExistsException($"An endpoint named '{name}' exists already.") { MessageKey = "Error.EndpointExists", MessageArguments = [name] };
        }

        if (spec.Runtime == ServingRuntimeKind.Triton && !loader.TritonConfigured)
        {
            throw new ValidationException("runtime", "Triton needs Serving:Kubernetes configured (see the operations guide); the in-process ONNX Runtime is always available.") { MessageKey = "Error.TritonUnavailable" };
        }

        var settings = Validate(new EndpointSettings(spec.Threads, spec.MaxBatchSize, spec.MaxQueueDelayMicroseconds, spec.Replicas, spec.RollOnAliasMove, spec.PayloadLogPercent, spec.PayloadDatasetId, spec.Description));
        await CheckPayloadDatasetAsync(settings, ct);
        var version = await loader.ResolveAsync(spec.ModelId, spec.Target, ct);
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
        await history.AddAsync(endpoint, "deploy", $"{version.Model.Name} v{endpoint.Version} ({endpoint.Target}) on {endpoint.Runtime}",
            new { endpoint.Name, model = version.Model.Name, endpoint.Version, endpoint.Runtime }, ct);
        await loader.BringUpAsync(endpoint, [version], ct);
        return endpoint;
    }

    public async Task<ServingEndpoint> UpdateSettingsAsync(Guid id, EndpointSettings settings, CancellationToken ct)
    {
        var endpoint = await reader.RequireAsync(id, PermissionLevel.Write, ct);
        await CheckPayloadDatasetAsync(Validate(settings), ct);
        Apply(endpoint, settings);
        await history.SaveAsync(endpoint, "settings", $"threads {settings.Threads}, batch {settings.MaxBatchSize}/{settings.MaxQueueDelayMicroseconds} µs, replicas {settings.Replicas}, payload log {settings.PayloadLogPercent}%", ct);
        await loader.BringUpAsync(endpoint, await loader.ServedVersionsAsync(endpoint, ct), ct);
        return endpoint;
    }

    public async Task DeleteAsync(Guid id, CancellationToken ct)
    {
        var endpoint = await reader.RequireAsync(id, PermissionLevel.Manage, ct);
        await inference.StopServingAsync(endpoint, ct);
        await history.DeleteAsync(endpoint, ct);
    }

    private async Task CheckPayloadDatasetAsync(EndpointSettings s, CancellationToken ct)
    {
        if (s.PayloadLogPercent == 0)
        {
            return;
        }

        if (s.PayloadDatasetId is not { } id)
        {
            throw new ValidationException("payloadDatasetId", "Choose the dataset that sampled payloads are written to.") { MessageKey = "Error.PayloadDatasetRequired" };
        }

        var (_, level) = await datasets.GetAsync(id, ct);
        if (level < PermissionLevel.Write)
        {
            throw new ValidationException("payloadDatasetId", "You need Write on the payload dataset.") { MessageKey = "Error.PayloadDatasetWrite" };
        }
    }

    private static EndpointSettings Validate(EndpointSettings s)
    {
        if (s.Threads is < 0 or > 64)
        {
            throw new ValidationException("threads", "Threads are 0 (ONNX Runtime's default) to 64.") { MessageKey = "Error.EndpointThreads" };
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

    [GeneratedRegex("^[a-z][a-z0-9-]{0,62}$", RegexOptions.CultureInvariant)]
    private static partial Regex NamePattern();
}
