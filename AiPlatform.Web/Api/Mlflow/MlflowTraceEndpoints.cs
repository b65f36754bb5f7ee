using System.Globalization;
using System.Text;
using System.Text.Json;
using AiPlatform.Core.Common;
using AiPlatform.Core.Tracing;
using AiPlatform.Core.Tracking;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiPlatform.Web.Api.Mlflow;

/// <summary>
/// MLflow's tracing API as the MLflow 3 client calls it: V3 create / get / search (<c>/api/3.0/mlflow/traces</c>), V2
/// start / end / info / search, delete-traces, trace tags, and the spans document (<c>traces.json</c>) uploaded and
/// downloaded through the proxied artifact API under the trace's <c>mlflow.artifactLocation</c>
/// (<c>mlflow-artifacts:/&lt;experiment&gt;/traces/&lt;trace id&gt;/artifacts</c>), kept in the database.
/// </summary>
public static class MlflowTraceEndpoints
{
    public static void MapMlflowTraceEndpoints(this IEndpointRouteBuilder app)
    {
        foreach (var api in new[] { "/api", "/ajax-api" })
        {
            var named = api == "/api";
            RouteHandlerBuilder Name(RouteHandlerBuilder b, string name) => named ? b.WithName("Mlflow" + name) : b.ExcludeFromDescription();

            var v3 = app.MapGroup(api + "/3.0/mlflow/traces").WithTags("MLflow").AddEndpointFilter(MlflowEndpoints.MlflowErrors).DisableAntiforgery();
            Name(v3.MapPost(string.Empty, StartTraceV3Async), "StartTraceV3");
            Name(v3.MapPost("/search", SearchTracesV3Async), "SearchTracesV3");
            Name(v3.MapPost("/delete-traces", DeleteTracesAsync), "DeleteTracesV3");
            Name(v3.MapGet("/{traceId}", GetTraceInfoV3Async), "GetTraceInfoV3");
            Name(v3.MapPatch("/{traceId}/tags", SetTraceTagAsync), "SetTraceTagV3");
            Name(v3.MapDelete("/{traceId}/tags", DeleteTraceTagAsync), "DeleteTraceTagV3");

            var v2 = app.MapGroup(api + "/2.0/mlflow/traces").WithTags("MLflow").AddEndpointFilter(MlflowEndpoints.MlflowErrors).DisableAntiforgery();
            Name(v2.MapPost(string.Empty, StartTraceV2Async), "StartTrace");
            Name(v2.MapGet(string.Empty, SearchTracesV2Async), "SearchTraces");
            Name(v2.MapPost("/delete-traces", DeleteTracesAsync), "DeleteTraces");
            Name(v2.MapPatch("/{traceId}", EndTraceV2Async), "EndTrace");
            Name(v2.MapGet("/{traceId}/info", GetTraceInfoV2Async), "GetTraceInfo");
            Name(v2.MapPatch("/{traceId}/tags", SetTraceTagAsync), "SetTraceTag");
            Name(v2.MapDelete("/{traceId}/tags", DeleteTraceTagAsync), "DeleteTraceTag");
        }

        // More specific than the run artifact route (<experiment>/<run>/artifacts/<path>), so it wins for trace paths.
        var artifacts = app.MapGroup("/api/2.0/mlflow-artifacts/artifacts/{experimentId}/traces/{traceId}/artifacts").WithTags("MLflow").AddEndpointFilter(MlflowEndpoints.MlflowErrors).DisableAntiforgery();
        artifacts.MapPut("/{**path}", UploadTraceDataAsync).WithName("MlflowUploadTraceData").WithSummary("Stores traces.json, the spans of a trace.");
        artifacts.MapGet("/{**path}", DownloadTraceDataAsync).WithName("MlflowDownloadTraceData");
    }

    private const string TraceDataFile = "traces.json";

    // ---- V3 ----

    // MlflowClient / the span exporter (mlflow.start_span, @mlflow.trace): RestStore.start_trace → POST /api/3.0/mlflow/traces.
    private static async Task<JsonHttpResult<object>> StartTraceV3Async(HttpContext http, TraceService traces)
    {
        var body = await MlflowEndpoints.ReadAsync<StartTraceV3Body>(http);
        var info = body.Trace?.TraceInfo ?? throw new ValidationException("trace", "Missing value for required parameter 'trace.trace_info'.");
        var experimentId = info.TraceLocation?.MlflowExperiment?.ExperimentId;
        if (info.TraceLocation?.Type is { } type && type != "MLFLOW_EXPERIMENT")
        {
            throw new ValidationException("trace_location", $"Trace location type '{type}' is not supported; use MLFLOW_EXPERIMENT.");
        }

        var input = new TraceInput(
            info.TraceId ?? string.Empty,
            info.ClientRequestId,
            info.RequestPreview,
            info.ResponsePreview,
            ParseState(info.State, "state"),
            ParseTime(info.RequestTime),
            ParseDuration(info.ExecutionDuration),
            Map(info.Tags, "tags"),
            Map(info.TraceMetadata, "trace_metadata"));
        var created = await traces.CreateAsync(experimentId, input, http.RequestAborted);
        return MlflowEndpoints.Ok(new { trace = new { trace_info = await V3Async(traces, created, http.RequestAborted) } });
    }

    // TracingClient.get_trace / get_trace_info: RestStore.get_trace_info → GET /api/3.0/mlflow/traces/{trace_id}.
    private static async Task<JsonHttpResult<object>> GetTraceInfoV3Async(string traceId, HttpContext http, TraceService traces)
    {
        var (trace, experiment) = await traces.GetAsync(traceId, http.RequestAborted);
        return MlflowEndpoints.Ok(new { trace = new { trace_info = V3(trace, experiment) } });
    }

    // MlflowClient.search_traces / mlflow.search_traces: RestStore.search_traces → POST /api/3.0/mlflow/traces/search.
    private static async Task<JsonHttpResult<object>> SearchTracesV3Async(HttpContext http, TraceService traces)
    {
        var body = await MlflowEndpoints.ReadAsync<SearchTracesV3Body>(http);
        var ids = (body.Locations ?? []).Select(l => l.Type is null or "MLFLOW_EXPERIMENT" && l.MlflowExperiment?.ExperimentId is { } id
            ? id
            : throw new ValidationException("locations", "Each location must be an MLflow experiment (type MLFLOW_EXPERIMENT with mlflow_experiment.experiment_id).")).ToList();
        ids.AddRange(body.ExperimentIds ?? []);
        var offset = MlflowPageToken.Parse(body.PageToken);
        var (page, experiments) = await traces.SearchAsync(ids, body.Filter, body.OrderBy, offset, body.MaxResults, http.RequestAborted);
        return MlflowEndpoints.Ok(new
        {
            traces = page.Traces.Select(t => V3(t, experiments[t.Info.ExperimentId])).ToList(),
            next_page_token = page.HasMore ? MlflowPageToken.Create(offset + page.Traces.Count) : null,
        });
    }

    // ---- V2 ----

    // The 2.x client's start_trace: POST /api/2.0/mlflow/traces.
    private static async Task<JsonHttpResult<object>> StartTraceV2Async(HttpContext http, TraceService traces, TimeProvider time)
    {
        var body = await MlflowEndpoints.ReadAsync<StartTraceV2Body>(http);
        var input = new TraceInput(
            TraceService.NewTraceId(),
            null,
            null,
            null,
            TraceState.InProgress,
            body.TimestampMs ?? time.GetUtcNow().ToUnixTimeMilliseconds(),
            null,
            Pairs(body.Tags, "tags"),
            Pairs(body.RequestMetadata, "request_metadata"));
        var created = await traces.CreateAsync(body.ExperimentId, input, http.RequestAborted);
        var (_, experiment) = await traces.GetAsync(created.Info.TraceId, http.RequestAborted);
        return MlflowEndpoints.Ok(new { trace_info = V2(created, experiment) });
    }

    // The 2.x client's end_trace: PATCH /api/2.0/mlflow/traces/{request_id}.
    private static async Task<JsonHttpResult<object>> EndTraceV2Async(string traceId, HttpContext http, TraceService traces)
    {
        var body = await MlflowEndpoints.ReadAsync<EndTraceBody>(http);
        var timestamp = body.TimestampMs ?? throw new ValidationException("timestamp_ms", "Missing value for required parameter 'timestamp_ms'.");
        var ended = await traces.EndAsync(traceId, timestamp, ParseState(body.Status, "status"), Pairs(body.RequestMetadata, "request_metadata"), Pairs(body.Tags, "tags"), http.RequestAborted);
        var (_, experiment) = await traces.GetAsync(traceId, http.RequestAborted);
        return MlflowEndpoints.Ok(new { trace_info = V2(ended, experiment) });
    }

    // The 2.x client's get_trace_info: GET /api/2.0/mlflow/traces/{request_id}/info.
    private static async Task<JsonHttpResult<object>> GetTraceInfoV2Async(string traceId, HttpContext http, TraceService traces)
    {
        var (trace, experiment) = await traces.GetAsync(traceId, http.RequestAborted);
        return MlflowEndpoints.Ok(new { trace_info = V2(trace, experiment) });
    }

    // The 2.x client's search_traces: GET /api/2.0/mlflow/traces?experiment_ids=…
    private static async Task<JsonHttpResult<object>> SearchTracesV2Async(HttpContext http, TraceService traces)
    {
        var ids = http.Request.Query["experiment_ids"].Where(s => !string.IsNullOrEmpty(s)).Select(s => s!).ToList();
        var offset = MlflowPageToken.Parse(MlflowEndpoints.Query(http, "page_token"));
        int? max = int.TryParse(MlflowEndpoints.Query(http, "max_results"), NumberStyles.None, CultureInfo.InvariantCulture, out var m) ? m : null;
        var (page, experiments) = await traces.SearchAsync(ids, MlflowEndpoints.Query(http, "filter"), http.Request.Query["order_by"].Select(s => s!), offset, max, http.RequestAborted);
        return MlflowEndpoints.Ok(new
        {
            traces = page.Traces.Select(t => V2(t, experiments[t.Info.ExperimentId])).ToList(),
            next_page_token = page.HasMore ? MlflowPageToken.Create(offset + page.Traces.Count) : null,
        });
    }

    // ---- both ----

    // MlflowClient.delete_traces: RestStore._delete_traces → POST /api/2.0/mlflow/traces/delete-traces.
    private static async Task<JsonHttpResult<object>> DeleteTracesAsync(HttpContext http, TraceService traces)
    {
        var body = await MlflowEndpoints.ReadAsync<DeleteTracesBody>(http);
        var ids = body.RequestIds ?? body.TraceIds;
        var deleted = await traces.DeleteAsync(body.ExperimentId, ids, body.MaxTimestampMillis, body.MaxTraces, http.RequestAborted);
        return MlflowEndpoints.Ok(new { traces_deleted = deleted });
    }

    // MlflowClient.set_trace_tag: PATCH /api/2.0/mlflow/traces/{request_id}/tags {"key", "value"}.
    private static async Task<JsonHttpResult<object>> SetTraceTagAsync(string traceId, HttpContext http, TraceService traces)
    {
        var body = await MlflowEndpoints.ReadAsync<TagBody>(http);
        await traces.SetTagAsync(traceId, MlflowEndpoints.Required(body.Key, "key"), body.Value ?? string.Empty, http.RequestAborted);
        return MlflowEndpoints.Ok(new { });
    }

    // MlflowClient.delete_trace_tag: DELETE /api/2.0/mlflow/traces/{request_id}/tags, the key in the JSON body (or the query).
    private static async Task<JsonHttpResult<object>> DeleteTraceTagAsync(string traceId, HttpContext http, TraceService traces)
    {
        var body = await MlflowEndpoints.ReadAsync<TagBody>(http);
        await traces.DeleteTagAsync(traceId, MlflowEndpoints.Required(body.Key ?? MlflowEndpoints.Query(http, "key"), "key"), http.RequestAborted);
        return MlflowEndpoints.Ok(new { });
    }

    // ---- spans: the artifact repository's upload_trace_data / download_trace_data ----

    private static async Task<JsonHttpResult<object>> UploadTraceDataAsync(string experimentId, string traceId, string path, HttpContext http, TraceService traces)
    {
        RequireTraceDataPath(path);
        if (http.Request.ContentLength > TraceService.MaxSpansBytes)
        {
            throw new ValidationException("body", $"The trace data has {http.Request.ContentLength} bytes; at most {TraceService.MaxSpansBytes} are accepted.");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[65536];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > TraceService.MaxSpansBytes)
            {
                throw new ValidationException("body", $"The trace data is larger than {TraceService.MaxSpansBytes} bytes.");
            }
        }

        await traces.SaveSpansAsync(experimentId, traceId, Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length), http.RequestAborted);
        return MlflowEndpoints.Ok(new { });
    }

    private static async Task<IResult> DownloadTraceDataAsync(string experimentId, string traceId, string path, HttpContext http, TraceService traces)
    {
        RequireTraceDataPath(path);
        var json = await traces.GetSpansAsync(experimentId, traceId, http.RequestAborted)
            ?? throw new NotFoundException("Trace data", $"{traceId}/{TraceDataFile}");
        return Results.Text(json, "application/json", Encoding.UTF8);
    }

    private static void RequireTraceDataPath(string path)
    {
        if (Uri.UnescapeDataString(path).Trim('/') != TraceDataFile)
        {
            throw new ValidationException("path", $"A trace's artifacts hold only {TraceDataFile}; got '{path}'.");
        }
    }

    // ---- wire format ----

    private static async Task<object> V3Async(TraceService traces, TraceDetails trace, CancellationToken ct)
    {
        var (_, experiment) = await traces.GetAsync(trace.Info.TraceId, ct);
        return V3(trace, experiment);
    }

    private static object V3(TraceDetails trace, Experiment experiment)
    {
        var info = trace.Info;
        var tags = new Dictionary<string, string>(trace.Tags) { [TraceService.ArtifactLocationTag] = ArtifactLocation(experiment, info.TraceId) };
        return new
        {
            trace_id = info.TraceId,
            client_request_id = info.ClientRequestId,
            trace_location = new { type = "MLFLOW_EXPERIMENT", mlflow_experiment = new { experiment_id = experiment.MlflowId } },
            request_preview = info.RequestPreview,
            response_preview = info.ResponsePreview,
            request_time = TraceService.Time(info.RequestTime).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss.fff'Z'", CultureInfo.InvariantCulture),
            execution_duration = info.ExecutionDuration is { } d ? string.Create(CultureInfo.InvariantCulture, $"{d / 1000}.{Math.Abs(d % 1000):000}s") : null,
            state = StateName(info.State, v2: false),
            trace_metadata = trace.Metadata,
            assessments = Array.Empty<object>(),
            tags,
        };
    }

    private static object V2(TraceDetails trace, Experiment experiment)
    {
        var info = trace.Info;
        var tags = new Dictionary<string, string>(trace.Tags) { [TraceService.ArtifactLocationTag] = ArtifactLocation(experiment, info.TraceId) };
        return new
        {
            request_id = info.TraceId,
            experiment_id = experiment.MlflowId,
            timestamp_ms = info.RequestTime,
            execution_time_ms = info.ExecutionDuration,
            status = StateName(info.State, v2: true),
            request_metadata = trace.Metadata.Select(m => new MlflowTag(m.Key, m.Value)).ToList(),
            tags = tags.Select(t => new MlflowTag(t.Key, t.Value)).ToList(),
        };
    }

    /// <summary>Where the client puts a trace's <c>traces.json</c>: MLflow's <c>&lt;experiment artifact root&gt;/traces/&lt;id&gt;/artifacts</c>.</summary>
    internal static string ArtifactLocation(Experiment experiment, string traceId) => $"mlflow-artifacts:/{experiment.MlflowId}/traces/{traceId}/artifacts";

    private static string StateName(TraceState state, bool v2) => state switch
    {
        TraceState.Ok => "OK",
        TraceState.Error => "ERROR",
        TraceState.InProgress => "IN_PROGRESS",
        _ => v2 ? "TRACE_STATUS_UNSPECIFIED" : "STATE_UNSPECIFIED",
    };

    private static TraceState ParseState(JsonElement? element, string field) => element switch
    {
        null or { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => TraceState.StateUnspecified,
        { ValueKind: JsonValueKind.Number } e when e.TryGetInt32(out var n) && Enum.IsDefined((TraceState)n) => (TraceState)n,
        { ValueKind: JsonValueKind.String } e => e.GetString() switch
        {
            "OK" => TraceState.Ok,
            "ERROR" => TraceState.Error,
            "IN_PROGRESS" => TraceState.InProgress,
            "STATE_UNSPECIFIED" or "TRACE_STATUS_UNSPECIFIED" => TraceState.StateUnspecified,
            var other => throw new ValidationException(field, $"Invalid value {other} for parameter '{field}' supplied."),
        },
        _ => throw new ValidationException(field, $"Invalid value for parameter '{field}' supplied."),
    };

    /// <summary>protobuf's Timestamp in JSON: an RFC 3339 string (a number of milliseconds is accepted too).</summary>
    private static long ParseTime(JsonElement? element) => element switch
    {
        { ValueKind: JsonValueKind.String } e when DateTimeOffset.TryParse(e.GetString(), CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) => at.ToUnixTimeMilliseconds(),
        { ValueKind: JsonValueKind.Number } e when e.TryGetInt64(out var ms) => ms,
        _ => throw new ValidationException("request_time", "Missing or invalid value for required parameter 'request_time' (an RFC 3339 timestamp)."),
    };

    /// <summary>protobuf's Duration in JSON: seconds with an <c>s</c> suffix, such as <c>"1.250s"</c>.</summary>
    private static long? ParseDuration(JsonElement? element) => element switch
    {
        null or { ValueKind: JsonValueKind.Null or JsonValueKind.Undefined } => null,
        { ValueKind: JsonValueKind.String } e when e.GetString() is { Length: > 1 } s && s.EndsWith('s')
            && decimal.TryParse(s[..^1], NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var seconds)
            && seconds <= TraceService.MaxTimeMillis / 1000m => (long)Math.Round(seconds * 1000),
        _ => throw new ValidationException("execution_duration", "Invalid value for parameter 'execution_duration' (a duration such as \"1.5s\")."),
    };

    private static Dictionary<string, string> Map(Dictionary<string, JsonElement>? values, string field)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in values ?? [])
        {
            result[key] = value.ValueKind switch
            {
                JsonValueKind.String => value.GetString()!,
                JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => value.GetRawText(),
                _ => throw new ValidationException(field, $"The value of '{key}' in {field} must be a string."),
            };
        }

        return result;
    }

    private static Dictionary<string, string> Pairs(List<TagBody>? values, string field)
    {
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var pair in values ?? [])
        {
            result[MlflowEndpoints.Required(pair.Key, field + ".key")] = pair.Value ?? string.Empty;
        }

        return result;
    }
}

internal sealed record ExperimentLocationBody(string? ExperimentId);

internal sealed record TraceLocationBody(string? Type, ExperimentLocationBody? MlflowExperiment);

internal sealed record TraceInfoV3Body(
    string? TraceId,
    string? ClientRequestId,
    TraceLocationBody? TraceLocation,
    string? RequestPreview,
    string? ResponsePreview,
    JsonElement? RequestTime,
    JsonElement? ExecutionDuration,
    JsonElement? State,
    Dictionary<string, JsonElement>? TraceMetadata,
    Dictionary<string, JsonElement>? Tags);

internal sealed record TraceV3Body(TraceInfoV3Body? TraceInfo);

internal sealed record StartTraceV3Body(TraceV3Body? Trace);

internal sealed record SearchTracesV3Body(List<TraceLocationBody>? Locations, List<string>? ExperimentIds, string? Filter, int? MaxResults, List<string>? OrderBy, string? PageToken);

internal sealed record StartTraceV2Body(string? ExperimentId, long? TimestampMs, List<TagBody>? RequestMetadata, List<TagBody>? Tags);

internal sealed record EndTraceBody(long? TimestampMs, JsonElement? Status, List<TagBody>? RequestMetadata, List<TagBody>? Tags);

internal sealed record DeleteTracesBody(string? ExperimentId, long? MaxTimestampMillis, int? MaxTraces, List<string>? RequestIds, List<string>? TraceIds);
