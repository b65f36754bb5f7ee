namespace AiPlatform.Core.Jobs;

/// <summary>One line of a job's log; <see cref="Id"/> grows monotonically so a reader can tail after it.</summary>
public sealed class JobLogEntry
{
    public long Id { get; set; }

    public Guid JobId { get; set; }

    public DateTimeOffset At { get; set; }

    public JobLogLevel Level { get; set; }

    public required string Message { get; set; }
}
