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
            .WithName("OipInfer").WithSummary("Infer with JSON tensors (FP32, FP64, INT32, INT64, BOOL, BYTES; flat or nested data) or binary tensor data (Inference-Header-Content-Length).")
            .Accepts<JsonElement>("application/json", "application/octet-stream").WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes));
        v2.MapPost("/models/{name}/versions/{version:int}/infer", VersionInferAsync)
            .WithName("OipInferVersion").Accepts<JsonElement>("application/json", "application/octet-stream").WithMetadata(new RequestSizeLimitAttribute(MaxBodyBytes));
        v2.MapFallback(() => Error(StatusCodes.Status404NotFound, "No inference API endpoint matches this path.")).ExcludeFromDescription();
    }

    private static IResult Live() => TypedResults.Ok();

    /// <summary>Ready once the inference runtime can be resolved (the parameter makes the route resolve it).</summary>
    private static IResult Ready(IInferenceRuntime _) => TypedResults.Ok();

    private static IResult ServerMetadata() => TypedResults.Json(new
    {
        name = "aiplatform",
        version = typeof(OipEndpoints).Assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "0",
        extensions = new[] { OipBinary.Extension },
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
        var headerLength = HeaderLength(http.Request);
        if (await forwarder.ForwardInferAsync(route, version, new ForwardedBody(http.Request.Body, http.Request.ContentType, headerLength), ct) is { } forwarded)
        {
            return await RelayAsync(http, forwarded);
        }

        OipInferRequest request;
        if (headerLength is { } jsonLength)
        {
            // Binary tensor data: the JSON header, then the tensors' raw bytes.
            var body = await ReadBodyAsync(http.Request, ct);
            if (jsonLength > body.Length)
            {
                throw OipBinary.Malformed($"{OipBinary.HeaderLengthHeader} is {jsonLength}; the body has only {body.Length} bytes.");
            }

            using var header = JsonDocument.Parse(body.AsMemory(0, (int)jsonLength));
            request = OipJson.ReadInferRequest(header.RootElement, body.AsMemory((int)jsonLength));
        }
        else
        {
            using var body = await JsonDocument.ParseAsync(http.Request.Body, default, ct);
            request = OipJson.ReadInferRequest(body.RootElement, null);
        }

        var result = await deployments.InferAsync(route, version, request.Request, ct);
        if (request.AnyBinary(result.Outputs))
        {
            await WriteBinaryAsync(http.Response, result, request, ct);
            return TypedResults.Empty;
        }

        http.Response.ContentType = "application/json";
        await using (var writer = new Utf8JsonWriter(http.Response.BodyWriter))
        {
            OipJson.WriteResult(writer, result);
        }

        await http.Response.BodyWriter.FlushAsync(ct);
        return TypedResults.Empty;
    }

    /// <summary>The binary extension's header, or null when the request is plain JSON.</summary>
    private static long? HeaderLength(HttpRequest request)
    {
        if (!request.Headers.TryGetValue(OipBinary.HeaderLengthHeader, out var values))
        {
            return null;
        }

        return values.Count == 1 && long.TryParse(values[0], NumberStyles.None, CultureInfo.InvariantCulture, out var length) && length <= MaxBodyBytes
            ? length
            : throw OipBinary.Malformed($"{OipBinary.HeaderLengthHeader} must be one length in bytes (at most {MaxBodyBytes}); it is '{values}'.");
    }

    /// <summary>The whole body of a binary request, within <see cref="MaxBodyBytes"/> (413 beyond, as for JSON).</summary>
    private static async Task<byte[]> ReadBodyAsync(HttpRequest request, CancellationToken ct)
    {
        if (request.ContentLength > MaxBodyBytes)
        {
            throw new BadHttpRequestException($"The request body is larger than {MaxBodyBytes} bytes.", StatusCodes.Status413PayloadTooLarge);
        }

        using var buffer = new MemoryStream(request.ContentLength is { } known ? (int)known : 64 * 1024);
        var chunk = new byte[81920];
        int read;
        while ((read = await request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > MaxBodyBytes)
            {
                throw new BadHttpRequestException($"The request body is larger than {MaxBodyBytes} bytes.", StatusCodes.Status413PayloadTooLarge);
            }

            buffer.Write(chunk, 0, read);
        }

        return buffer.Length == buffer.Capacity ? buffer.GetBuffer() : buffer.ToArray();
    }

    /// <summary>The JSON header (its length in <see cref="OipBinary.HeaderLengthHeader"/>), then the binary outputs' bytes in their order.</summary>
    private static async Task WriteBinaryAsync(HttpResponse response, InferenceResult result, OipInferRequest request, CancellationToken ct)
    {
        var header = new System.Buffers.ArrayBufferWriter<byte>();
        await using (var writer = new Utf8JsonWriter(header))
        {
            OipJson.WriteResult(writer, result, request);
        }

        var binary = result.Outputs.Where(o => request.IsBinary(o.Name)).ToList();
        response.ContentType = "application/octet-stream";
        response.Headers[OipBinary.HeaderLengthHeader] = header.WrittenCount.ToString(CultureInfo.InvariantCulture);
        response.ContentLength = header.WrittenCount + binary.Sum(o => OipBinary.SizeOf(o.Data));
        await response.BodyWriter.WriteAsync(header.WrittenMemory, ct);
        foreach (var output in binary)
        {
            OipBinary.Write(response.BodyWriter, output.Data);
            await response.BodyWriter.FlushAsync(ct);
        }
    }

    /// <summary>Writes Triton's answer to a forwarded call as it is: status, content type and body.</summary>
    private static async Task<IResult> RelayAsync(HttpContext http, ForwardedResponse forwarded)
    {
        using (forwarded)
        {
            http.Response.StatusCode = forwarded.StatusCode;
            http.Response.ContentType = forwarded.ContentType ?? "application/json";
            if (forwarded.InferenceHeaderLength is { } length)
            {
                http.Response.Headers[OipBinary.HeaderLengthHeader] = length.ToString(CultureInfo.InvariantCulture);
            }

            await forwarded.Content.CopyToAsync(http.Response.Body, http.RequestAborted);
        }

        return TypedResults.Empty;
    }

    private static object[] Specs(IReadOnlyList<TensorSpec>? specs) =>
        specs is null ? [] : [.. specs.Select(s => new { name = s.Name, datatype = s.DataType, shape = s.Shape })];

    private static IResult Error(int status, string message) => TypedResults.Json(new { error = message }, statusCode: status);

    /// <summary>
    /// An error as problem details that also carries the protocol's <c>error</c> member, so OIP clients (tritonclient
    /// reads <c>error</c>) and platform clients (they switch on <c>type</c>) both understand it.
    /// </summary>
    private static IResult Problem(int status, string type, string message) => TypedResults.Json(
        new { type, title = message, status, detail = message, error = message },
        contentType: "application/problem+json",
        statusCode: status);

    private static async ValueTask<object?> OipErrors(EndpointFilterInvocationContext context, EndpointFilterDelegate next)
    {
        try
        {
            return await next(context);
        }
        catch (Exception e) when (e is not OperationCanceledException || !context.HttpContext.RequestAborted.IsCancellationRequested)
        {
            if (e is BinaryTensorException binary)
            {
                return Problem(StatusCodes.Status400BadRequest, ProblemTypes.For(binary.Code), binary.Message);
            }

            if (e is BadHttpRequestException { StatusCode: StatusCodes.Status413PayloadTooLarge } tooLarge)
            {
                return Problem(StatusCodes.Status413PayloadTooLarge, ProblemTypes.ForStatus(StatusCodes.Status413PayloadTooLarge), tooLarge.Message);
            }

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
