namespace AiPlatform.Core.Tracing;

/// <summary>
/// One trace (MLflow's TraceInfo V3): a request through an LLM application, kept in an experiment and readable by whoever
/// may read the experiment. Its spans are kept apart (<see cref="TraceSpans"/>), as the client uploads them.
/// </summary>
public sealed class TraceInfo
{
    /// <summary>MLflow's trace id: <c>tr-</c> and 32 hex digits.</summary>
    public required string TraceId { get; set; }

    public Guid ExperimentId { get; set; }

    public string? ClientRequestId { get; set; }

    /// <summary>The trace's name (the tag <c>mlflow.traceName</c>, else the root span's name).</summary>
    public string? Name { get; set; }

    public string? RequestPreview { get; set; }

    public string? ResponsePreview { get; set; }

    public TraceState State { get; set; }

    /// <summary>Start of the trace, in milliseconds since the Unix epoch.</summary>
    public long RequestTime { get; set; }

    /// <summary>Duration in milliseconds; null while the trace is in progress.</summary>
    public long? ExecutionDuration { get; set; }

    /// <summary>The run that made it (the metadata <c>mlflow.sourceRun</c>).</summary>
    public string? RunId { get; set; }

    public long? InputTokens { get; set; }

    public long? OutputTokens { get; set; }

    public long? TotalTokens { get; set; }

    /// <summary>Who wrote it: an MLflow client (<c>mlflow</c>) or the platform itself (<c>gateway</c>, <c>chat</c>, …).</summary>
    public required string Source { get; set; }

    public Guid? CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>MLflow's trace states (V3; V2's statuses have the same names).</summary>
public enum TraceState
{
    StateUnspecified = 0,
    Ok = 1,
    Error = 2,
    InProgress = 3,
}

/// <summary>A tag on a trace (mutable: set and delete).</summary>
public sealed class TraceTag
{
    public required string TraceId { get; set; }

    public required string Key { get; set; }

    public required string Value { get; set; }
}

/// <summary>A metadata entry of a trace (V3 <c>trace_metadata</c>, V2 <c>request_metadata</c>): written with the trace.</summary>
public sealed class TraceMetadataEntry
{
    public required string TraceId { get; set; }

    public required string Key { get; set; }

    public required string Value { get; set; }
}

/// <summary>The spans of a trace: the <c>traces.json</c> document the MLflow client uploads, kept as it came.</summary>
public sealed class TraceSpans
{
    public required string TraceId { get; set; }

    public required string Json { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

/// <summary>A trace with its tags and metadata.</summary>
public sealed record TraceDetails(TraceInfo Info, IReadOnlyDictionary<string, string> Tags, IReadOnlyDictionary<string, string> Metadata);

/// <summary>A page of traces; <see cref="HasMore"/> when a next page exists; <see cref="Total"/> matches the query.</summary>
public sealed record TracePage(IReadOnlyList<TraceDetails> Traces, bool HasMore, int Total);
