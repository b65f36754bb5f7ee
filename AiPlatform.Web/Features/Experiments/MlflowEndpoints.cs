using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Storage;
using AiPlatform.Core.Tracking;

namespace AiPlatform.Web.Features.Experiments;

/// <summary>
/// The MLflow tracking REST API (2.0) and the proxied artifact API, so an unmodified MLflow client pointed at the
/// platform (<c>MLFLOW_TRACKING_URI</c>, with <c>MLFLOW_TRACKING_TOKEN</c> or a user name and password) logs into it
/// under the platform's permissions. GET fields come as query parameters, the rest as JSON; errors are MLflow's
/// <c>{"error_code", "message"}</c> with its HTTP statuses.
/// </summary>
public static class MlflowEndpoints
{
    private const int MaxJsonBytes = 10 * 1024 * 1024;

    public static void MapMlflowEndpoints(this IEndpointRouteBuilder app)
    {
        foreach (var prefix in new[] { "/api/2.0/mlflow", "/ajax-api/2.0/mlflow" })
        {
            var g = app.MapGroup(prefix).WithTags("MLflow").AddEndpointFilter(MlflowErrors).DisableAntiforgery();
            var named = prefix.StartsWith("/api", StringComparison.Ordinal);
            RouteHandlerBuilder Name(RouteHandlerBuilder b, string name) => named ? b.WithName("Mlflow" + name) : b.ExcludeFromDescription();

            Name(g.MapPost("/experiments/create", CreateExperimentAsync), "CreateExperiment");
            Name(g.MapGet("/experiments/get", GetExperimentAsync), "GetExperiment");
            Name(g.MapGet("/experiments/get-by-name", GetExperimentByNameAsync), "GetExperimentByName");
            Name(g.MapPost("/experiments/search", SearchExperimentsPostAsync), "SearchExperiments");
            Name(g.MapGet("/experiments/search", SearchExperimentsGetAsync), "SearchExperimentsGet");
            Name(g.MapPost("/experiments/update", UpdateExperimentAsync), "UpdateExperiment");
            Name(g.MapPost("/experiments/delete", (HttpContext h, TrackingService t) => ExperimentLifecycleAsync(h, t, LifecycleStage.Deleted)), "DeleteExperiment");
            Name(g.MapPost("/experiments/restore", (HttpContext h, TrackingService t) => ExperimentLifecycleAsync(h, t, LifecycleStage.Active)), "RestoreExperiment");
            Name(g.MapPost("/experiments/set-experiment-tag", SetExperimentTagAsync), "SetExperimentTag");
            Name(g.MapPost("/experiments/delete-experiment-tag", DeleteExperimentTagAsync), "DeleteExperimentTag");

            Name(g.MapPost("/runs/create", CreateRunAsync), "CreateRun");
            Name(g.MapGet("/runs/get", GetRunAsync), "GetRun");
            Name(g.MapPost("/runs/update", UpdateRunAsync), "UpdateRun");
            Name(g.MapPost("/runs/delete", (HttpContext h, TrackingService t) => RunLifecycleAsync(h, t, LifecycleStage.Deleted)), "DeleteRun");
            Name(g.MapPost("/runs/restore", (HttpContext h, TrackingService t) => RunLifecycleAsync(h, t, LifecycleStage.Active)), "RestoreRun");
            Name(g.MapPost("/runs/log-metric", LogMetricAsync), "LogMetric");
            Name(g.MapPost("/runs/log-parameter", LogParamAsync), "LogParam");
            Name(g.MapPost("/runs/set-tag", SetTagAsync), "SetTag");
            Name(g.MapPost("/runs/delete-tag", DeleteTagAsync), "DeleteTag");
            Name(g.MapPost("/runs/log-batch", LogBatchAsync), "LogBatch");
            Name(g.MapPost("/runs/log-inputs", LogInputsAsync), "LogInputs");
            Name(g.MapPost("/runs/search", SearchRunsAsync), "SearchRuns");
            Name(g.MapGet("/metrics/get-history", GetMetricHistoryAsync), "GetMetricHistory");
            Name(g.MapGet("/metrics/get-history-bulk-interval", GetMetricHistoryBulkAsync), "GetMetricHistoryBulkInterval");
            Name(g.MapGet("/artifacts/list", ListRunArtifactsAsync), "ListArtifacts");
            MlflowRegistryEndpoints.Map(g, named);
            g.MapFallback(() => Error(StatusCodes.Status404NotFound, "ENDPOINT_NOT_FOUND", "This MLflow API endpoint is not served by AiPlatform.")).ExcludeFromDescription();
        }

        var artifacts = app.MapGroup("/api/2.0/mlflow-artifacts").WithTags("MLflow").AddEndpointFilter(MlflowErrors).DisableAntiforgery();
        artifacts.MapGet("/artifacts", ListProxiedArtifactsAsync).WithName("MlflowListProxiedArtifacts").WithSummary("Lists ?path=<experiment>/<run>/artifacts[/folder]; paths are base names.");
        artifacts.MapPut("/artifacts/{**path}", UploadArtifactAsync).WithName("MlflowUploadArtifact").WithSummary("Stores the raw body at <experiment>/<run>/artifacts/<path>.");
        artifacts.MapGet("/artifacts/{**path}", DownloadArtifactAsync).WithName("MlflowDownloadArtifact");
        artifacts.MapDelete("/artifacts/{**path}", DeleteArtifactAsync).WithName("MlflowDeleteArtifact");
        artifacts.MapFallback(() => Error(StatusCodes.Status404NotFound, "ENDPOINT_NOT_FOUND", "This MLflow artifacts endpoint is not served by AiPlatform (multipart upload is not; unset MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD).")).ExcludeFromDescription();
    }

    // ---- experiments ----

    private static async Task<IResult> CreateExperimentAsync(HttpContext http, TrackingService tracking)
    {
        var body = await ReadAsync<CreateExperimentBody>(http);
        Required(body.Name, "name");
        var experiment = await tracking.CreateExperimentAsync(null, body.Name, Tags(body.Tags), http.RequestAborted);
        return Ok(new { experiment_id = experiment.MlflowId });
    }

    private static async Task<IResult> GetExperimentAsync(HttpContext http, TrackingService tracking)
    {
        var experiment = await tracking.GetExperimentByMlflowIdAsync(Required(Query(http, "experiment_id"), "experiment_id"), http.RequestAborted);
        return Ok(new { experiment = MlflowJson.Experiment(experiment, await tracking.GetExperimentTagsAsync(experiment.Id, http.RequestAborted)) });
    }

    private static async Task<IResult> GetExperimentByNameAsync(HttpContext http, TrackingService tracking)
    {
        var experiment = await tracking.GetExperimentByNameAsync(Required(Query(http, "experiment_name"), "experiment_name"), http.RequestAborted);
        return Ok(new { experiment = MlflowJson.Experiment(experiment, await tracking.GetExperimentTagsAsync(experiment.Id, http.RequestAborted)) });
    }

    private static async Task<IResult> SearchExperimentsPostAsync(HttpContext http, TrackingService tracking)
    {
        var body = await ReadAsync<SearchExperimentsBody>(http);
        return await SearchExperimentsAsync(http, tracking, body.MaxResults, body.PageToken, body.Filter, body.OrderBy, MlflowJson.ParseViewType(body.ViewType));
    }

    private static Task<IResult> SearchExperimentsGetAsync(HttpContext http, TrackingService tracking) =>
        SearchExperimentsAsync(http, tracking, int.TryParse(Query(http, "max_results"), out var max) ? max : null, Query(http, "page_token"), Query(http, "filter"),
            http.Request.Query["order_by"].Where(o => o is not null).Select(o => o!).ToList(), MlflowJson.ParseViewType(Query(http, "view_type")));

    private static async Task<IResult> SearchExperimentsAsync(HttpContext http, TrackingService tracking, int? maxResults, string? pageToken, string? filter, List<string>? orderBy, ViewType view)
    {
        var limit = maxResults ?? 1000;
        if (limit is < 1 or > 50000)
        {
            throw new ValidationException("max_results", $"Invalid value {limit} for parameter 'max_results' supplied. It must be at most 50000.");
        }

        var offset = MlflowPageToken.Parse(pageToken);
        var page = await tracking.ListExperimentsAsync(
            new ExperimentQuery(null, null, SearchFilter.ParseExperimentFilter(filter), SearchFilter.ParseOrderBy(orderBy, experiments: true), view, offset, limit), http.RequestAborted);
        var next = offset + page.Items.Count < page.Total ? MlflowPageToken.Create(offset + page.Items.Count) : null;
        return Ok(new { experiments = page.Items.Select(s => MlflowJson.Experiment(s.Experiment, s.Tags)).ToList(), next_page_token = next });
    }

    private static async Task<IResult> UpdateExperimentAsync(HttpContext http, TrackingService tracking)
    {
        var body = await ReadAsync<ExperimentBody>(http);
        var experiment = await tracking.GetExperimentByMlflowIdAsync(Required(body.ExperimentId, "experiment_id"), http.RequestAborted);
        if (body.NewName is not null)
        {
            await tracking.RenameExperimentAsync(experiment.Id, body.NewName, http.RequestAborted);
        }

        return Ok(new { });
    }

    private static async Task<IResult> ExperimentLifecycleAsync(HttpContext http, TrackingService tracking, LifecycleStage stage)
    {
        var body = await ReadAsync<ExperimentBody>(http);
        var experiment = await tracking.GetExperimentByMlflowIdAsync(Required(body.ExperimentId, "experiment_id"), http.RequestAborted);
        await tracking.SetExperimentLifecycleAsync(experiment.Id, stage, http.RequestAborted);
        return Ok(new { });
    }

    private static async Task<IResult> SetExperimentTagAsync(HttpContext http, TrackingService tracking)
    {
        var body = await ReadAsync<ExperimentBody>(http);
        var experiment = await tracking.GetExperimentByMlflowIdAsync(Required(body.ExperimentId, "experiment_id"), http.RequestAborted);
        await tracking.SetExperimentTagAsync(experiment.Id, Required(body.Key, "key"), Required(body.Value, "value", allowEmpty: true), http.RequestAborted);
        return Ok(new { });
    }

    private static async Task<IResult> DeleteExperimentTagAsync(HttpContext http, TrackingService tracking)
    {
        var body = await ReadAsync<ExperimentBody>(http);
        var experiment = await tracking.GetExperimentByMlflowIdAsync(Required(body.ExperimentId, "experiment_id"), http.RequestAborted);
        await tracking.DeleteExperimentTagAsync(experiment.Id, Required(body.Key, "key"), http.RequestAborted);
        return Ok(new { });
    }

    // ---- runs ----

    private static async Task<IResult> CreateRunAsync(HttpContext http, TrackingService tracking)
    {
        var body = await ReadAsync<CreateRunBody>(http);
        var experiment = await tracking.GetExperimentByMlflowIdAsync(string.IsNullOrEmpty(body.ExperimentId) ? TrackingService.DefaultExperimentMlflowId : body.ExperimentId, http.RequestAborted, createDefault: true);
        var run = await tracking.CreateRunAsync(experiment.Id, body.RunName, body.StartTime, Tags(body.Tags), http.RequestAborted);
        return Ok(new { run = MlflowJson.Run(run) });
    }

    private static async Task<IResult> GetRunAsync(HttpContext http, TrackingService tracking)
    {
        var id = RunId(Query(http, "run_id") is { Length: > 0 } r ? r : Query(http, "run_uuid"));
        return Ok(new { run = MlflowJson.Run(await tracking.GetRunAsync(id, http.RequestAborted)) });
    }

    private static async Task<IResult> UpdateRunAsync(HttpContext http, TrackingService tracking)
    {
        var body = await ReadAsync<RunBody>(http);
        var run = await tracking.UpdateRunAsync(RunId(body.Id), MlflowJson.ParseStatus(body.Status), body.EndTime, body.RunName, http.RequestAborted);
        var details = await tracking.GetRunAsync(run.Id, http.RequestAborted);
        return Ok(new { run_info = MlflowJson.Info(details.Run, details.Experiment) });
    }

    private static async Task<IResult> RunLifecycleAsync(HttpContext http, TrackingService tracking, LifecycleStage stage)
    {
        var body = await ReadAsync<RunBody>(http);
        await tracking.SetRunLifecycleAsync(RunId(Required(body.Id, "run_id")), stage, http.RequestAborted);
        return Ok(new { });
    }

    private static async Task<IResult> LogMetricAsync(HttpContext http, TrackingService tracking)
    {
        var body = await ReadAsync<LogMetricBody>(http);
        Required(body.Key, "key");
        var value = body.Value ?? throw new ValidationException("value", "Missing value for required parameter 'value'.");
        var timestamp = body.Timestamp ?? throw new ValidationException("timestamp", "Missing value for required parameter 'timestamp'.");
        await tracking.LogMetricAsync(RunId(body.Id), body.Key, value, timestamp, body.Step ?? 0, http.RequestAborted);
        return Ok(new { });
    }

    private static async Task<IResult> LogParamAsync(HttpContext http, TrackingService tracking)
    {
        var body = await ReadAsync<RunBody>(http);
        await tracking.LogParamAsync(RunId(body.Id), Required(body.Key, "key"), Required(body.Value, "value", allowEmpty: true), http.RequestAborted);
        return Ok(new { });
    }

    private static async Task<IResult> SetTagAsync(HttpContext http, TrackingService tracking)
    {
        var body = await ReadAsync<RunBody>(http);
        await tracking.SetRunTagAsync(RunId(body.Id), Required(body.Key, "key"), Required(body.Value, "value", allowEmpty: true), http.RequestAborted);
        return Ok(new { });
    }

    private static async Task<IResult> DeleteTagAsync(HttpContext http, TrackingService tracking)
    {
        var body = await ReadAsync<RunBody>(http);
        await tracking.DeleteRunTagAsync(RunId(Required(body.Id, "run_id")), Required(body.Key, "key"), http.RequestAborted);
        return Ok(new { });
    }

    private static async Task<IResult> LogBatchAsync(HttpContext http, TrackingService tracking)
    {
        var body = await ReadAsync<LogBatchBody>(http, TrackingLimits.MaxBatchRequestBytes);
        var metrics = (body.Metrics ?? []).Select(m => new MetricInput(
            Required(m.Key, "key"),
            m.Value ?? throw new ValidationException("metrics", $"Got invalid value for metric '{m.Key}' (timestamp={m.Timestamp}): a value is required."),
            m.Timestamp ?? throw new ValidationException("metrics", $"Metric '{m.Key}' has no timestamp."),
            m.Step ?? 0)).ToList();
        var parameters = (body.Params ?? []).Select(p => new KeyValuePair<string, string>(Required(p.Key, "key"), p.Value ?? string.Empty)).ToList();
        if (parameters.GroupBy(p => p.Key).FirstOrDefault(g => g.Select(p => p.Value).Distinct().Count() > 1) is { } duplicate)
        {
            throw new ValidationException("params", $"Duplicate parameter keys have been submitted: ['{duplicate.Key}']. Please ensure the request contains only one param value per param key.");
        }

        var tags = (body.Tags ?? []).Select(t => new KeyValuePair<string, string>(Required(t.Key, "key"), t.Value ?? string.Empty)).ToList();
        await tracking.LogBatchAsync(RunId(body.RunId), metrics, parameters.DistinctBy(p => p.Key).ToDictionary(p => p.Key, p => p.Value), tags, http.RequestAborted);
        return Ok(new { });
    }

    private static async Task<IResult> LogInputsAsync(HttpContext http, RunInputService inputService)
    {
        var body = await ReadAsync<LogInputsBody>(http);
        var inputs = (body.Datasets ?? []).Select(d => d.Dataset is { } ds
            ? new DatasetInputRequest(ds.Name ?? string.Empty, ds.Digest ?? string.Empty, ds.SourceType ?? string.Empty, ds.Source ?? string.Empty, ds.Schema, ds.Profile, Tags(d.Tags))
            : throw new ValidationException("datasets", "Each dataset input needs a dataset.")).ToList();
        await inputService.LogInputsAsync(RunId(Required(body.RunId, "run_id")), inputs, http.RequestAborted);
        return Ok(new { });
    }

    private static async Task<IResult> SearchRunsAsync(HttpContext http, TrackingService tracking)
    {
        var body = await ReadAsync<SearchRunsBody>(http);
        var experimentIds = new List<Guid>();
        foreach (var id in body.ExperimentIds ?? [])
        {
            try
            {
                experimentIds.Add((await tracking.GetExperimentByMlflowIdAsync(id, http.RequestAborted)).Id);
            }
            catch (NotFoundException)
            {
                // MLflow returns no runs for experiments that do not exist; the same for ones the caller may not see.
            }
        }

        var offset = MlflowPageToken.Parse(body.PageToken);
        var page = await tracking.SearchRunsAsync(experimentIds, body.Filter, body.OrderBy, MlflowJson.ParseViewType(body.RunViewType), offset, body.MaxResults ?? TrackingLimits.DefaultSearchResults, http.RequestAborted);
        return Ok(new { runs = page.Runs.Select(MlflowJson.Run).ToList(), next_page_token = page.HasMore ? MlflowPageToken.Create(offset + page.Runs.Count) : null });
    }

    private static async Task<IResult> GetMetricHistoryAsync(HttpContext http, TrackingService tracking)
    {
        var id = RunId(Query(http, "run_id") is { Length: > 0 } r ? r : Query(http, "run_uuid"));
        var key = Required(Query(http, "metric_key"), "metric_key");
        var offset = MlflowPageToken.Parse(Query(http, "page_token"));
        var max = int.TryParse(Query(http, "max_results"), out var m) ? Math.Clamp(m, 1, 25000) : (int?)null;
        var history = await tracking.GetMetricHistoryAsync(id, key, offset, max is { } limit ? limit + 1 : 1_000_000, http.RequestAborted);
        var page = max is { } l ? history.Take(l).ToList() : history.ToList();
        var next = max is { } l2 && history.Count > l2 ? MlflowPageToken.Create(offset + l2) : null;
        return Ok(new { metrics = page.Select(x => new MlflowMetric(x.Key, x.RealValue, x.Timestamp, x.Step)).ToList(), next_page_token = next });
    }

    private static async Task<IResult> GetMetricHistoryBulkAsync(HttpContext http, TrackingService tracking)
    {
        var key = Required(Query(http, "metric_key"), "metric_key");
        var ids = http.Request.Query["run_ids"].Select(RunId).ToList();
        var start = long.TryParse(Query(http, "start_step"), out var s) ? s : long.MinValue;
        var end = long.TryParse(Query(http, "end_step"), out var e) ? e : long.MaxValue;
        var max = int.TryParse(Query(http, "max_results"), out var m) ? Math.Clamp(m, 1, 1000) : 320;
        var histories = await tracking.GetMetricHistoriesAsync(ids, key, http.RequestAborted);
        var metrics = histories.SelectMany(h => Sample(h.Value.Where(x => x.Step >= start && x.Step <= end).ToList(), max)
            .Select(x => new { key = x.Key, value = x.RealValue, timestamp = x.Timestamp, step = x.Step, run_id = h.Key.ToString("N") })).ToList();
        return Ok(new { metrics });
    }

    private static IEnumerable<RunMetric> Sample(List<RunMetric> values, int max) =>
        values.Count <= max ? values : Enumerable.Range(0, max).Select(i => values[(int)((long)i * (values.Count - 1) / (max - 1))]).Distinct();

    private static async Task<IResult> ListRunArtifactsAsync(HttpContext http, TrackingService tracking, ArtifactService artifacts)
    {
        var id = RunId(Query(http, "run_id") is { Length: > 0 } r ? r : Query(http, "run_uuid"));
        var run = await tracking.GetRunAsync(id, http.RequestAborted);
        var files = await artifacts.ListAsync(id, Query(http, "path"), http.RequestAborted);
        return Ok(new { root_uri = run.ArtifactUri, files = files.Select(f => new MlflowFileInfo(f.Path, f.IsDirectory, f.Size)).ToList() });
    }

    // ---- proxied artifacts: <experiment>/<run>/artifacts/<path> ----

    private static async Task<IResult> ListProxiedArtifactsAsync(HttpContext http, TrackingService tracking, ArtifactService artifacts)
    {
        var (runId, relative) = await ResolveArtifactPathAsync(tracking, Query(http, "path") ?? string.Empty, http.RequestAborted);
        var files = await artifacts.ListAsync(runId, relative, http.RequestAborted);
        return Ok(new { files = files.Select(f => new MlflowFileInfo(f.Path[(f.Path.LastIndexOf('/') + 1)..], f.IsDirectory, f.Size)).ToList() });
    }

    private static async Task<IResult> UploadArtifactAsync(string path, HttpContext http, TrackingService tracking, ArtifactService artifacts)
    {
        var (runId, relative) = await ResolveArtifactPathAsync(tracking, path, http.RequestAborted);
        await artifacts.UploadAsync(runId, relative, http.Request.Body, http.Request.ContentLength, http.Request.ContentType, http.RequestAborted);
        return Ok(new { });
    }

    private static async Task<IResult> DownloadArtifactAsync(string path, HttpContext http, TrackingService tracking, ArtifactService artifacts)
    {
        var (runId, relative) = await ResolveArtifactPathAsync(tracking, path, http.RequestAborted);
        var (artifact, content) = await artifacts.OpenAsync(runId, relative, http.RequestAborted);
        return ArtifactResults.File(http, artifact, content, inline: false);
    }

    private static async Task<IResult> DeleteArtifactAsync(string path, HttpContext http, TrackingService tracking, ArtifactService artifacts)
    {
        var (runId, relative) = await ResolveArtifactPathAsync(tracking, path, http.RequestAborted);
        await artifacts.DeleteAsync(runId, relative, http.RequestAborted);
        return Ok(new { });
    }

    /// <summary>Checks that the run exists, is visible and belongs to the named experiment; returns the path inside its artifacts.</summary>
    private static async Task<(Guid RunId, string Relative)> ResolveArtifactPathAsync(TrackingService tracking, string path, CancellationToken ct)
    {
        // Routing leaves %2F encoded in catch-all values; decode it so "..%2F" is seen (and refused) as "../".
        var parts = Uri.UnescapeDataString(path).Trim('/').Split('/', 4);
        if (parts.Length < 3 || parts[2] != "artifacts")
        {
            throw new ValidationException("path", $"An artifact path looks like <experiment id>/<run id>/artifacts/<file>; got '{path}'.");
        }

        var run = await tracking.GetRunAsync(RunId(parts[1]), ct);
        if (run.Experiment.MlflowId != parts[0])
        {
            throw new NotFoundException("Run", parts[1]);
        }

        return (run.Run.Id, parts.Length == 4 ? parts[3] : string.Empty);
    }

    // ---- plumbing ----

    private static async ValueTask<object?> MlflowErrors(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (Exception e) when (e is not OperationCanceledException || !context.HttpContext.RequestAborted.IsCancellationRequested)
        {
            var (status, code, message) = e switch
            {
                NotFoundException or ObjectNotFoundException => (404, "RESOURCE_DOES_NOT_EXIST", e.Message),
                AlreadyExistsException => (400, "RESOURCE_ALREADY_EXISTS", e.Message),
                ValidationException v => (400, "INVALID_PARAMETER_VALUE", string.Join(" ", v.Errors.SelectMany(x => x.Value))),
                ForbiddenException => (403, "PERMISSION_DENIED", e.Message),
                ConflictException => (400, "INVALID_STATE", e.Message),
                JsonException or BadHttpRequestException or MlflowBadRequestException => (400, "BAD_REQUEST", e.Message),
                _ => (500, "INTERNAL_ERROR", $"An unexpected error occurred; quote the correlation id {context.HttpContext.TraceIdentifier} when reporting it."),
            };
            if (status == 500)
            {
                context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(MlflowEndpoints))
                    .LogError(e, "MLflow API error on {Method} {Path}", context.HttpContext.Request.Method, context.HttpContext.Request.Path);
            }

            return Error(status, code, message);
        }
    }

    internal static IResult Error(int status, string code, string message) =>
        Results.Json(new { error_code = code, message }, MlflowJson.Options, statusCode: status);

    internal static IResult Ok(object value) => Results.Json(value, MlflowJson.Options);

    internal static async Task<T> ReadAsync<T>(HttpContext http, int maxBytes = MaxJsonBytes)
        where T : class
    {
        if (http.Request.ContentLength > maxBytes)
        {
            throw new ValidationException("body", $"The request body has {http.Request.ContentLength} bytes; at most {maxBytes} are accepted.");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[16384];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, http.RequestAborted)) > 0)
        {
            buffer.Write(chunk, 0, read);
            if (buffer.Length > maxBytes)
            {
                throw new ValidationException("body", $"The request body is larger than {maxBytes} bytes.");
            }
        }

        if (buffer.Length == 0)
        {
            return JsonSerializer.Deserialize<T>("{}", MlflowJson.Options)!;
        }

        try
        {
            return JsonSerializer.Deserialize<T>(buffer.ToArray(), MlflowJson.Options) ?? throw new MlflowBadRequestException("The request body must be a JSON object.");
        }
        catch (JsonException e)
        {
            throw new MlflowBadRequestException($"Malformed JSON in the request body: {e.Message}");
        }
    }

    internal static string? Query(HttpContext http, string name) => http.Request.Query[name].FirstOrDefault();

    internal static string Required(string? value, string name, bool allowEmpty = false) =>
        value is null || (!allowEmpty && value.Length == 0) ? throw new ValidationException(name, $"Missing value for required parameter '{name}'.") : value;

    private static Guid RunId(string? value) =>
        string.IsNullOrEmpty(value) ? throw new ValidationException("run_id", "Missing value for required parameter 'run_id'.") : TrackingService.ParseRunId(value);

    internal static Dictionary<string, string>? Tags(List<TagBody>? tags)
    {
        if (tags is null)
        {
            return null;
        }

        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var tag in tags)
        {
            result[Required(tag.Key, "key")] = tag.Value ?? string.Empty;
        }

        return result;
    }
}

internal sealed class MlflowBadRequestException(string message) : Exception(message);

/// <summary>Serves artifact bytes safely: never sniffed, sandboxed, and only images and plain text shown inline.</summary>
internal static class ArtifactResults
{
    public static IResult File(HttpContext http, RunArtifact artifact, Stream content, bool inline)
    {
        http.Response.Headers["X-Content-Type-Options"] = "nosniff";
        http.Response.Headers["Content-Security-Policy"] = "sandbox; default-src 'none'; img-src 'self'; style-src 'unsafe-inline'";
        var type = ArtifactService.GuessContentType(artifact.Path);
        var safeInline = inline && type is "image/png" or "image/jpeg" or "image/gif" or "image/webp" or "text/plain" or "text/csv" or "application/json";
        var served = safeInline ? (type.StartsWith("text/", StringComparison.Ordinal) ? type + "; charset=utf-8" : type) : "application/octet-stream";
        return Results.Stream(content, served, safeInline ? null : artifact.Path[(artifact.Path.LastIndexOf('/') + 1)..], enableRangeProcessing: false);
    }
}
