using System.Collections.Concurrent;
using AiPlatform.Core.Registry;
using AiPlatform.Core.Serving;
using Microsoft.Extensions.Logging;
using Microsoft.ML.OnnxRuntime;
using Microsoft.ML.OnnxRuntime.Tensors;

namespace AiPlatform.Infrastructure.Serving;

/// <summary>
/// The in-process runtime: one ONNX Runtime session per served model version, reused by every request (sessions are
/// thread-safe), warmed up with a one-row call before it is published. Inputs are checked against the model (name,
/// datatype, shape, element count) so a client's mistake is a 400 that names the input. With dynamic batching on,
/// concurrent requests wait up to the queue delay and run as one call. A replaced or unloaded model is disposed only
/// after the requests holding it have finished.
/// </summary>
/// <param name="time">The clock of the batching window (a test holds it still to make batching deterministic).</param>
public sealed class OnnxRuntimeHost(ServingMetrics metrics, TimeProvider time, ILogger<OnnxRuntimeHost> logger) : IInferenceRuntime, IDisposable
{
    private readonly ConcurrentDictionary<ServedModel, LoadedModel> _models = new();

    public IReadOnlyCollection<ServedModel> Loaded => _models.Keys.ToList();

    public async Task LoadAsync(ServedModel key, string modelFile, RuntimeSettings settings, CancellationToken ct)
    {
        var model = await Task.Run(() => LoadedModel.Create(key, modelFile, settings, metrics, time), ct);
        if (_models.TryGetValue(key, out var current) && ReferenceEquals(current, model))
        {
            return;
        }

        var old = _models.TryGetValue(key, out var existing) ? existing : null;
        _models[key] = model;
        logger.LogInformation("Loaded {Model} ({Inputs} inputs, batching {Batching})", key, model.Signature.Inputs.Count, model.BatchingOn);
        if (old is not null)
        {
            await old.RetireAsync();
        }
    }

    public bool IsLoaded(ServedModel key) => _models.ContainsKey(key);

    public ModelSignature? Signature(ServedModel key) => _models.TryGetValue(key, out var m) ? m.Signature : null;

    public async Task<IReadOnlyList<InferTensor>> InferAsync(ServedModel key, IReadOnlyList<InferTensor> inputs, IReadOnlyList<string>? outputs, CancellationToken ct)
    {
        if (!_models.TryGetValue(key, out var model) || !model.TryAcquire())
        {
            throw new EndpointUnavailableException($"Version {key.Version} of '{key.Endpoint}' is not loaded on this node.");
        }

        try
        {
            return await model.InferAsync(inputs, outputs, ct);
        }
        finally
        {
            model.Release();
        }
    }

    public async Task UnloadAsync(ServedModel key)
    {
        if (_models.TryRemove(key, out var model))
        {
            await model.RetireAsync();
            logger.LogInformation("Unloaded {Model}", key);
        }
    }

    public void Dispose()
    {
        foreach (var key in _models.Keys.ToList())
        {
            if (_models.TryRemove(key, out var model))
            {
                _ = model.RetireAsync();
            }
        }
    }
}
