using System.Threading.Channels;
using AiPlatform.Core.Registry;
using AiPlatform.Core.Serving;
using Microsoft.ML.OnnxRuntime;

namespace AiPlatform.Infrastructure.Serving;

/// <summary>One loaded model version: its session, signature, reference count and (optionally) its batching queue.</summary>
internal sealed class LoadedModel
{
    private readonly InferenceSession _session;
    private readonly Dictionary<string, TensorSpec> _inputs;
    private readonly HashSet<string> _tensorOutputs;
    private readonly List<string> _defaultOutputs;
    private readonly HashSet<string> _batchableOutputs;
    private readonly ServedModel _key;
    private readonly ServingMetrics _metrics;
    private readonly RuntimeSettings _settings;
    private readonly TimeProvider _time;
    private readonly Channel<Pending>? _queue;
    private readonly TaskCompletionSource _disposed = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private int _references = 1;
    private int _retired;

    private LoadedModel(ServedModel key, InferenceSession session, RuntimeSettings settings, ServingMetrics metrics, TimeProvider time)
    {
        _key = key;
        _time = time;
        _session = session;
        _settings = settings;
        _metrics = metrics;
        // What the metadata declares is exactly what is returned by default and what may be asked for.
        Signature = ServedOutputs.Of(OrtTensors.Signature(session), settings.BuiltInTrained);
        _inputs = Signature.Inputs.ToDictionary(i => i.Name, StringComparer.Ordinal);
        _defaultOutputs = [.. Signature.Outputs.Select(o => o.Name)];
        _tensorOutputs = _defaultOutputs.ToHashSet(StringComparer.Ordinal);
        // Unknown rank counts as batchable: the batch's outputs are checked again after the run.
        _batchableOutputs = Signature.Outputs.Where(o => o.Shape.Count == 0 || o.Shape[0] < 0).Select(o => o.Name).ToHashSet(StringComparer.Ordinal);
        BatchingOn = settings.Batching && Signature.Inputs.All(i => i.Shape.Count >= 1 && i.Shape[0] < 0) && _defaultOutputs.All(_batchableOutputs.Contains);
        if (BatchingOn)
        {
            _queue = Channel.CreateUnbounded<Pending>(new UnboundedChannelOptions { SingleReader = true });
            _ = Task.Factory.StartNew(BatchLoopAsync, CancellationToken.None, TaskCreationOptions.LongRunning, TaskScheduler.Default).Unwrap();
        }
    }

    public ModelSignature Signature { get; }

    public bool BatchingOn { get; }

    public static LoadedModel Create(ServedModel key, string file, RuntimeSettings settings, ServingMetrics metrics, TimeProvider time)
    {
        using var options = new SessionOptions { GraphOptimizationLevel = GraphOptimizationLevel.ORT_ENABLE_ALL, ExecutionMode = ExecutionMode.ORT_SEQUENTIAL };
        // ONNX Runtime's intra-op threads spin between calls by default: in a process that also serves the web and the
        // app runner, that spinning took ~15 % of the CPU under load (perf, apps-inference benchmark) for no gain.
        options.AddSessionConfigEntry("session.intra_op.allow_spinning", "0");
        if (settings.Threads > 0)
        {
            options.IntraOpNumThreads = settings.Threads;
        }

        InferenceSession session;
        try
        {
            session = new InferenceSession(file, options);
        }
        catch (OnnxRuntimeException e)
        {
            throw new InvalidOperationException($"ONNX Runtime could not load the model: {e.Message}", e);
        }

        var model = new LoadedModel(key, session, settings, metrics, time);
        try
        {
            // Warm-up: the first call allocates and plans; a model that cannot run fails here, before it is Ready.
            model.Run([.. model.Signature.Inputs.Select(OrtTensors.WarmUp)], null, record: false);
        }
        catch (Exception e)
        {
            model._queue?.Writer.TryComplete();
            session.Dispose();
            throw new InvalidOperationException($"The model loaded but failed its warm-up call: {e.Message}", e);
        }

        return model;
    }

    public bool TryAcquire()
    {
        while (true)
        {
            var current = Volatile.Read(ref _references);
            if (current == 0 || Volatile.Read(ref _retired) == 1)
            {
                return false;
            }

            if (Interlocked.CompareExchange(ref _references, current + 1, current) == current)
            {
                return true;
            }
        }
    }

    public void Release()
    {
        if (Interlocked.Decrement(ref _references) == 0)
        {
            _queue?.Writer.TryComplete();
            _session.Dispose();
            _disposed.TrySetResult();
        }
    }

    /// <summary>Stops taking requests; the session is disposed when the last request in flight has finished.</summary>
    public Task RetireAsync()
    {
        if (Interlocked.Exchange(ref _retired, 1) == 0)
        {
            Release();
        }

        return _disposed.Task;
    }

    public async Task<IReadOnlyList<InferTensor>> InferAsync(IReadOnlyList<InferTensor> inputs, IReadOnlyList<string>? outputs, CancellationToken ct)
    {
        var checkedInputs = CheckInputs(inputs);
        var wanted = CheckOutputs(outputs);
        var rows = checkedInputs[0].Shape.Count > 0 ? checkedInputs[0].Shape[0] : -1;
        if (_queue is null || rows < 1 || checkedInputs.Any(i => i.Shape.Count == 0 || i.Shape[0] != rows) || rows > _settings.MaxBatchSize
            || (wanted is not null && !wanted.All(_batchableOutputs.Contains)))
        {
            return Run(checkedInputs, wanted, record: true);
        }

        var pending = new Pending(checkedInputs, wanted, rows);
        await _queue.Writer.WriteAsync(pending, ct);

        // Not cancelled while queued: the request keeps its hold on the session until its batch has run.
        return await pending.Result.Task;
    }

    private IReadOnlyList<InferTensor> Run(IReadOnlyList<InferTensor> inputs, IReadOnlyList<string>? outputs, bool record)
    {
        var names = outputs ?? _defaultOutputs;
        var values = new List<OrtValue>(inputs.Count);
        try
        {
            foreach (var input in inputs)
            {
                values.Add(OrtTensors.ToOrtValue(input));
            }

            using var runOptions = new RunOptions();
            using var results = _session.Run(runOptions, inputs.Select(i => i.Name).ToList(), values, names.ToList());
            if (record)
            {
                _metrics.RecordBatch(_key.Endpoint, _key.Version, inputs[0].Shape.Count > 0 ? (int)inputs[0].Shape[0] : 1);
            }

            return names.Select((n, i) => OrtTensors.FromOrtValue(n, results[i])).ToList();
        }
        catch (OnnxRuntimeException e)
        {
            // Shape and type are checked above, so what is left is the model rejecting the values (e.g. a reshape).
            throw new InferenceInputException($"The model could not run on these inputs: {e.Message}");
        }
        finally
        {
            foreach (var value in values)
            {
                value.Dispose();
            }
        }
    }

    private async Task BatchLoopAsync()
    {
        var reader = _queue!.Reader;
        var batch = new List<Pending>();
        while (await reader.WaitToReadAsync())
        {
            if (!reader.TryRead(out var first))
            {
                continue;
            }

            batch.Clear();
            batch.Add(first);
            var rows = first.Rows;
            var deadline = _time.GetUtcNow() + _settings.MaxQueueDelay;
            while (rows < _settings.MaxBatchSize)
            {
                if (reader.TryPeek(out var next))
                {
                    if (rows + next.Rows > _settings.MaxBatchSize)
                    {
                        break;
                    }

                    reader.TryRead(out _);
                    batch.Add(next);
                    rows += next.Rows;
                    continue;
                }

                var left = deadline - _time.GetUtcNow();
                if (left <= TimeSpan.Zero || !await WaitForMoreAsync(reader, left, _time))
                {
                    break;
                }
            }

            RunBatch(batch, rows);
        }
    }

    private static async Task<bool> WaitForMoreAsync(ChannelReader<Pending> reader, TimeSpan left, TimeProvider time)
    {
        using var timeout = new CancellationTokenSource(left, time);
        try
        {
            return await reader.WaitToReadAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            return false;
        }
    }

    private void RunBatch(List<Pending> batch, long rows)
    {
        if (batch.Count == 1)
        {
            Complete(batch[0], () => Run(batch[0].Inputs, batch[0].Outputs, record: true));
            return;
        }

        IReadOnlyList<InferTensor> outputs;
        try
        {
            var inputs = Signature.Inputs.Select(spec => OrtTensors.Concat(spec.Name, batch.Select(p => p.Inputs.First(i => i.Name == spec.Name)).ToList())).ToList();
            outputs = Run(inputs, null, record: true);
        }
        catch (Exception)
        {
            // One bad request must not fail the others: run them one by one.
            foreach (var p in batch)
            {
                Complete(p, () => Run(p.Inputs, p.Outputs, record: true));
            }

            return;
        }

        if (outputs.Any(o => o.Shape.Count == 0 || o.Shape[0] != rows))
        {
            foreach (var p in batch)
            {
                Complete(p, () => Run(p.Inputs, p.Outputs, record: true));
            }

            return;
        }

        long start = 0;
        foreach (var p in batch)
        {
            var mine = outputs.Where(o => p.Outputs is null || p.Outputs.Contains(o.Name)).Select(o => OrtTensors.Slice(o, rows, start, p.Rows)).ToList();
            if (p.Outputs is not null)
            {
                mine = [.. p.Outputs.Select(n => mine.First(o => o.Name == n))];
            }

            p.Result.TrySetResult(mine);
            start += p.Rows;
        }
    }

    private static void Complete(Pending p, Func<IReadOnlyList<InferTensor>> run)
    {
        try
        {
            p.Result.TrySetResult(run());
        }
        catch (Exception e)
        {
            p.Result.TrySetException(e);
        }
    }

    private List<InferTensor> CheckInputs(IReadOnlyList<InferTensor> inputs)
    {
        if (inputs.Count == 0)
        {
            throw new InferenceInputException($"The request has no inputs; the model takes {string.Join(", ", _inputs.Keys)}.");
        }

        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var input in inputs)
        {
            if (!_inputs.TryGetValue(input.Name, out var spec))
            {
                throw new InferenceInputException($"The model has no input '{input.Name}'; it takes {string.Join(", ", _inputs.Keys)}.");
            }

            if (!seen.Add(input.Name))
            {
                throw new InferenceInputException($"Input '{input.Name}' is given twice.");
            }

            OrtTensors.Check(input, spec);
        }

        if (_inputs.Keys.FirstOrDefault(k => !seen.Contains(k)) is { } missing)
        {
            throw new InferenceInputException($"Input '{missing}' is missing.");
        }

        return [.. inputs];
    }

    private List<string>? CheckOutputs(IReadOnlyList<string>? outputs)
    {
        if (outputs is null || outputs.Count == 0)
        {
            return null;
        }

        foreach (var name in outputs)
        {
            if (!_tensorOutputs.Contains(name))
            {
                throw new InferenceInputException($"The model has no output '{name}'; it has {string.Join(", ", _defaultOutputs)}.");
            }
        }

        return [.. outputs.Distinct(StringComparer.Ordinal)];
    }

    private sealed class Pending(IReadOnlyList<InferTensor> inputs, IReadOnlyList<string>? outputs, long rows)
    {
        public IReadOnlyList<InferTensor> Inputs { get; } = inputs;

        public IReadOnlyList<string>? Outputs { get; } = outputs;

        public long Rows { get; } = rows;

        public TaskCompletionSource<IReadOnlyList<InferTensor>> Result { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);
    }
}
