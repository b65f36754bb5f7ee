using AiPlatform.Core.Jobs;
using AiPlatform.Web.Api;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiPlatform.Web.Features.Jobs;

public static class JobEndpoints
{
    public static RouteGroupBuilder MapJobEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/jobs").WithTags("Jobs");
        group.MapGet("/", ListAsync).WithName("ListJobs").WithSummary("Lists jobs, newest first, with optional status, kind and text filters.");
        group.MapGet("/kinds", ListKindsAsync).WithName("ListJobKinds").WithSummary("Job kinds that may be started directly.");
        group.MapPost("/", StartAsync).WithName("StartJob").WithSummary("Queues a job of a user-startable kind.");
        group.MapGet("/{id:guid}", GetAsync).WithName("GetJob");
        group.MapGet("/{id:guid}/log", GetLogAsync).WithName("GetJobLog").WithSummary("Log lines after the given line id (tail with ?after=<last id>).");
        group.MapPost("/{id:guid}/cancel", CancelAsync).WithName("CancelJob").WithSummary("Cancels a queued job, or asks a running one to stop.");
        return group;
    }

    static async Task<Ok<Paged<JobSummary>>> ListAsync(JobService jobs, [AsParameters] PageQuery paging, CancellationToken ct, JobStatus? status = null, string? kind = null, string? q = null)
    {
        var request = paging.ToRequest();
        var result = await jobs.ListAsync(new JobQuery(status, kind, q, request), ct);
        return TypedResults.Ok(Paged<JobSummary>.Of([.. result.Items.Select(JobSummary.From)], result.TotalCount, request));
    }

    static async Task<Ok<IReadOnlyList<string>>> ListKindsAsync(JobService jobs, CancellationToken ct) => TypedResults.Ok(await jobs.StartableKindsAsync(ct));

    static async Task<Created<JobSummary>> StartAsync(StartJobRequest body, JobService jobs, CancellationToken ct)
    {
        var job = await jobs.StartAsync(new JobRequest(body.Kind ?? string.Empty, body.Title, Parameters: body.Parameters), ct);
        return TypedResults.Created($"/api/v1/jobs/{job.Id}", JobSummary.From(job));
    }

    static async Task<Ok<JobSummary>> GetAsync(Guid id, JobService jobs, CancellationToken ct) =>
        TypedResults.Ok(JobSummary.From(await jobs.GetAsync(id, ct)));

    static async Task<Ok<IReadOnlyList<JobLogLine>>> GetLogAsync(Guid id, JobService jobs, CancellationToken ct, long after = 0, int max = 500)
    {
        var lines = await jobs.GetLogAsync(id, after, max, ct);
        return TypedResults.Ok<IReadOnlyList<JobLogLine>>(lines.Select(JobLogLine.From).ToList());
    }

    static async Task<Ok<JobSummary>> CancelAsync(Guid id, JobService jobs, CancellationToken ct) =>
        TypedResults.Ok(JobSummary.From(await jobs.CancelAsync(id, ct)));
}
