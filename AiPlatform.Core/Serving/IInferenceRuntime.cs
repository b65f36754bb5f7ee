using AiPlatform.Core.Registry;

namespace AiPlatform.Core.Serving;

/// <summary>One version of one endpoint loaded in a runtime.</summary>
public readonly record struct ServedModel(string Endpoint, int Version)
{
    public override string ToString() => $"{Endpoint}:{Version}";
}

/// <summary>How a model is run: threads and dynamic batching.</summary>
public sealed record RuntimeSettings(int Threads, int MaxBatchSize, TimeSpan MaxQueueDelay)
{
    /// <summary>The file was exported by the built-in trainers: only its prediction's outputs are served (<see cref="ServedOutputs"/>).</summary>
    public bool BuiltInTrained { get; init; }

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
