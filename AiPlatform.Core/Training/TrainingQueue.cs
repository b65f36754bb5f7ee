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
                        await jobs.EnqueueWithIdAsync(jobId, new JobRequest(JobKind, $"Training {run.Name}", "training-run", run.Id.ToString(), null), run.CreatedBy, null, ct);
                    }
                }
            }
        }
        finally
        {
            Gate.Release();
        }
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
