using System.Globalization;
using System.Reflection;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Registry;
using AiPlatform.Core.Serving;
using Microsoft.AspNetCore.Mvc;

namespace AiPlatform.Web.Api.Oip;

/// <summary>
/// The Open Inference Protocol v2 (KServe / Triton) under <c>/v2</c>: health (open for probes), server and model
/// metadata, model readiness and infer. Errors are <c>{"error": "..."}</c> with 400 (client's mistake), 404 (unknown
/// or invisible model) and 503 (not ready). Calls for endpoints on Triton are forwarded to it after the same checks.
/// </summary>
public static class OipEndpoints
{
    public const long MaxBodyBytes = 64L * 1024 * 1024;

    public static void MapOipEndpoints(this IEndpointRouteBuilder app)
    {
        var health = app.MapGroup("/v2/health").WithTags("Inference (OIP v2)").AllowAnonymous();
        health.MapGet("/live", Live).WithName("OipServerLive").WithSummary("200 while the server process runs.");
        health.MapGet("/ready", Ready).WithName("OipServerReady").WithSummary("200 when the server takes requests.");

        var v2 = app.MapGroup("/v2").WithTags("Inference (OIP v2)").AddEndpointFilter(OipErrors).DisableAntiforgery();
        v2.MapGet("/", ServerMetadata).WithName("OipServerMetadata");
        v2.MapGet("/models/{name}", ModelMetadataAsync).WithName("OipModelMetadata");
        v2.MapGet("/models/{name}/versions/{version:int}", VersionMetadataAsync).WithName("OipModelVersionMetadata");
        v2.MapGet("/models/{name}/ready", ModelReadyAsync).WithName("OipModelReady");
        v2.MapGet("/models/{name}/versions/{version:int}/ready", VersionReadyAsync).WithName("OipModelVersionReady");
        v2.MapPost("/models/{name}/infer", ModelInferAsync)
            .WithName("OipInfer").WithSummary("Infer with JSON tensors (FP32, FP64, INT32, INT64, BOOL, BYTES; flat or nested data).")
            .Accepts<JsonElement>("application/json").WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes));
        v2.MapPost("/models/{name}/versions/{version:int}/infer", VersionInferAsync)
            .WithName("OipInferVersion").Accepts<JsonElement>("application/json").WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes));
        v2.MapFallback(() => Error(StatusCodes.Status404NotFound, "No inference API endpoint matches this path.")).ExcludeFromDescription();
    }

    private static IResult Live() => TypedResults.Ok();

    /// <summary>Ready once the inference runtime can be resolved (the parameter makes the route resolve it).</summary>
    private static IResult Ready(IInferenceRuntime _) => TypedResults.Ok();

    private static IResult ServerMetadata() => TypedResults.Json(new
    {
        name = "aiplatform",
        version = typeof(OipEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0",
        extensions = Array.Empty<string>(),
    });

    private static Task<IResult> ModelMetadataAsync(string name, EndpointReader r, InferenceService d, CancellationToken ct) => MetadataAsync(name, null, r, d, ct);

    private static Task<IResult> VersionMetadataAsync(string name, int version, EndpointReader r, InferenceService d, CancellationToken ct) => MetadataAsync(name, version, r, d, ct);

    private static Task<IResult> ModelReadyAsync(string name, InferenceService d, CancellationToken ct) => ReadyAsync(name, null, d, ct);

    private static Task<IResult> VersionReadyAsync(string name, int version, InferenceService d, CancellationToken ct) => ReadyAsync(name, version, d, ct);

    private static Task<IResult> ModelInferAsync(string name, HttpContext http, InferenceService d, EndpointForwarder f) => InferAsync(name, null, http, d, f);

    private static Task<IResult> VersionInferAsync(string name, int version, HttpContext http, InferenceService d, EndpointForwarder f) => InferAsync(name, version, http, d, f);

    private static async Task<IResult> MetadataAsync(string name, int? version, EndpointReader endpoints, InferenceService deployments, CancellationToken ct)
    {
        var view = await endpoints.GetByNameAsync(name, ct);
        var e = view.Endpoint;
        int[] versions = e.CanaryVersion is { } c ? [e.Version, c] : [e.Version];
        if (version is { } v && !versions.Contains(v))
        {
            throw new NotFoundException("Model version", $"{name}/{v}");
        }

        var signature = deployments.SignatureOf(name, version ?? e.Version) ?? view.Signature;
        return TypedResults.Json(new
        {
            name,
            versions = versions.Select(x => x.ToString(CultureInfo.InvariantCulture)).ToArray(),
            platform = "onnxruntime_onnx",
            inputs = Specs(signature?.Inputs),
            outputs = Specs(signature?.Outputs),
        });
    }

    private static async Task<IResult> ReadyAsync(string name, int? version, InferenceService deployments, CancellationToken ct) =>
        await deployments.IsReadyAsync(name, version, ct) ? TypedResults.Ok() : Error(StatusCodes.Status400BadRequest, "Model version not ready.");

    private static async Task<IResult> InferAsync(string name, int? version, HttpContext http, InferenceService deployments, EndpointForwarder forwarder)
    {
        var ct = http.RequestAborted;

        // The endpoint, the caller's right to read it and its readiness are checked once for the whole call.
        var route = await deployments.ReadableRouteAsync(name, ct);
        if (await forwarder.ForwardInferAsync(route, version, http.Request.Body, ct) is { } forwarded)
        {
            return await RelayAsync(http, forwarded);
        }

        using var body = await JsonDocument.ParseAsync(http.Request.Body, default, ct);
        var request = OipJson.ReadRequest(body.RootElement);
        var result = await deployments.InferAsync(route, version, request, ct);
        http.Response.ContentType = "application/json";
        await using (var writer = new Utf8JsonWriter(http.Response.BodyWriter))
        {
            OipJson.WriteResult(writer, result);
        }

        await http.Response.BodyWriter.FlushAsync(ct);
        return TypedResults.Empty;
    }

    /// <summary>Writes Triton's answer to a forwarded call as it is: status, content type and body.</summary>
    private static async Task<IResult> RelayAsync(HttpContext http, ForwardedResponse forwarded)
    {
        using (forwarded)
        {
            http.Response.StatusCode = forwarded.StatusCode;
            http.Response.ContentType = forwarded.ContentType ?? "application/json";
            await forwarded.Content.CopyToAsync(http.Response.Body, http.RequestAborted);
        }

        return TypedResults.Empty;
    }

    private static object[] Specs(IReadOnlyList<TensorSpec>? specs) =>
        specs is null ? [] : [.. specs.Select(s => new { name = s.Name, datatype = s.DataType, shape = s.Shape })];

    private static IResult Error(int status, string message) => TypedResults.Json(new { error = message }, statusCode: status);

    private static async ValueTask<object?> OipErrors(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (Exception e) when (e is not OperationCanceledException || !context.HttpContext.RequestAborted.IsCancellationRequested)
        {
            var (status, message) = e switch
            {
                NotFoundException => (404, e.Message),
                InferenceInputException or ValidationException or JsonException or BadHttpRequestException => (400, e.Message),
                EndpointUnavailableException => (503, e.Message),
                ForbiddenException => (403, e.Message),
                _ => (500, $"An unexpected error occurred; quote the correlation id {context.HttpContext.TraceIdentifier} when reporting it."),
            };
            if (status == 500)
            {
                context.HttpContext.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OipEndpoints))
                    .LogError(e, "Inference API error on {Method} {Path}", context.HttpContext.Request.Method, context.HttpContext.Request.Path);
            }

            return Error(status, message);
        }
    }
}
