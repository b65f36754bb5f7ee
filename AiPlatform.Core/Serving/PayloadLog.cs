using System.Collections.Concurrent;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Data;
using Microsoft.Extensions.DependencyInjection;

namespace AiPlatform.Core.Serving;

/// <summary>
/// Opt-in sampled payload logging: a share of an endpoint's requests (inputs and outputs as JSON) is buffered and
/// written to the endpoint's dataset as a new JSON Lines version each minute or every <see cref="FlushRows"/> rows,
/// keeping the newest <see cref="MaxRows"/> rows. Sampling is per request; the request never waits for the write.
/// </summary>
public sealed class PayloadLog(IServiceScopeFactory scopes, TimeProvider time)
{
    public const int FlushRows = 1000;
    public const int MaxRows = 100_000;
    private const int MaxBuffered = 10_000;
    private static readonly TimeSpan FlushEvery = TimeSpan.FromMinutes(1);

    private readonly ConcurrentDictionary<string, Buffer> _buffers = new(StringComparer.Ordinal);

    public void Offer(EndpointRoute route, int version, IReadOnlyList<InferTensor> inputs, IReadOnlyList<InferTensor> outputs)
    {
        if (route.PayloadLogPercent <= 0 || route.PayloadDatasetId is not { } dataset || Random.Shared.Next(100) >= route.PayloadLogPercent)
        {
            return;
        }

        var line = new JsonObject
        {
            ["at"] = time.GetUtcNow().ToString("O"),
            ["endpoint"] = route.Name,
            ["version"] = version,
            ["inputs"] = Tensors(inputs),
            ["outputs"] = Tensors(outputs),
        }.ToJsonString();
        var buffer = _buffers.GetOrAdd(route.Name, _ => new Buffer(time.GetUtcNow()));
        lock (buffer)
        {
            buffer.Dataset = dataset;
            if (buffer.Lines.Count < MaxBuffered)
            {
                buffer.Lines.Add(line);
            }
        }
    }

    /// <summary>Rows waiting to be written for an endpoint.</summary>
    public int Pending(string endpoint) => _buffers.TryGetValue(endpoint, out var b) ? b.Lines.Count : 0;

    /// <summary>Writes the buffers that are full or a minute old.</summary>
    public async Task FlushDueAsync(CancellationToken ct)
    {
        foreach (var name in _buffers.Keys)
        {
            if (_buffers.TryGetValue(name, out var b) && (b.Lines.Count >= FlushRows || time.GetUtcNow() - b.Since >= FlushEvery))
            {
                await FlushAsync(name, ct);
            }
        }
    }

    public async Task FlushAllAsync(CancellationToken ct)
    {
        foreach (var name in _buffers.Keys.ToList())
        {
            await FlushAsync(name, ct);
        }
    }

    public async Task FlushAsync(string endpoint, CancellationToken ct)
    {
        if (!_buffers.TryRemove(endpoint, out var buffer))
        {
            return;
        }

        List<string> lines;
        Guid dataset;
        lock (buffer)
        {
            lines = [.. buffer.Lines];
            dataset = buffer.Dataset;
        }

        if (lines.Count == 0)
        {
            return;
        }

        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<DatasetService>()
            .AppendLinesForWorkAsync(dataset, lines, $"{lines.Count} sampled payloads of endpoint {endpoint}", "system", MaxRows, ct);
    }

    private static JsonObject Tensors(IReadOnlyList<InferTensor> tensors)
    {
        var o = new JsonObject();
        foreach (var t in tensors)
        {
            o[t.Name] = JsonSerializer.SerializeToNode(t.Data, t.Data.GetType());
        }

        return o;
    }

    private sealed class Buffer(DateTimeOffset since)
    {
        public DateTimeOffset Since { get; } = since;

        public Guid Dataset { get; set; }

        public List<string> Lines { get; } = [];
    }
}
