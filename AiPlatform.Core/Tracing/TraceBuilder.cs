using System.Security.Cryptography;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AiPlatform.Core.Tracing;

/// <summary>
/// Builds one trace in memory, span by span, in MLflow's span format: start it (its root span), open child spans
/// under any open span, end them, end the trace; <see cref="PlatformTraceWriter"/> then stores it after the answer.
/// Not thread-safe: one flow builds one trace.
/// </summary>
public sealed class TraceBuilder
{
    private readonly List<SpanBuilder> _spans = [];
    private readonly TimeProvider _time;

    /// <param name="startedAt">When the traced work began, if before now (a trace recorded after the fact).</param>
    public TraceBuilder(string name, string spanType, object? inputs, TimeProvider time, DateTimeOffset? startedAt = null)
    {
        _time = time;
        TraceId = TraceService.NewTraceId();
        OtelTraceId = Convert.FromHexString(TraceId[3..]);
        StartedAt = startedAt ?? time.GetUtcNow();
        Root = StartSpan(name, spanType, inputs, null, StartedAt);
    }

    public string TraceId { get; }

    internal byte[] OtelTraceId { get; }

    public DateTimeOffset StartedAt { get; }

    public DateTimeOffset? EndedAt { get; private set; }

    public SpanBuilder Root { get; }

    public IReadOnlyList<SpanBuilder> Spans => _spans;

    public TraceState State { get; private set; } = TraceState.InProgress;

    public string? RequestPreview { get; set; }

    public string? ResponsePreview { get; set; }

    /// <summary>Tags of the trace (besides <c>mlflow.traceName</c>, which is the root span's name).</summary>
    public Dictionary<string, string> Tags { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, string> Metadata { get; } = new(StringComparer.Ordinal);

    internal TimeProvider Time => _time;

    /// <summary>Opens a span under <paramref name="parent"/> (the root span when null).</summary>
    public SpanBuilder StartSpan(string name, string spanType, object? inputs = null, SpanBuilder? parent = null, DateTimeOffset? startedAt = null)
    {
        var span = new SpanBuilder(this, name, spanType, parent ?? (_spans.Count == 0 ? null : Root), startedAt ?? _time.GetUtcNow());
        span.SetInputs(inputs);
        _spans.Add(span);
        return span;
    }

    /// <summary>Ends the trace: the root span gets the outputs and state; spans left open end with it.</summary>
    public void End(object? outputs, TraceState state = TraceState.Ok, string? error = null)
    {
        Root.SetOutputs(outputs);
        foreach (var span in _spans.Where(s => s != Root && s.EndNanos is null))
        {
            span.End(state, error);
        }

        Root.End(state, error);
        State = state;
        EndedAt = _time.GetUtcNow();
    }

    /// <summary>Token usage of the trace: the sum over its spans.</summary>
    public (long Input, long Output)? TokenUsage =>
        _spans.Any(s => s.TokenUsage is not null) ? (_spans.Sum(s => s.TokenUsage?.Input ?? 0), _spans.Sum(s => s.TokenUsage?.Output ?? 0)) : null;

    /// <summary>The <c>traces.json</c> document: <c>{"spans": [...]}</c> as MLflow writes it.</summary>
    /// <remarks>Attribute values past <see cref="MaxTraceAttributeChars"/> in all (in span order) are cut to a short marker.</remarks>
    public string ToSpansJson()
    {
        var budget = MaxTraceAttributeChars;
        return new JsonObject { ["spans"] = new JsonArray([.. _spans.Select(s => (JsonNode)s.ToJson(ref budget))]) }.ToJsonString();
    }

    /// <summary>At most this many characters of JSON text are kept per attribute of a platform trace.</summary>
    public const int MaxAttributeChars = 256 * 1024;

    /// <summary>At most this many characters of attribute text are kept per platform trace, all spans together.</summary>
    public const int MaxTraceAttributeChars = 1024 * 1024;

    /// <summary>What replaces the cut part of an attribute value; the value then becomes a JSON string.</summary>
    public const string TruncatedMarker = "… [truncated by AiPlatform]";

    /// <summary>JSON text cut to <paramref name="max"/> characters: a JSON string of its start and the marker.</summary>
    internal static string Truncate(string json, int max) =>
        json.Length <= max ? json : JsonSerializer.Serialize(json[..Math.Max(0, max)] + TruncatedMarker, JsonSerializerOptions.Web);

    internal static string Preview(object? value)
    {
        var text = value as string ?? JsonSerializer.Serialize(value, JsonSerializerOptions.Web);
        return TraceService.Limit(text, TraceService.MaxPreviewLength)!;
    }
}

/// <summary>One span of a <see cref="TraceBuilder"/>: inputs, outputs, attributes, events, token usage, status.</summary>
public sealed class SpanBuilder
{
    private readonly TraceBuilder _trace;
    private readonly Dictionary<string, string> _attributes = new(StringComparer.Ordinal);
    private readonly List<JsonObject> _events = [];

    internal SpanBuilder(TraceBuilder trace, string name, string spanType, SpanBuilder? parent, DateTimeOffset startedAt)
    {
        _trace = trace;
        Name = name;
        SpanType = spanType;
        Parent = parent;
        SpanId = RandomNumberGenerator.GetBytes(8);
        StartNanos = Nanos(startedAt);
    }

    public string Name { get; }

    /// <summary>MLflow's span types: <c>LLM</c>, <c>CHAT_MODEL</c>, <c>RETRIEVER</c>, <c>CHAIN</c>, <c>AGENT</c>, <c>TOOL</c>, …</summary>
    public string SpanType { get; }

    public SpanBuilder? Parent { get; }

    internal byte[] SpanId { get; }

    public long StartNanos { get; }

    public long? EndNanos { get; private set; }

    public TraceState State { get; private set; } = TraceState.StateUnspecified;

    public string? StatusMessage { get; private set; }

    public (long Input, long Output)? TokenUsage { get; private set; }

    public SpanBuilder SetInputs(object? inputs) => SetAttribute("mlflow.spanInputs", inputs);

    public SpanBuilder SetOutputs(object? outputs) => SetAttribute("mlflow.spanOutputs", outputs);

    public SpanBuilder SetAttribute(string key, object? value)
    {
        // Kept as JSON text (MLflow's form), cut at MaxAttributeChars: no copy of a large body stays in memory.
        _attributes[key] = value is null ? "null" : TraceBuilder.Truncate(JsonSerializer.Serialize(value, JsonSerializerOptions.Web), TraceBuilder.MaxAttributeChars);
        return this;
    }

    public SpanBuilder SetTokenUsage(long input, long output)
    {
        TokenUsage = (input, output);
        return SetAttribute("mlflow.chat.tokenUsage", new Dictionary<string, long> { ["input_tokens"] = input, ["output_tokens"] = output, ["total_tokens"] = input + output });
    }

    public SpanBuilder AddEvent(string name, IReadOnlyDictionary<string, string>? attributes = null)
    {
        var attrs = new JsonObject();
        foreach (var (k, v) in attributes ?? new Dictionary<string, string>())
        {
            attrs[k] = v;
        }

        _events.Add(new JsonObject { ["name"] = name, ["time_unix_nano"] = Nanos(_trace.Time.GetUtcNow()), ["attributes"] = attrs });
        return this;
    }

    /// <summary>Records a failure as MLflow does: an <c>exception</c> event, and the span ends in ERROR.</summary>
    public SpanBuilder RecordError(string type, string message) =>
        AddEvent("exception", new Dictionary<string, string> { ["exception.type"] = type, ["exception.message"] = message });

    /// <param name="endedAt">When the work ended, if before now.</param>
    public void End(TraceState state = TraceState.Ok, string? message = null, DateTimeOffset? endedAt = null)
    {
        if (EndNanos is not null)
        {
            return;
        }

        EndNanos = Math.Max(StartNanos, Nanos(endedAt ?? _trace.Time.GetUtcNow()));
        State = state;
        StatusMessage = message;
    }

    internal JsonObject ToJson(ref int budget)
    {
        var attributes = new JsonObject
        {
            ["mlflow.traceRequestId"] = JsonSerializer.Serialize(_trace.TraceId),
            ["mlflow.spanType"] = JsonSerializer.Serialize(SpanType),
        };
        foreach (var (key, value) in _attributes)
        {
            // MLflow keeps every span attribute as JSON text.
            var text = TraceBuilder.Truncate(value, Math.Max(budget, 0));
            budget -= text.Length;
            attributes[key] = text;
        }

        return new JsonObject
        {
            ["trace_id"] = Convert.ToBase64String(_trace.OtelTraceId),
            ["span_id"] = Convert.ToBase64String(SpanId),
            ["parent_span_id"] = Parent is null ? null : Convert.ToBase64String(Parent.SpanId),
            ["name"] = Name,
            ["start_time_unix_nano"] = StartNanos,
            ["end_time_unix_nano"] = EndNanos,
            ["attributes"] = attributes,
            ["status"] = new JsonObject
            {
                ["code"] = State switch { TraceState.Ok => "STATUS_CODE_OK", TraceState.Error => "STATUS_CODE_ERROR", _ => "STATUS_CODE_UNSET" },
                ["message"] = StatusMessage ?? string.Empty,
            },
            ["events"] = new JsonArray([.. _events.Select(e => (JsonNode)e.DeepClone())]),
        };
    }

    private static long Nanos(DateTimeOffset at) => (at.UtcTicks - DateTimeOffset.UnixEpoch.UtcTicks) * 100;
}
