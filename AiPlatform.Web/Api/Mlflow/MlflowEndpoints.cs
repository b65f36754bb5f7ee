using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Storage;
using AiPlatform.Core.Tracking;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiPlatform.Web.Api.Mlflow;

/// <summary>
/// The MLflow tracking REST API (2.0) and the proxied artifact API, so an unmodified MLflow client pointed at the
/// platform (<c>MLFLOW_TRACKING_URI</c>, with <c>MLFLOW_TRACKING_TOKEN</c> or a user name and password) logs into it
/// under the platform's permissions. GET fields come as query parameters, the rest as JSON; errors are MLflow's
/// <c>{"error_code", "message"}</c> with its HTTP statuses.
/// </summary>
public static partial class MlflowEndpoints
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
            Name(g.MapPost("/experiments/delete", DeleteExperimentAsync), "DeleteExperiment");
            Name(g.MapPost("/experiments/restore", RestoreExperimentAsync), "RestoreExperiment");
            Name(g.MapPost("/experiments/set-experiment-tag", SetExperimentTagAsync), "SetExperimentTag");
            Name(g.MapPost("/experiments/delete-experiment-tag", DeleteExperimentTagAsync), "DeleteExperimentTag");

            Name(g.MapPost("/runs/create", CreateRunAsync), "CreateRun");
            Name(g.MapGet("/runs/get", GetRunAsync), "GetRun");
            Name(g.MapPost("/runs/update", UpdateRunAsync), "UpdateRun");
            Name(g.MapPost("/runs/delete", DeleteRunAsync), "DeleteRun");
            Name(g.MapPost("/runs/restore", RestoreRunAsync), "RestoreRun");
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
            MapLoggedModels(g, Name);
            MlflowRegistryEndpoints.Map(g, named);
            g.MapFallback(EndpointNotServed).ExcludeFromDescription();
        }

        app.MapMlflowTraceEndpoints();
        var artifacts = app.MapGroup("/api/2.0/mlflow-artifacts").WithTags("MLflow").AddEndpointFilter(MlflowErrors).DisableAntiforgery();
        artifacts.MapGet("/artifacts", ListProxiedArtifactsAsync).WithName("MlflowListProxiedArtifacts").WithSummary("Lists ?path=<experiment>/<run>/artifacts[/folder]; paths are base names.");
        artifacts.MapPut("/artifacts/{**path}", UploadArtifactAsync).WithName("MlflowUploadArtifact").WithSummary("Stores the raw body at <experiment>/<run>/artifacts/<path>.");
        artifacts.MapGet("/artifacts/{**path}", DownloadArtifactAsync).WithName("MlflowDownloadArtifact");
        artifacts.MapDelete("/artifacts/{**path}", DeleteArtifactAsync).WithName("MlflowDeleteArtifact");
        artifacts.MapFallback(ArtifactEndpointNotServed).ExcludeFromDescription();
    }

    // ---- plumbing ----

    internal static async ValueTask<object?> MlflowErrors(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
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

    private static IResult EndpointNotServed() =>
        Error(StatusCodes.Status404NotFound, "ENDPOINT_NOT_FOUND", "This MLflow API endpoint is not served by AiPlatform.");

    private static IResult ArtifactEndpointNotServed() =>
        Error(StatusCodes.Status404NotFound, "ENDPOINT_NOT_FOUND", "This MLflow artifacts endpoint is not served by AiPlatform (multipart upload is not; unset MLFLOW_ENABLE_PROXY_MULTIPART_UPLOAD).");

    internal static IResult Error(int status, string code, string message) =>
        Results.Json(new { error_code = code, message }, MlflowJson.Options, statusCode: status);

    internal static JsonHttpResult<object> Ok(object value) => TypedResults.Json(value, MlflowJson.Options);

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
        string.IsNullOrEmpty(value) ? throw new ValidationException("run_id", "Missing value for required parameter 'run_id'.") : RunService.ParseRunId(value);

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
