using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Registry;
using AiPlatform.Core.Serving;
using AiPlatform.Web.Api;
using AiPlatform.Web.Api.Oip;
using AiPlatform.Web.Features.Access;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;

namespace AiPlatform.Web.Features.Serving;

/// <summary>The platform's deployment API: endpoints, canary, promote, rollback, roll, settings, history, metrics and record-style predict.</summary>
public static class ServingEndpoints
{
    public static RouteGroupBuilder MapServingEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/endpoints").WithTags("Endpoints");
        group.MapGet("/", ListAsync).WithName("ListEndpoints");
        group.MapPost("/", DeployAsync).WithName("DeployEndpoint").WithSummary("Deploys a READY ONNX version (target \"3\" or \"@champion\"; empty: the latest READY) to a new endpoint.");
        group.MapGet("/{id:guid}", GetAsync).WithName("GetEndpoint");
        group.MapPut("/{id:guid}/settings", UpdateSettingsAsync).WithName("UpdateEndpointSettings").WithSummary("Threads, dynamic batching, replicas, alias following and payload logging; the models are reloaded.");
        group.MapPost("/{id:guid}/roll", RollAsync).WithName("RollEndpoint").WithSummary("Serves another version; the new one is loaded before traffic moves, the old one unloaded after its requests finish.");
        group.MapPost("/{id:guid}/canary", SetCanaryAsync).WithName("SetEndpointCanary").WithSummary("Sends percent of the traffic to another version.");
        group.MapPost("/{id:guid}/promote", PromoteAsync).WithName("PromoteEndpointCanary");
        group.MapPost("/{id:guid}/rollback", RollbackAsync).WithName("RollbackEndpoint").WithSummary("Drops the canary, or returns to the previous version.");
        group.MapDelete("/{id:guid}", DeleteAsync).WithName("DeleteEndpoint");
        group.MapGet("/{id:guid}/events", ListEventsAsync)
            .WithName("ListEndpointEvents").WithSummary("Deployment history: deploy, canary, promote, rollback, roll, settings, failures.");
        group.MapGet("/{id:guid}/metrics", MetricsAsync)
            .WithName("GetEndpointMetrics").WithSummary("Requests, errors, QPS, p50/p95/p99 latency and batch sizes per version, this node, window 1h or 1d.");
        group.MapPost("/{name}/predict", PredictAsync)
            .WithName("PredictRecords").WithSummary("Record-style inference for tabular models: [{\"column\": value}, ...] in, one prediction per record out.")
            .WithMetadata(new RequestSizeLimitAttribute(OipEndpoints.MaxBodyBytes));
        group.MapGrantEndpoints(SecurableTypes.Endpoint, "Endpoint");
        return group;
    }

    static async Task<Ok<Paged<ServingEndpoint>>> ListAsync(EndpointReader d, [AsParameters] PageQuery paging, CancellationToken ct, string? q = null)
    {
        var request = paging.ToRequest(500);
        var (items, total) = await d.ListAsync(q, request.Skip, request.Take, ct);
        return TypedResults.Ok(Paged<ServingEndpoint>.Of(items, total, request));
    }

    static async Task<Created<EndpointDto>> DeployAsync(DeploySpec body, DeploymentService d, EndpointReader r, CancellationToken ct)
    {
        var endpoint = await d.DeployAsync(body, ct);
        return TypedResults.Created($"/api/v1/endpoints/{endpoint.Id}", EndpointDto.From(await r.GetAsync(endpoint.Id, ct)));
    }

    static async Task<Ok<EndpointDto>> GetAsync(Guid id, EndpointReader r, CancellationToken ct) =>
        TypedResults.Ok(EndpointDto.From(await r.GetAsync(id, ct)));

    static async Task<Ok<EndpointDto>> UpdateSettingsAsync(Guid id, EndpointSettings body, DeploymentService d, EndpointReader r, CancellationToken ct)
    {
        await d.UpdateSettingsAsync(id, body, ct);
        return TypedResults.Ok(EndpointDto.From(await r.GetAsync(id, ct)));
    }

    static async Task<Ok<EndpointDto>> RollAsync(Guid id, TargetRequest body, RolloutService d, EndpointReader r, CancellationToken ct)
    {
        await d.RollAsync(id, body.Target, ct);
        return TypedResults.Ok(EndpointDto.From(await r.GetAsync(id, ct)));
    }

    static async Task<Ok<EndpointDto>> SetCanaryAsync(Guid id, CanaryRequest body, RolloutService d, EndpointReader r, CancellationToken ct)
    {
        await d.SetCanaryAsync(id, body.Target, body.Percent, ct);
        return TypedResults.Ok(EndpointDto.From(await r.GetAsync(id, ct)));
    }

    static async Task<Ok<EndpointDto>> PromoteAsync(Guid id, RolloutService d, EndpointReader r, CancellationToken ct)
    {
        await d.PromoteAsync(id, ct);
        return TypedResults.Ok(EndpointDto.From(await r.GetAsync(id, ct)));
    }

    static async Task<Ok<EndpointDto>> RollbackAsync(Guid id, RolloutService d, EndpointReader r, CancellationToken ct)
    {
        await d.RollbackAsync(id, ct);
        return TypedResults.Ok(EndpointDto.From(await r.GetAsync(id, ct)));
    }

    static async Task<NoContent> DeleteAsync(Guid id, DeploymentService d, CancellationToken ct)
    {
        await d.DeleteAsync(id, ct);
        return TypedResults.NoContent();
    }

    static async Task<Ok<IReadOnlyList<EndpointEvent>>> ListEventsAsync(Guid id, EndpointReader d, CancellationToken ct) =>
        TypedResults.Ok(await d.ListEventsAsync(id, ct));

    static async Task<Ok<EndpointMetrics>> MetricsAsync(Guid id, EndpointReader d, ServingMetrics metrics, CancellationToken ct, string window = "1h")
    {
        var view = await d.GetAsync(id, ct);
        var span = window == "1d" ? TimeSpan.FromDays(1) : TimeSpan.FromHours(1);
        return TypedResults.Ok(new EndpointMetrics(metrics.Summary(view.Endpoint.Name, span), metrics.Series(view.Endpoint.Name, span)));
    }

    static async Task<Ok<PredictResponse>> PredictAsync(string name, [FromBody] List<Dictionary<string, JsonElement>> records, InferenceService d, CancellationToken ct)
    {
        var (version, predictions) = await d.PredictAsync(name, [.. records.Select(r => (IReadOnlyDictionary<string, JsonElement>)r)], ct);
        return TypedResults.Ok(new PredictResponse(name, version, predictions));
    }
}

public sealed record TargetRequest(string? Target);

public sealed record CanaryRequest(string? Target, int Percent);

public sealed record EndpointDto(ServingEndpoint Endpoint, PermissionLevel Permission, string ModelName, ModelSignature? Signature, string InferUrl, string PredictUrl)
{
    public static EndpointDto From(EndpointView v) => new(v.Endpoint, v.Level, v.ModelName, v.Signature, $"/v2/models/{v.Endpoint.Name}/infer", $"/api/v1/endpoints/{v.Endpoint.Name}/predict");
}

public sealed record EndpointMetrics(IReadOnlyList<ServingSummary> Summary, IReadOnlyList<ServingPoint> Series);

public sealed record PredictResponse(string Endpoint, int Version, IReadOnlyList<Dictionary<string, object?>> Predictions);
