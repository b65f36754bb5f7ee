using AiPlatform.Core.Data;
using Hangfire;

namespace AiPlatform.Infrastructure.Jobs;

/// <summary>Hangfire target of a scheduled import: queues the platform's import job for the schedule.</summary>
public sealed class RunScheduledImport(ScheduledImportRunner runner)
{
    [AutomaticRetry(Attempts = 1)]
    [JobDisplayName("Scheduled import {0}")]
    public Task RunAsync(Guid scheduleId, CancellationToken ct) => runner.RunScheduleAsync(scheduleId, ct);
}
