using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Registry;
using AiPlatform.Core.Serving;
using AiPlatform.Web.Features.Access;
using Microsoft.AspNetCore.Mvc;

namespace AiPlatform.Web.Features.Serving;

/// <summary>The platform's deployment API: endpoints, canary, promote, rollback, roll, settings, history, metrics and record-style predict.</summary>
public static class EndpointApi
{
    public static RouteGroupBuilder MapServingEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/endpoints").WithTags("Endpoints");
        group.MapGet("/", async (EndpointReader d, CancellationToken ct, string? q = null, int page = 0, int pageSize = 25) =>
        {
            var size = Math.Clamp(pageSize, 1, 500);
            var (items, total) = await d.ListAsync(q, Math.Max(0, page) * size, size, ct);
            return TypedResults.Ok(new EndpointList(items, total, Math.Max(0, page), size));
        }).WithName("ListEndpoints");
        group.MapPost("/", async (DeploySpec body, DeploymentService d, EndpointReader r, CancellationToken ct) =>
        {
            var endpoint = await d.DeployAsync(body, ct);
            return TypedResults.Created($"/api/v1/endpoints/{endpoint.Id}", EndpointDto.From(await r.GetAsync(endpoint.Id, ct)));
        }).WithName("DeployEndpoint").WithSummary("Deploys a READY ONNX version (target \"3\" or \"@champion\"; empty: the latest READY) to a new endpoint.");
        group.MapGet("/{id:guid}", async (Guid id, EndpointReader r, CancellationToken ct) => TypedResults.Ok(EndpointDto.From(await r.GetAsync(id, ct)))).WithName("GetEndpoint");
        group.MapPut("/{id:guid}/settings", async (Guid id, EndpointSettings body, DeploymentService d, EndpointReader r, CancellationToken ct) =>
        {
            await d.UpdateSettingsAsync(id, body, ct);
            return TypedResults.Ok(EndpointDto.From(await r.GetAsync(id, ct)));
        }).WithName("UpdateEndpointSettings").WithSummary("Threads, dynamic batching, replicas, alias following and payload logging; the models are reloaded.");
        group.MapPost("/{id:guid}/roll", async (Guid id, TargetRequest body, RolloutService d, EndpointReader r, CancellationToken ct) =>
        {
            await d.RollAsync(id, body.Target, ct);
            return TypedResults.Ok(EndpointDto.From(await r.GetAsync(id, ct)));
        }).WithName("RollEndpoint").WithSummary("Serves another version; the new one is loaded before traffic moves, the old one unloaded after its requests finish.");
        group.MapPost("/{id:guid}/canary", async (Guid id, CanaryRequest body, RolloutService d, EndpointReader r, CancellationToken ct) =>
        {
            await d.SetCanaryAsync(id, body.Target, body.Percent, ct);
            return TypedResults.Ok(EndpointDto.From(await r.GetAsync(id, ct)));
        }).WithName("SetEndpointCanary").WithSummary("Sends percent of the traffic to another version.");
        group.MapPost("/{id:guid}/promote", async (Guid id, RolloutService d, EndpointReader r, CancellationToken ct) =>
        {
            await d.PromoteAsync(id, ct);
            return TypedResults.Ok(EndpointDto.From(await r.GetAsync(id, ct)));
        }).WithName("PromoteEndpointCanary");
        group.MapPost("/{id:guid}/rollback", async (Guid id, RolloutService d, EndpointReader r, CancellationToken ct) =>
        {
            await d.RollbackAsync(id, ct);
            return TypedResults.Ok(EndpointDto.From(await r.GetAsync(id, ct)));
        }).WithName("RollbackEndpoint").WithSummary("Drops the canary, or returns to the previous version.");
        group.MapDelete("/{id:guid}", async (Guid id, DeploymentService d, CancellationToken ct) =>
        {
            await d.DeleteAsync(id, ct);
            return TypedResults.NoContent();
        }).WithName("DeleteEndpoint");
        group.MapGet("/{id:guid}/events", async (Guid id, EndpointReader d, CancellationToken ct) => TypedResults.Ok(await d.ListEventsAsync(id, ct)))
            .WithName("ListEndpointEvents").WithSummary("Deployment history: deploy, canary, promote, rollback, roll, settings, failures.");
        group.MapGet("/{id:guid}/metrics", async (Guid id, EndpointReader d, ServingMetrics metrics, CancellationToken ct, string window = "1h") =>
        {
            var view = await d.GetAsync(id, ct);
            var span = window == "1d" ? TimeSpan.FromDays(1) : TimeSpan.FromHours(1);
            return TypedResults.Ok(new EndpointMetrics(metrics.Summary(view.Endpoint.Name, span), metrics.Series(view.Endpoint.Name, span)));
        }).WithName("GetEndpointMetrics").WithSummary("Requests, errors, QPS, p50/p95/p99 latency and batch sizes per version, this node, window 1h or 1d.");
        group.MapPost("/{name}/predict", async (string name, [FromBody] List<Dictionary<string, JsonElement>> records, InferenceService d, CancellationToken ct) =>
        {
            var (version, predictions) = await d.PredictAsync(name, [.. records.Select(r => (IReadOnlyDictionary<string, JsonElement>)r)], ct);
            return TypedResults.Ok(new PredictResponse(name, version, predictions));
        }).WithName("PredictRecords").WithSummary("Record-style inference for tabular models: [{\"column\": value}, ...] in, one prediction per record out.")
            .WithMetadata(new RequestSizeLimitAttribute(OipEndpoints.MaxBodyBytes));
        group.MapGrantEndpoints(SecurableTypes.Endpoint, "Endpoint");
        return group;
    }
}

public sealed record TargetRequest(string? Target);

public sealed record CanaryRequest(string? Target, int Percent);

public sealed record EndpointList(IReadOnlyList<ServingEndpoint> Items, int TotalCount, int Page, int PageSize);

public sealed record EndpointDto(ServingEndpoint Endpoint, PermissionLevel Permission, string ModelName, ModelSignature? Signature, string InferUrl, string PredictUrl)
{
    public static EndpointDto From(EndpointView v) => new(v.Endpoint, v.Level, v.ModelName, v.Signature, $"/v2/models/{v.Endpoint.Name}/infer", $"/api/v1/endpoints/{v.Endpoint.Name}/predict");
}

public sealed record EndpointMetrics(IReadOnlyList<ServingSummary> Summary, IReadOnlyList<ServingPoint> Series);

public sealed record PredictResponse(string Endpoint, int Version, IReadOnlyList<Dictionary<string, object?>> Predictions);
