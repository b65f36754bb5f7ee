using System.Text.Json;

namespace AiPlatform.Core.Tracing;

/// <summary>One span of a trace, read from MLflow's <c>traces.json</c> for display; JSON values stay text.</summary>
public sealed record SpanView(
    string Id,
    string? ParentId,
    string Name,
    string? SpanType,
    long StartNanos,
    long? EndNanos,
    TraceState State,
    string? StatusMessage,
    string? Inputs,
    string? Outputs,
    IReadOnlyList<KeyValuePair<string, string>> Attributes,
    IReadOnlyList<SpanEventView> Events,
    (long Input, long Output, long Total)? TokenUsage,
    int Depth)
{
    public double? DurationMs => EndNanos is { } end ? (end - StartNanos) / 1_000_000.0 : null;

    /// <summary>At most this many spans are shown of one trace (and accepted on upload, see <see cref="TraceService"/>).</summary>
    public const int MaxSpans = 10_000;

    /// <summary>Spans deeper than this are not shown (they are counted in <see cref="SpanTree.Hidden"/>).</summary>
    public const int MaxDepth = 256;

    /// <summary>At most this many characters of each value (inputs, outputs, attributes) are shown.</summary>
    public const int MaxShownValueLength = 64 * 1024;

    /// <summary>
    /// Reads the spans document (V3: <c>{"spans": [...]}</c> with attributes as JSON text) into a depth-first list,
    /// children after their parent by start time. Anything unreadable gives an empty list, never an exception.
    /// </summary>
    public static IReadOnlyList<SpanView> Parse(string? json) => ParseTree(json).Spans;

    /// <summary>
    /// Like <see cref="Parse"/>, with at most <paramref name="maxSpans"/> spans of depth below <paramref name="maxDepth"/>;
    /// the rest are counted, not shown. The walk is iterative (an explicit stack), so a deep chain cannot overflow
    /// the thread's stack.
    /// </summary>
    public static SpanTree ParseTree(string? json, int maxSpans = MaxSpans, int maxDepth = MaxDepth)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return new SpanTree([], 0);
        }

        List<JsonElement> elements;
        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            return new SpanTree([], 0);
        }

        using (doc)
        {
            if (!doc.RootElement.TryGetProperty("spans", out var array) || array.ValueKind != JsonValueKind.Array)
            {
                return new SpanTree([], 0);
            }

            elements = array.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.Object).ToList();

            // The tree is built from ids and start times only; a span is read in full only when it is shown.
            var heads = elements.Select((e, i) => (Index: i, Id: String(e, "span_id") ?? "#" + i.ToString(System.Globalization.CultureInfo.InvariantCulture), Parent: String(e, "parent_span_id") is { Length: > 0 } p ? p : String(e, "parent_id"), Start: Long(e, "start_time_unix_nano") ?? Long(e, "start_time_ns") ?? 0)).ToList();
            var ids = heads.Select(h => h.Id).ToHashSet();
            var children = heads.ToLookup(h => h.Parent is { } p && ids.Contains(p) ? p : null);
            var ordered = new List<SpanView>();
            var seen = new HashSet<string>();
            var stack = new Stack<(int Index, string Id, int Depth)>();
            void Push(string? parent, int depth)
            {
                foreach (var child in children[parent].OrderByDescending(h => h.Start).ThenByDescending(h => h.Index))
                {
                    stack.Push((child.Index, child.Id, depth));
                }
            }

            Push(null, 0);
            while (stack.Count > 0 && ordered.Count < maxSpans)
            {
                var (index, id, depth) = stack.Pop();
                if (depth >= maxDepth || !seen.Add(id))
                {
                    continue;
                }

                ordered.Add(Read(elements[index]) with { Id = id, Depth = depth });
                Push(id, depth + 1);
            }

            var hidden = Math.Max(0, elements.Count - ordered.Count);
            return new SpanTree(ordered, hidden);
        }
    }

    private static SpanView Read(JsonElement span)
    {
        var attributes = new List<KeyValuePair<string, string>>();
        string? inputs = null, outputs = null, type = null;
        (long, long, long)? usage = null;
        if (span.TryGetProperty("attributes", out var attrs) && attrs.ValueKind == JsonValueKind.Object)
        {
            foreach (var a in attrs.EnumerateObject())
            {
                var text = a.Value.ValueKind == JsonValueKind.String ? a.Value.GetString()! : a.Value.GetRawText();
                switch (a.Name)
                {
                    case "mlflow.spanInputs":
                        inputs = Pretty(text);
                        break;
                    case "mlflow.spanOutputs":
                        outputs = Pretty(text);
                        break;
                    case "mlflow.spanType":
                        type = Unquote(text);
                        break;
                    case "mlflow.traceRequestId":
                        break;
                    case "mlflow.chat.tokenUsage":
                        usage = Usage(text);
                        attributes.Add(new(a.Name, Pretty(text)));
                        break;
                    default:
                        attributes.Add(new(a.Name, Pretty(text)));
                        break;
                }
            }
        }

        var events = new List<SpanEventView>();
        if (span.TryGetProperty("events", out var evs) && evs.ValueKind == JsonValueKind.Array)
        {
            foreach (var e in evs.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.Object))
            {
                var eventAttributes = e.TryGetProperty("attributes", out var ea) && ea.ValueKind == JsonValueKind.Object
                    ? ea.EnumerateObject().Select(p => new KeyValuePair<string, string>(p.Name, p.Value.ValueKind == JsonValueKind.String ? p.Value.GetString()! : p.Value.GetRawText())).ToList()
                    : [];
                events.Add(new SpanEventView(String(e, "name") ?? string.Empty, Long(e, "time_unix_nano"), eventAttributes));
            }
        }

        var status = span.TryGetProperty("status", out var st) && st.ValueKind == JsonValueKind.Object ? st : default;
        var code = status.ValueKind == JsonValueKind.Object ? String(status, "code") ?? String(status, "status_code") : null;
        var state = code switch
        {
            "STATUS_CODE_OK" or "OK" => TraceState.Ok,
            "STATUS_CODE_ERROR" or "ERROR" => TraceState.Error,
            _ => TraceState.StateUnspecified,
        };
        return new SpanView(
            String(span, "span_id") ?? Guid.NewGuid().ToString("N"),
            String(span, "parent_span_id") is { Length: > 0 } parent ? parent : String(span, "parent_id"),
            String(span, "name") ?? string.Empty,
            type,
            Long(span, "start_time_unix_nano") ?? Long(span, "start_time_ns") ?? 0,
            Long(span, "end_time_unix_nano") ?? Long(span, "end_time_ns"),
            state,
            status.ValueKind == JsonValueKind.Object ? String(status, "message") ?? String(status, "description") : null,
            inputs,
            outputs,
            attributes,
            events,
            usage,
            0);
    }

    private static string? String(JsonElement e, string name) =>
        e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.String ? v.GetString() : null;

    private static long? Long(JsonElement e, string name) => e.TryGetProperty(name, out var v) switch
    {
        true when v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) => n,
        true when v.ValueKind == JsonValueKind.String && long.TryParse(v.GetString(), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var s) => s,
        _ => null,
    };

    /// <summary>Indented JSON when the text is JSON, else the text as it is; a long value is cut (see <see cref="Truncated"/>).</summary>
    private static string Pretty(string text)
    {
        if (text.Length > MaxShownValueLength)
        {
            return text[..MaxShownValueLength] + TruncatedMarker;
        }

        try
        {
            using var doc = JsonDocument.Parse(text);
            var pretty = doc.RootElement.ValueKind == JsonValueKind.String ? doc.RootElement.GetString()! : JsonSerializer.Serialize(doc.RootElement, Indented);
            return pretty.Length > MaxShownValueLength ? pretty[..MaxShownValueLength] + TruncatedMarker : pretty;
        }
        catch (JsonException)
        {
            return text;
        }
    }

    /// <summary>Appended to a value cut at <see cref="MaxShownValueLength"/>; the page shows a localized note for it.</summary>
    public const string TruncatedMarker = "\n\u2026";

    /// <summary>Whether a shown value was cut.</summary>
    public static bool Truncated(string? text) => text is not null && text.Length == MaxShownValueLength + TruncatedMarker.Length && text.EndsWith(TruncatedMarker, StringComparison.Ordinal);

    private static readonly JsonSerializerOptions Indented = new() { WriteIndented = true, Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    private static string Unquote(string text) => Pretty(text);

    private static (long, long, long)? Usage(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement;
            long Get(string n) => root.TryGetProperty(n, out var v) && v.TryGetInt64(out var x) ? x : 0;
            return root.ValueKind == JsonValueKind.Object ? (Get("input_tokens"), Get("output_tokens"), root.TryGetProperty("total_tokens", out _) ? Get("total_tokens") : Get("input_tokens") + Get("output_tokens")) : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}

/// <summary>The spans shown of a trace, and how many were left out (beyond the span or depth limit).</summary>
public sealed record SpanTree(IReadOnlyList<SpanView> Spans, int Hidden);

/// <summary>An event of a span (an exception, a log line), its attributes as text.</summary>
public sealed record SpanEventView(string Name, long? TimeNanos, IReadOnlyList<KeyValuePair<string, string>> Attributes);
