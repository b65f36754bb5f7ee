using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Registry;

namespace AiPlatform.Core.Serving;

public enum EndpointStatus
{
    Deploying,
    Ready,
    Failed,
    Stopped,
}

/// <summary>Where an endpoint's model runs.</summary>
public enum ServingRuntimeKind
{
    /// <summary>ONNX Runtime inside the platform's process (embedded default).</summary>
    OnnxRuntime,

    /// <summary>A Triton Inference Server Deployment on Kubernetes; <c>/v2</c> calls are forwarded to it.</summary>
    Triton,
}

/// <summary>
/// A named inference endpoint serving one version of a registered model (or the version an alias points at), with an
/// optional canary version taking a share of the traffic; a securable object.
/// </summary>
public sealed class ServingEndpoint : IOwnedObject
{
    public Guid Id { get; set; }

    /// <summary>URL-safe name used in <c>/v2/models/{name}</c>.</summary>
    public required string Name { get; set; }

    public string? Description { get; set; }

    public Guid ModelId { get; set; }

    /// <summary>What was asked for: a version number ("3") or an alias ("@champion").</summary>
    public required string Target { get; set; }

    /// <summary>With an alias target: moving the alias rolls the endpoint to the alias's new version.</summary>
    public bool RollOnAliasMove { get; set; }

    /// <summary>The primary version being served.</summary>
    public int Version { get; set; }

    /// <summary>The version served before the last roll, promote or rollback (what a rollback returns to).</summary>
    public int? PreviousVersion { get; set; }

    public int? CanaryVersion { get; set; }

    /// <summary>Share of requests (0–100) sent to the canary version.</summary>
    public int CanaryPercent { get; set; }

    public ServingRuntimeKind Runtime { get; set; }

    /// <summary>Pods of the Triton Deployment (the in-process runtime serves on every platform node).</summary>
    public int Replicas { get; set; } = 1;

    /// <summary>ONNX Runtime intra-op threads (0: its default).</summary>
    public int Threads { get; set; }

    /// <summary>Dynamic batching: the most rows one model call takes; 0 or 1 turns batching off.</summary>
    public int MaxBatchSize { get; set; }

    /// <summary>Dynamic batching: how long a request may wait for others to join its batch.</summary>
    public int MaxQueueDelayMicroseconds { get; set; }

    /// <summary>Share of requests (0–100) whose inputs and outputs are written to <see cref="PayloadDatasetId"/>.</summary>
    public int PayloadLogPercent { get; set; }

    public Guid? PayloadDatasetId { get; set; }

    /// <summary>The longest <see cref="Error"/> the store keeps (its column); longer text is cut.</summary>
    public const int MaxErrorLength = 4000;

    public EndpointStatus Status { get; set; }

    public string? Error { get; set; }

    public Guid OwnerId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>One entry of an endpoint's deployment history (deploy, canary, promote, rollback, roll, settings, failure).</summary>
public sealed class EndpointEvent
{
    public Guid Id { get; set; }

    public Guid EndpointId { get; set; }

    public DateTimeOffset At { get; set; }

    public required string By { get; set; }

    public required string Kind { get; set; }

    public string? Detail { get; set; }
}

/// <summary>A tensor of the Open Inference Protocol: data flat and row-major, typed by <see cref="DataType"/>.</summary>
/// <param name="Data">float[], double[], int[], long[], bool[] or string[] for FP32, FP64, INT32, INT64, BOOL, BYTES.</param>
public sealed record InferTensor(string Name, string DataType, IReadOnlyList<long> Shape, Array Data);

public sealed record InferenceRequest(string? Id, IReadOnlyList<InferTensor> Inputs, IReadOnlyList<string>? Outputs);

public sealed record InferenceResult(string ModelName, string ModelVersion, string? Id, IReadOnlyList<InferTensor> Outputs);

/// <summary>A client's mistake in an inference request (wrong name, type, shape, count); 400 with the message.</summary>
public sealed class InferenceInputException(string message) : Common.PlatformException("invalid-input", message);

/// <summary>The endpoint exists but cannot answer now (loading, failed or stopped); 503.</summary>
public sealed class EndpointUnavailableException(string message) : Common.PlatformException("unavailable", message);

/// <summary>One version of one endpoint loaded in a runtime.</summary>
public readonly record struct ServedModel(string Endpoint, int Version)
{
    public override string ToString() => $"{Endpoint}:{Version}";
}

/// <summary>How a model is run: threads and dynamic batching.</summary>
public sealed record RuntimeSettings(int Threads, int MaxBatchSize, TimeSpan MaxQueueDelay)
{
    public bool Batching => MaxBatchSize > 1;
}

/// <summary>Runs models in this process (ONNX Runtime in the Infrastructure layer).</summary>
public interface IInferenceRuntime
{
    /// <summary>Loads (or reloads) a model from a local file and warms it up; throws with the reason when it cannot.</summary>
    Task LoadAsync(ServedModel key, string modelFile, RuntimeSettings settings, CancellationToken ct);

    bool IsLoaded(ServedModel key);

    IReadOnlyCollection<ServedModel> Loaded { get; }

    ModelSignature? Signature(ServedModel key);

    /// <summary>Checks the inputs against the model and runs it (batched with concurrent requests when enabled).</summary>
    /// <exception cref="InferenceInputException">A client's mistake, naming the input.</exception>
    /// <exception cref="EndpointUnavailableException">The model is not loaded here.</exception>
    Task<IReadOnlyList<InferTensor>> InferAsync(ServedModel key, IReadOnlyList<InferTensor> inputs, IReadOnlyList<string>? outputs, CancellationToken ct);

    /// <summary>Unloads after the requests in flight have finished.</summary>
    Task UnloadAsync(ServedModel key);
}

/// <summary>Deploys endpoints to Triton Inference Server on Kubernetes.</summary>
public interface ITritonDeployer
{
    bool Configured { get; }

    /// <summary>Writes the model repository (model file + <c>config.pbtxt</c>) and applies the Deployment and Service.</summary>
    Task ApplyAsync(ServingEndpoint endpoint, IReadOnlyList<TritonModel> models, CancellationToken ct);

    /// <summary>Whether the server answers <c>/v2/health/ready</c> and every model is ready.</summary>
    Task<bool> IsReadyAsync(ServingEndpoint endpoint, CancellationToken ct);

    /// <summary>Where <c>/v2</c> calls for the endpoint are forwarded.</summary>
    Uri BaseAddress(ServingEndpoint endpoint);

    Task DeleteAsync(ServingEndpoint endpoint, CancellationToken ct);

    /// <summary>How long an endpoint may stay Deploying after its manifests were applied (<c>Serving:Kubernetes:ReadinessTimeout</c>).</summary>
    TimeSpan ReadinessTimeout { get; }

    /// <summary>What the endpoint's pods are stuck on (e.g. <c>pod triton-x-1: ImagePullBackOff</c>), or null when it cannot be read.</summary>
    Task<string?> DescribePodsAsync(ServingEndpoint endpoint, CancellationToken ct);
}

/// <summary>A model version placed in a Triton model repository.</summary>
public sealed record TritonModel(int Version, string ObjectKey, ModelSignature? Signature);

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
