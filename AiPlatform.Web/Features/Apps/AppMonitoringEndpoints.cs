using AiPlatform.Core.Apps;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiPlatform.Web.Features.Apps;

/// <summary>Monitoring of an app: runs, errors, latency overall and per node, tokens by model, per API key (Write and above), chart buckets.</summary>
public static class AppMonitoringEndpoints
{
    public static RouteGroupBuilder MapAppMonitoringEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/apps").WithTags("Apps");
        group.MapGet("/{id:guid}/monitoring", GetAsync).WithName("GetAppMonitoring")
            .WithSummary("The app's runs over window (1h, 24h (default), 7d, 30d), optionally of one version: counts, error rate, p50/p95 latency overall and per node, tokens by model, per API key (Write and above; null for Read), buckets for charts. At most the newest 20,000 runs of the window (truncated says when there were more).");
        return group;
    }

    static async Task<Ok<AppMonitoringReport>> GetAsync(Guid id, AppMonitoringService monitoring, CancellationToken ct, string? window = null, int? version = null) =>
        TypedResults.Ok(await monitoring.GetAsync(id, window, version, ct));
}
