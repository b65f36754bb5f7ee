namespace AiPlatform.Core.Apps;

/// <summary>
/// One evaluation of an app version over a dataset version (a batch job): every row runs the version and is scored;
/// the results are logged as an experiment run (metrics and a per-row table artifact), so versions compare on the run
/// compare page.
/// </summary>
public sealed class AppEvaluation
{
    public Guid Id { get; set; }

    public Guid AppId { get; set; }

    public int VersionNumber { get; set; }

    public Guid DatasetId { get; set; }

    public int DatasetVersion { get; set; }

    /// <summary>The evaluation's settings as JSON: input mapping, expected column, scorers, concurrency.</summary>
    public string SettingsJson { get; set; } = "{}";

    /// <summary>The job that runs it (<c>app.evaluate</c>).</summary>
    public Guid? JobId { get; set; }

    /// <summary>The experiment run the results were logged into.</summary>
    public string? ExperimentRunId { get; set; }

    public AppEvaluationStatus Status { get; set; }

    public int RowCount { get; set; }

    public int RowsDone { get; set; }

    public int RowsFailed { get; set; }

    /// <summary>The metrics (mean per scorer, pass rate, latency, tokens) as a JSON object once it ended.</summary>
    public string? SummaryJson { get; set; }

    public string? Error { get; set; }

    public Guid CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }
}

public enum AppEvaluationStatus
{
    Queued,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}
