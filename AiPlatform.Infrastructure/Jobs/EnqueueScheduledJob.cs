using AiPlatform.Core.Jobs;
using Hangfire;

namespace AiPlatform.Infrastructure.Jobs;

/// <summary>Target of Hangfire recurring jobs: each tick creates a platform job record of the given kind.</summary>
public sealed class EnqueueScheduledJob(JobService jobs)
{
    [AutomaticRetry(Attempts = 1)]
    [JobDisplayName("Schedule {0}")]
    public Task RunAsync(string kind, CancellationToken ct) => jobs.EnqueueAsync(new JobRequest(kind, "Scheduled", TitleText: JobText.Of("JobTitle.Scheduled")), "scheduler", ct);
}
