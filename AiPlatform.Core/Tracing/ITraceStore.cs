namespace AiPlatform.Core.Tracing;

/// <summary>Where traces, their tags, metadata and spans are kept. Rights are checked by <see cref="TraceService"/>.</summary>
public interface ITraceStore
{
    /// <summary>Adds a trace, or replaces one of the same id in the same experiment (the client retries).</summary>
    Task SaveTraceAsync(TraceInfo info, IReadOnlyDictionary<string, string> tags, IReadOnlyDictionary<string, string> metadata, CancellationToken ct);

    /// <summary>Updates the trace's columns and merges the given tags and metadata (V2's end-trace).</summary>
    Task UpdateTraceAsync(TraceInfo info, IReadOnlyDictionary<string, string> tags, IReadOnlyDictionary<string, string> metadata, CancellationToken ct);

    Task<TraceDetails?> FindAsync(string traceId, CancellationToken ct);

    Task<TracePage> SearchAsync(TraceQuery query, CancellationToken ct);

    Task SetTagAsync(string traceId, string key, string value, CancellationToken ct);

    Task<bool> DeleteTagAsync(string traceId, string key, CancellationToken ct);

    /// <summary>Deletes traces of one experiment: the named ones, or the oldest up to a time (at most <paramref name="maxTraces"/>).</summary>
    Task<int> DeleteAsync(Guid experimentId, IReadOnlyCollection<string>? traceIds, long? maxTimestampMillis, int? maxTraces, CancellationToken ct);

    /// <summary>Adds new traces (ids not stored yet) with their tags, metadata and spans, all in one transaction.</summary>
    Task AddTracesAsync(IReadOnlyList<NewTrace> traces, CancellationToken ct);

    Task SaveSpansAsync(string traceId, string json, DateTimeOffset at, CancellationToken ct);

    Task<string?> FindSpansAsync(string traceId, CancellationToken ct);
}

/// <summary>A trace written once, whole (the platform's own traces): its info, tags, metadata and spans.</summary>
public sealed record NewTrace(TraceInfo Info, IReadOnlyDictionary<string, string> Tags, IReadOnlyDictionary<string, string> Metadata, string SpansJson, DateTimeOffset At);
