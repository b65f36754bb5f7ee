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

    /// <summary>The UI resource that says <see cref="Error"/> in the user's language (null: only the English text).</summary>
    public string? ErrorKey { get; set; }

    /// <summary>The placeholders of <see cref="ErrorKey"/>, a JSON array of strings.</summary>
    public string? ErrorArguments { get; set; }

    /// <summary>Records why the endpoint failed (null: it did not).</summary>
    public void SetError(Common.StoredMessage? message)
    {
        Error = message?.Text;
        ErrorKey = message?.Key;
        ErrorArguments = message?.Arguments;
    }

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
