namespace AiPlatform.Core.Jobs;

/// <summary>One line of a job's log; <see cref="Id"/> grows monotonically so a reader can tail after it.</summary>
public sealed class JobLogEntry
{
    public long Id { get; set; }

    public Guid JobId { get; set; }

    public DateTimeOffset At { get; set; }

    public JobLogLevel Level { get; set; }

    /// <summary>The English text of the line (what the API returns, and what rows written before keys hold).</summary>
    public required string Message { get; set; }

    /// <summary>The resource key of the line (see <see cref="JobText"/>); null for free text such as a trainer's output.</summary>
    public string? MessageKey { get; set; }

    /// <summary>The line's arguments, a JSON array of strings.</summary>
    public string? MessageArguments { get; set; }
}
