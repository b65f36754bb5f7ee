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

    /// <summary>
    /// Reads the spans document (V3: <c>{"spans": [...]}</c> with attributes as JSON text) into a depth-first list,
    /// children after their parent by start time. Anything unreadable gives an empty list, never an exception.
    /// </summary>
    public static IReadOnlyList<SpanView> Parse(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return [];
        }

        List<SpanView> spans;
        try
        {
            using var doc = JsonDocument.Parse(json);
            if (!doc.RootElement.TryGetProperty("spans", out var array) || array.ValueKind != JsonValueKind.Array)
            {
                return [];
            }

            spans = array.EnumerateArray().Where(s => s.ValueKind == JsonValueKind.Object).Select(Read).ToList();
        }
        catch (JsonException)
        {
            return [];
        }

        var ids = spans.Select(s => s.Id).ToHashSet();
        var children = spans.ToLookup(s => s.ParentId is { } p && ids.Contains(p) ? p : null);
        var ordered = new List<SpanView>();
        var seen = new HashSet<string>();
        void Walk(string? parent, int depth)
        {
            foreach (var span in children[parent].OrderBy(s => s.StartNanos))
            {
                if (seen.Add(span.Id))
                {
                    ordered.Add(span with { Depth = depth });
                    Walk(span.Id, depth + 1);
                }
            }
        }

        Walk(null, 0);
        return ordered;
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

    /// <summary>Indented JSON when the text is JSON, else the text as it is.</summary>
    private static string Pretty(string text)
    {
        try
        {
            using var doc = JsonDocument.Parse(text);
            return doc.RootElement.ValueKind == JsonValueKind.String ? doc.RootElement.GetString()! : JsonSerializer.Serialize(doc.RootElement, Indented);
        }
        catch (JsonException)
        {
            return text;
        }
    }

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

/// <summary>An event of a span (an exception, a log line), its attributes as text.</summary>
public sealed record SpanEventView(string Name, long? TimeNanos, IReadOnlyList<KeyValuePair<string, string>> Attributes);
