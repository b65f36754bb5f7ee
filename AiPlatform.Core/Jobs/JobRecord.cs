namespace AiPlatform.Core.Jobs;

/// <summary>
/// The platform's record of one piece of long work. It is the truth about a job: the executor
/// (Hangfire) only carries the id, and everything a user sees comes from this row.
/// </summary>
public sealed class JobRecord
{
    public Guid Id { get; set; }

    public required string Kind { get; set; }

    public string? Title { get; set; }

    /// <summary>The resource key of the title (see <see cref="JobText"/>); null for jobs titled before keys existed or by a user.</summary>
    public string? TitleKey { get; set; }

    /// <summary>The title's arguments, a JSON array of strings.</summary>
    public string? TitleArguments { get; set; }

    public string? SubjectType { get; set; }

    public string? SubjectId { get; set; }

    public string? ParametersJson { get; set; }

    public JobStatus Status { get; set; }

    public double Progress { get; set; }

    public string? ProgressMessage { get; set; }

    public string? Error { get; set; }

    public string? CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    /// <summary>
    /// While Running: the last sign of life of its runner. While Queued: when it was last handed to the executor
    /// (null: when it was created), so that the sweep hands a job nobody picked up to the executor again.
    /// </summary>
    public DateTimeOffset? HeartbeatAt { get; set; }

    /// <summary>The node (<c>Jobs:NodeId</c>) whose runner claimed the job; null before it was first claimed.</summary>
    public string? NodeId { get; set; }

    /// <summary>The process start of that node which claimed the job: a restarted node knows its earlier jobs died with it.</summary>
    public Guid? Incarnation { get; set; }

    public bool CancelRequested { get; set; }

    public int Attempts { get; set; }
}
