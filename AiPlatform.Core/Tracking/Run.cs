namespace AiPlatform.Core.Tracking;

/// <summary>One execution of training code: params, metrics, tags, artifacts and inputs, in one experiment.</summary>
public sealed class Run
{
    public Guid Id { get; set; }

    public Guid ExperimentId { get; set; }

    public required string Name { get; set; }

    /// <summary>The platform user who created the run.</summary>
    public Guid UserId { get; set; }

    /// <summary>The creator's user name, MLflow's <c>user_id</c>.</summary>
    public required string UserName { get; set; }

    public RunStatus Status { get; set; }

    /// <summary>Unix milliseconds, as MLflow has them.</summary>
    public long StartTime { get; set; }

    public long? EndTime { get; set; }

    public LifecycleStage LifecycleStage { get; set; }

    /// <summary>The parent run for nested runs (MLflow's <c>mlflow.parentRunId</c> tag).</summary>
    public Guid? ParentRunId { get; set; }

    /// <summary>The 32-hex-digit MLflow run id.</summary>
    public string MlflowId => Id.ToString("N");
}

public enum RunStatus
{
    Running = 1,
    Scheduled = 2,
    Finished = 3,
    Failed = 4,
    Killed = 5,
}

/// <summary>A hyperparameter or setting; logged once, never changed.</summary>
public sealed class RunParam
{
    public Guid RunId { get; set; }

    public required string Key { get; set; }

    public required string Value { get; set; }
}

/// <summary>A key/value on a run; setting a key again overwrites it. Keys starting with <c>mlflow.</c> are MLflow's own.</summary>
public sealed class RunTag
{
    public Guid RunId { get; set; }

    public required string Key { get; set; }

    public required string Value { get; set; }
}

/// <summary>One logged metric value; a metric's history is all its values, appended in order.</summary>
public sealed class RunMetric
{
    public long Id { get; set; }

    public Guid RunId { get; set; }

    public required string Key { get; set; }

    /// <summary>The value; 0 when <see cref="IsNan"/> (SQLite cannot store NaN).</summary>
    public double Value { get; set; }

    public bool IsNan { get; set; }

    /// <summary>Unix milliseconds.</summary>
    public long Timestamp { get; set; }

    public long Step { get; set; }

    public double RealValue => IsNan ? double.NaN : Value;
}

/// <summary>
/// The latest value of each metric of a run (highest step, then timestamp, then value, as MLflow decides), kept on
/// every write so that search, sorting and the runs table never scan the history.
/// </summary>
public sealed class RunLatestMetric
{
    public Guid RunId { get; set; }

    public Guid ExperimentId { get; set; }

    public required string Key { get; set; }

    public double Value { get; set; }

    public bool IsNan { get; set; }

    public long Timestamp { get; set; }

    public long Step { get; set; }

    public double RealValue => IsNan ? double.NaN : Value;
}

/// <summary>A dataset a run read (MLflow's log-inputs); linked to a platform dataset version when the source names one.</summary>
public sealed class RunInput
{
    public Guid Id { get; set; }

    public Guid RunId { get; set; }

    public required string Name { get; set; }

    public required string Digest { get; set; }

    public required string SourceType { get; set; }

    public required string Source { get; set; }

    public string? Schema { get; set; }

    public string? Profile { get; set; }

    /// <summary>The <c>mlflow.data.context</c> input tag, e.g. "training" or "eval".</summary>
    public string? Context { get; set; }

    public Guid? DatasetId { get; set; }

    public Guid? DatasetVersionId { get; set; }
}

/// <summary>A file a run stored; the path is the user's (checked), the object key is the platform's own.</summary>
public sealed class RunArtifact
{
    public Guid RunId { get; set; }

    /// <summary>Relative path, '/'-separated, e.g. <c>model/MLmodel</c>.</summary>
    public required string Path { get; set; }

    public long Size { get; set; }

    public string? ContentType { get; set; }

    public required string ObjectKey { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
