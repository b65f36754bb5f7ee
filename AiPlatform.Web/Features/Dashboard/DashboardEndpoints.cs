using AiPlatform.Core.Dashboard;
using AiPlatform.Web.Features.Jobs;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiPlatform.Web.Features.Dashboard;

public static class DashboardEndpoints
{
    public static RouteGroupBuilder MapDashboardEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/dashboard").WithTags("Dashboard");
        group.MapGet("/", GetAsync).WithName("GetDashboard").WithSummary("Job counts by status and day, storage usage and recent jobs.");
        return group;
    }

    static async Task<Ok<DashboardView>> GetAsync(DashboardService dashboard, CancellationToken ct) =>
        TypedResults.Ok(DashboardView.From(await dashboard.GetAsync(ct)));
}
