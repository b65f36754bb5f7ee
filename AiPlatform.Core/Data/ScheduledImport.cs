namespace AiPlatform.Core.Data;

/// <summary>A recurring import (cron) of a table or query into a dataset; a run makes a version only when the content changed.</summary>
public sealed class ScheduledImport
{
    public Guid Id { get; set; }

    public Guid SourceId { get; set; }

    public Guid DatasetId { get; set; }

    public string? Table { get; set; }

    public string? Query { get; set; }

    /// <summary>Five-field cron expression, UTC.</summary>
    public required string Cron { get; set; }

    /// <summary>The user whose rights the runs use; the schedule stops when they lose them.</summary>
    public Guid CreatedById { get; set; }

    public required string CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
