using Microsoft.Extensions.Logging;

namespace AiPlatform.Core.Jobs;

/// <summary>
/// Run at start: puts every job that a crash left Queued back on the executor, and ends or re-queues
/// the ones left Running, so that no record stays stuck.
/// </summary>
public sealed class JobRecovery(
    IJobStore store,
    IJobDispatcher dispatcher,
    JobHandlerRegistry handlers,
    JobSettings settings,
    TimeProvider time,
    ILogger<JobRecovery> logger)
{
    public const string InterruptedError = "interrupted";

    public async Task<int> RecoverAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var recovered = 0;
        foreach (var job in await store.ListUnfinishedAsync(ct))
        {
            if (job.Status == JobStatus.Queued)
            {
                dispatcher.Dispatch(job.Id);
                recovered++;
                continue;
            }

            var stale = settings.SingleNode || (job.HeartbeatAt ?? job.StartedAt ?? job.CreatedAt) < now - settings.StaleAfter;
            if (job.Status != JobStatus.Running || !stale)
            {
                continue;
            }

            if (handlers.Find(job.Kind) is { RestartOnInterrupt: true } && await store.RequeueAsync(job.Id, ct))
            {
                await store.AppendLogAsync(job.Id, JobLogLevel.Warning, "Interrupted by a restart; queued again.", now, ct);
                dispatcher.Dispatch(job.Id);
            }
            else if (await store.CompleteAsync(job.Id, JobStatus.Failed, InterruptedError, now, ct))
            {
                await store.AppendLogAsync(job.Id, JobLogLevel.Error, "Interrupted by a restart.", now, ct);
            }

            recovered++;
        }

        if (recovered > 0)
        {
            logger.LogWarning("Recovered {Count} unfinished jobs at start", recovered);
        }

        return recovered;
    }
}
