using AiPlatform.Core.Jobs;
using AiPlatform.Core.Tracking;

namespace AiPlatform.Core.Training;

/// <summary>
/// Per-backend queues: while a backend has free slots, its highest-priority, oldest queued run gets a job. Pumped
/// after every submit and every finished run, and periodically (which also settles runs whose job ended while the
/// platform was down, so no run stays Running).
/// </summary>
public sealed class TrainingQueue(ITrainingStore store, IEnumerable<ITrainingBackend> backends, JobService jobs, IJobStore jobStore, RunService tracking, TimeProvider time)
{
    public const string JobKind = "training.run";

    private static readonly SemaphoreSlim Gate = new(1, 1);

    public int MaxConcurrency(TrainingBackendKind backend) =>
        backends.FirstOrDefault(b => b.Kind == backend)?.MaxConcurrency ?? 1;

    public async Task PumpAsync(CancellationToken ct)
    {
        await Gate.WaitAsync(ct);
        try
        {
            var active = await store.ListActiveAsync(ct);
            foreach (var run in active.Where(r => r.JobId is not null))
            {
                await SettleIfJobEndedAsync(run, ct);
            }

            active = await store.ListActiveAsync(ct);
            foreach (var backend in Enum.GetValues<TrainingBackendKind>())
            {
                var free = MaxConcurrency(backend) - active.Count(r => r.Backend == backend);
                if (free <= 0)
                {
                    continue;
                }

                foreach (var run in (await store.ListQueuedAsync(backend, ct)).Take(free))
                {
                    var jobId = Guid.CreateVersion7(time.GetUtcNow());
                    if (await store.TryStartAsync(run.Id, jobId, ct))
                    {
                        await jobs.EnqueueWithIdAsync(jobId, new JobRequest(JobKind, $"Training {run.Name}", "training-run", run.Id.ToString(), null, JobText.Of("JobTitle.Training", run.Name)), run.CreatedBy, null, ct);
                    }
                }
            }
        }
        finally
        {
            Gate.Release();
        }
    }

    /// <summary>
    /// Takes a run out of the queue or stops it: a queued run ends at once as Cancelled with <paramref name="queuedError"/>;
    /// a running one has its job asked to stop on behalf of <paramref name="requestedBy"/> (its process or pod is killed).
    /// </summary>
    internal async Task CancelAsync(TrainingRun run, Common.StoredMessage queuedError, Func<Task<string>> requestedBy, Audit.AuditEntry? entry, CancellationToken ct)
    {
        if (run.Status == TrainingStatus.Queued)
        {
            run.Status = TrainingStatus.Cancelled;
            run.FinishedAt = time.GetUtcNow();
            run.Fail(queuedError);
            await (entry is null ? store.UpdateAsync(run, ct) : store.UpdateAsync(run, entry, ct));
            await tracking.UpdateRunForWorkAsync(run.TrackingRunId, RunStatus.Killed, ct);
        }
        else if (run.JobId is { } jobId)
        {
            await jobs.RequestCancelForWorkAsync(jobId, await requestedBy(), entry, ct);
        }
    }

    /// <summary>Stops a run for platform work (a study cancelled or pruning a trial).</summary>
    internal async Task CancelForWorkAsync(TrainingRun run, Common.StoredMessage reason, CancellationToken ct)
    {
        if (run.IsTerminal)
        {
            return;
        }

        await CancelAsync(run, reason, () => Task.FromResult(reason.Text), null, ct);
    }

    /// <summary>A run whose job has ended (a crash or restart killed it before it could say so) takes the job's outcome.</summary>
    private async Task SettleIfJobEndedAsync(TrainingRun run, CancellationToken ct)
    {
        var job = await jobStore.FindAsync(run.JobId!.Value, ct);
        if (job is null || !job.Status.IsTerminal())
        {
            return;
        }

        var fresh = await store.FindAsync(run.Id, ct);
        if (fresh is null || fresh.IsTerminal)
        {
            return;
        }

        fresh.Status = job.Status switch
        {
            JobStatus.Succeeded => TrainingStatus.Succeeded,
            JobStatus.Cancelled => TrainingStatus.Cancelled,
            _ => TrainingStatus.Failed,
        };
        fresh.Error ??= job.Error ?? (fresh.Status == TrainingStatus.Failed ? "The run's job ended without reporting." : null);
        fresh.FinishedAt = job.FinishedAt ?? time.GetUtcNow();
        await store.UpdateAsync(fresh, ct);
        if (job.Error == JobRecovery.InterruptedError && fresh.Kind == TrainingKind.Custom && backends.FirstOrDefault(b => b.Kind == fresh.Backend) is { } backend)
        {
            // Normally the job's settlement already did this; here when it could not (e.g. the settling node died too).
            await backend.ReleaseAsync(fresh.Id, ct);
        }

        await tracking.UpdateRunForWorkAsync(fresh.TrackingRunId, fresh.Status switch
        {
            TrainingStatus.Succeeded => RunStatus.Finished,
            TrainingStatus.Cancelled => RunStatus.Killed,
            _ => RunStatus.Failed,
        }, ct);
    }
}
