using System.Globalization;
using Microsoft.Extensions.Logging;

namespace AiPlatform.Core.Jobs;

/// <summary>
/// Makes sure no job record stays stuck when its process died. At start (<see cref="RecoverAsync"/>): hands every
/// Queued job to the executor again, and settles at once every job this node's earlier incarnation left Running.
/// Periodically on every node (<see cref="SweepAsync"/>): settles Running jobs whose heartbeat is older than
/// <see cref="JobSettings.StaleAfter"/> (another node died), and hands Queued jobs that nobody picked up to the
/// executor again. Settling is a conditional update, so across nodes exactly one wins; only the winner logs,
/// re-dispatches and lets the handler settle what hangs off the job.
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

    /// <summary>Run once at start, before this node runs anything; returns how many jobs it dispatched or settled.</summary>
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
            }
            else if (job.Status == JobStatus.Running && Interruption(job, now, atStart: true) is { } interruption
                && await SettleAsync(job, interruption.Reason, interruption.StaleBefore, dispatch: true, ct) != JobSettlement.None)
            {
                recovered++;
            }
        }

        if (recovered > 0)
        {
            logger.LogWarning("Recovered {Count} unfinished jobs at start (node {Node})", recovered, settings.Node.Id);
        }

        return recovered;
    }

    /// <summary>One pass of the periodic sweep; returns how many jobs it settled or dispatched again.</summary>
    public async Task<int> SweepAsync(CancellationToken ct)
    {
        var now = time.GetUtcNow();
        var before = now - settings.StaleAfter;
        var swept = 0;
        foreach (var job in await store.ListStaleAsync(before, ct))
        {
            if (job.Status == JobStatus.Queued)
            {
                if (await store.TryRedispatchAsync(job.Id, before, now, ct))
                {
                    logger.LogInformation("Job {JobId} ({Kind}) waited in the queue since {Since}; handed to the executor again", job.Id, job.Kind, job.HeartbeatAt ?? job.CreatedAt);
                    dispatcher.Dispatch(job.Id);
                    swept++;
                }
            }
            else if (Interruption(job, now, atStart: false) is { } interruption
                && await SettleAsync(job, interruption.Reason, interruption.StaleBefore, dispatch: true, ct) != JobSettlement.None)
            {
                swept++;
            }
        }

        return swept;
    }

    /// <summary>
    /// Settles a job whose runner stopped (re-queued when its kind restarts, else failed "interrupted") unless it moved
    /// on meanwhile; the winner logs <paramref name="reason"/> on the job and lets the handler settle the job's dependents.
    /// </summary>
    /// <param name="staleBefore">When given, the heartbeat must still be older than this (the job is not alive after all).</param>
    /// <param name="dispatch">Whether a re-queued job is handed to the executor now (not while this process shuts down).</param>
    public async Task<JobSettlement> SettleAsync(JobRecord job, string reason, DateTimeOffset? staleBefore, bool dispatch, CancellationToken ct)
    {
        var handler = handlers.Find(job.Kind);
        var now = time.GetUtcNow();
        var settlement = await store.SettleInterruptedAsync(job, handler?.RestartOnInterrupt == true, InterruptedError, staleBefore, now, ct);
        if (settlement == JobSettlement.None)
        {
            return settlement;
        }

        var requeued = settlement == JobSettlement.Requeued;
        logger.LogWarning("Job {JobId} ({Kind}) was interrupted: {Reason}; {Outcome}", job.Id, job.Kind, reason, requeued ? "queued again" : "failed");
        await store.AppendLogAsync(job.Id, requeued ? JobLogLevel.Warning : JobLogLevel.Error, requeued ? $"Interrupted: {reason}; queued again." : $"Interrupted: {reason}.", now, ct);
        if (requeued && dispatch)
        {
            dispatcher.Dispatch(job.Id);
        }

        if (handler is not null)
        {
            try
            {
                await handler.OnInterruptedAsync(job, new JobInterruption(requeued, reason), ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                logger.LogError(e, "Settling what depends on the interrupted job {JobId} ({Kind}) failed", job.Id, job.Kind);
            }
        }

        return settlement;
    }

    /// <summary>Why a Running job counts as interrupted now, and the heartbeat condition its settlement must still meet; null while it may be alive.</summary>
    private (string Reason, DateTimeOffset? StaleBefore)? Interruption(JobRecord job, DateTimeOffset now, bool atStart)
    {
        var node = settings.Node;
        if (job.NodeId == node.Id && job.Incarnation == node.Incarnation)
        {
            // This process runs it: its runner keeps the heartbeat and settles it itself.
            return null;
        }

        if (atStart && job.NodeId == node.Id)
        {
            return ($"node {node.Id} restarted", null);
        }

        if (atStart && job.NodeId is null && settings.SettleUnownedAtStart)
        {
            return ("the platform restarted", null);
        }

        var lastSeen = job.HeartbeatAt ?? job.StartedAt ?? job.CreatedAt;
        var staleBefore = now - settings.StaleAfter;
        if (lastSeen >= staleBefore)
        {
            return null;
        }

        var silent = FormatAge(now - lastSeen);
        return (job.NodeId switch
        {
            null => $"its runner sent no heartbeat for {silent}",
            var id when id == node.Id => $"node {id} restarted",
            var id => $"node {id} sent no heartbeat for {silent}",
        }, staleBefore);
    }

    private static string FormatAge(TimeSpan age) =>
        age.TotalHours >= 1 ? age.TotalHours.ToString("0.# h", CultureInfo.InvariantCulture)
        : age.TotalMinutes >= 1 ? age.TotalMinutes.ToString("0.# min", CultureInfo.InvariantCulture)
        : age.TotalSeconds.ToString("0 s", CultureInfo.InvariantCulture);
}
