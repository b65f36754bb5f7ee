namespace AiPlatform.Core.Jobs;

/// <summary>
/// Does the work of one job kind. Handlers must be safe to run again on the same record:
/// a job interrupted by a restart may be executed a second time.
/// </summary>
public interface IJobHandler
{
    /// <summary>Stable identifier stored in <see cref="JobRecord.Kind"/>, e.g. <c>storage.scan</c>.</summary>
    string Kind { get; }

    /// <summary>
    /// The capability a user needs to start this kind directly from the Jobs page or <c>POST /api/v1/jobs</c>;
    /// null when only the platform starts it.
    /// </summary>
    string? StartCapability { get; }

    /// <summary>Whether a run interrupted by a crash is queued again (true) or marked failed (false).</summary>
    bool RestartOnInterrupt { get; }

    Task RunAsync(JobExecutionContext context, CancellationToken ct);

    /// <summary>
    /// Called once, on the node that settled the job, after a job of this kind was interrupted (its process died or
    /// shut down) and re-queued or failed: whatever keeps a status of its own for the job (a training run, a
    /// document's ingestion) ends in a clear state with <see cref="JobInterruption.Reason"/>, and held resources are
    /// released. Must tolerate a dependent that already ended.
    /// </summary>
    Task OnInterruptedAsync(JobRecord job, JobInterruption interruption, CancellationToken ct) => Task.CompletedTask;
}
