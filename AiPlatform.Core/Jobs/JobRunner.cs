using Microsoft.Extensions.Logging;

namespace AiPlatform.Core.Jobs;

/// <summary>
/// Executes one job record: claims it, runs its handler with progress, heartbeat and cancellation,
/// and records the outcome. Running the same id twice is harmless: only one run can claim it.
/// </summary>
public sealed class JobRunner(
    IJobStore store,
    JobHandlerRegistry handlers,
    JobCancellationRegistry cancellations,
    JobSettings settings,
    JobRecovery recovery,
    JobMetrics metrics,
    TimeProvider time,
    ILogger<JobRunner> logger)
{
    public async Task RunAsync(Guid jobId, CancellationToken shutdown)
    {
        var job = await store.FindAsync(jobId, CancellationToken.None);
        if (job is null || job.Status != JobStatus.Queued)
        {
            logger.LogDebug("Job {JobId} is not queued ({Status}); nothing to run", jobId, job?.Status);
            return;
        }

        if (!await store.TryStartAsync(jobId, settings.Node, time.GetUtcNow(), CancellationToken.None))
        {
            return;
        }

        job.NodeId = settings.Node.Id;
        job.Incarnation = settings.Node.Incarnation;

        var started = time.GetUtcNow();
        var handler = handlers.Find(job.Kind);
        if (handler is null)
        {
            await FinishAsync(job, JobStatus.Failed, $"No handler is registered for job kind '{job.Kind}'.", started);
            return;
        }

        metrics.Started(job.Kind);
        using var cts = CancellationTokenSource.CreateLinkedTokenSource(shutdown);
        cancellations.Register(jobId, cts, true);
        using var watcherStop = new CancellationTokenSource();
        var watch = new WatchState();
        var watcher = WatchAsync(jobId, settings.Node.Incarnation, cts, watch, watcherStop.Token);
        try
        {
            await store.AppendLogAsync(jobId, JobLogLevel.Info, $"Started (attempt {job.Attempts + 1}).", JobText.Of("JobLog.Started", job.Attempts + 1), started, CancellationToken.None);
            await handler.RunAsync(new JobExecutionContext(job, store, time, shutdown), cts.Token);
            watch.Finishing = true;
            if (!watch.Lost)
            {
                await store.ReportProgressAsync(jobId, 1, null, time.GetUtcNow(), CancellationToken.None);
                await FinishAsync(job, JobStatus.Succeeded, null, started);
            }
        }
        catch (OperationCanceledException) when (watch.Lost)
        {
            // Another node settled the job while this one was silent: the record is no longer this runner's to write.
        }
        catch (OperationCanceledException) when (cts.IsCancellationRequested && !shutdown.IsCancellationRequested)
        {
            watch.Finishing = true;
            await FinishAsync(job, JobStatus.Cancelled, null, started);
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
            watch.Finishing = true;
            await recovery.SettleAsync(job, "the platform shut down", staleBefore: null, dispatch: false, CancellationToken.None);
        }
        catch (Exception ex) when (!watch.Lost)
        {
            watch.Finishing = true;
            logger.LogError(ex, "Job {JobId} ({Kind}) failed", jobId, job.Kind);
            await store.AppendLogAsync(jobId, JobLogLevel.Error, ex.Message, time.GetUtcNow(), CancellationToken.None);
            await FinishAsync(job, JobStatus.Failed, ex.Message, started);
        }
        catch (Exception ex)
        {
            logger.LogWarning(ex, "Job {JobId} ({Kind}) failed after another node had settled it", jobId, job.Kind);
        }
        finally
        {
            cancellations.Remove(jobId);
            await watcherStop.CancelAsync();
            await watcher;
        }
    }

    private async Task FinishAsync(JobRecord job, JobStatus status, string? error, DateTimeOffset started)
    {
        var now = time.GetUtcNow();
        if (await store.CompleteClaimAsync(job.Id, settings.Node.Incarnation, job.Attempts + 1, status, error, now, CancellationToken.None))
        {
            await store.AppendLogAsync(job.Id, status == JobStatus.Failed ? JobLogLevel.Error : JobLogLevel.Info, $"Finished: {status}.", JobText.Of($"JobLog.Finished.{status}"), now, CancellationToken.None);
            metrics.Finished(job.Kind, status, now - started);
        }
    }

    /// <summary>
    /// Every poll interval: refreshes the heartbeat and looks for a cancel request. A failed round is retried at the
    /// next tick (a heartbeat that stopped for good would let another node settle a live job). When the record is no
    /// longer Running under this incarnation, another node settled it: the handler is stopped.
    /// </summary>
    private async Task WatchAsync(Guid jobId, Guid incarnation, CancellationTokenSource job, WatchState state, CancellationToken stop)
    {
        using var timer = new PeriodicTimer(settings.PollInterval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stop))
            {
                try
                {
                    if (!await store.HeartbeatAsync(jobId, incarnation, time.GetUtcNow(), stop))
                    {
                        if (!state.Finishing)
                        {
                            state.Lost = true;
                            logger.LogWarning("Job {JobId} was settled by another node while this one ran it (its heartbeat was missed); stopping it here", jobId);
                            await job.CancelAsync();
                        }

                        return;
                    }

                    if (await store.IsCancelRequestedAsync(jobId, stop))
                    {
                        await job.CancelAsync();
                    }
                }
                catch (Exception ex) when (ex is not OperationCanceledException || !stop.IsCancellationRequested)
                {
                    logger.LogWarning(ex, "Heartbeat of job {JobId} failed; trying again in {Interval}", jobId, settings.PollInterval);
                }
            }
        }
        catch (OperationCanceledException)
        {
        }
    }

    private sealed class WatchState
    {
        public volatile bool Finishing;
        public volatile bool Lost;
    }
}
