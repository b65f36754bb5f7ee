using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Jobs;

/// <summary>Persistence of job records and their logs. Every state transition is a single atomic update.</summary>
public interface IJobStore
{
    /// <summary>Adds a job and, when given, its audit entry in the same transaction.</summary>
    Task AddAsync(JobRecord job, AuditEntry? audit, CancellationToken ct);

    Task<JobRecord?> FindAsync(Guid id, CancellationToken ct);

    Task<PagedResult<JobRecord>> ListAsync(JobQuery query, CancellationToken ct);

    /// <summary>
    /// Moves a job from Queued to Running and records <paramref name="node"/> as its runner; false when another worker
    /// (or a cancel) got there first.
    /// </summary>
    Task<bool> TryStartAsync(Guid id, JobNode node, DateTimeOffset now, CancellationToken ct);

    /// <summary>Records progress and refreshes the heartbeat of a running job.</summary>
    Task ReportProgressAsync(Guid id, double? progress, string? message, DateTimeOffset now, CancellationToken ct);

    /// <summary>Refreshes the heartbeat of a job Running under <paramref name="incarnation"/>; false when it no longer is (another node settled it).</summary>
    Task<bool> HeartbeatAsync(Guid id, Guid incarnation, DateTimeOffset now, CancellationToken ct);

    /// <summary>
    /// The runner's own completion: only while the job is still Running under the claim this runner made (its
    /// <paramref name="incarnation"/> and <paramref name="attempt"/>), so a runner whose job another node settled and
    /// re-queued cannot end the newer attempt; false otherwise.
    /// </summary>
    Task<bool> CompleteClaimAsync(Guid id, Guid incarnation, int attempt, JobStatus status, string? error, DateTimeOffset now, CancellationToken ct);

    /// <summary>
    /// Settles an interrupted job exactly once: it must still be Running under the incarnation seen in
    /// <paramref name="seen"/> and, when <paramref name="staleBefore"/> is given, with a heartbeat older than that.
    /// Re-queues it when <paramref name="requeue"/> and no cancel was asked for, else fails it with <paramref name="error"/>.
    /// Returns what it did; <see cref="JobSettlement.None"/> when the job had moved on (another node settled it, or it lives).
    /// </summary>
    Task<JobSettlement> SettleInterruptedAsync(JobRecord seen, bool requeue, string error, DateTimeOffset? staleBefore, DateTimeOffset now, CancellationToken ct);

    /// <summary>
    /// The jobs the sweep looks at (one indexed query): Running ones whose heartbeat is older than <paramref name="before"/>,
    /// and Queued ones last handed to the executor before it.
    /// </summary>
    Task<IReadOnlyList<JobRecord>> ListStaleAsync(DateTimeOffset before, CancellationToken ct);

    /// <summary>Marks a Queued job last handed to the executor before <paramref name="before"/> as handed again now; true for the one caller that should dispatch it.</summary>
    Task<bool> TryRedispatchAsync(Guid id, DateTimeOffset before, DateTimeOffset now, CancellationToken ct);

    /// <summary>
    /// Marks a job for cancellation: a Queued job is Cancelled at once, a Running one is flagged; <paramref name="audit"/>
    /// (the user's request) is saved in the same transaction.
    /// </summary>
    Task<JobStatus?> RequestCancelAsync(Guid id, DateTimeOffset now, AuditEntry? audit, CancellationToken ct);

    Task<bool> IsCancelRequestedAsync(Guid id, CancellationToken ct);

    Task AppendLogAsync(Guid id, JobLogLevel level, string message, DateTimeOffset at, CancellationToken ct) =>
        AppendLogAsync(id, level, message, null, at, ct);

    /// <summary>Appends a line with its English <paramref name="message"/> and, when given, its resource key and arguments.</summary>
    Task AppendLogAsync(Guid id, JobLogLevel level, string message, JobText? text, DateTimeOffset at, CancellationToken ct);

    /// <summary>Log lines with an id above <paramref name="afterId"/>, oldest first.</summary>
    Task<IReadOnlyList<JobLogEntry>> GetLogAsync(Guid id, long afterId, int max, CancellationToken ct);

    /// <summary>Counts per status; only the jobs of <paramref name="createdBy"/> when given.</summary>
    Task<IReadOnlyDictionary<JobStatus, int>> CountByStatusAsync(string? createdBy, CancellationToken ct);

    Task<IReadOnlyList<JobCountByDay>> CountByDayAsync(DateTimeOffset since, string? createdBy, CancellationToken ct);

    Task<IReadOnlyList<JobRecord>> ListUnfinishedAsync(CancellationToken ct);
}
