namespace AiPlatform.Core.Training.Hpo;

public enum StudyStatus
{
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

/// <summary>
/// A hyperparameter search: a base training request, a search space, an objective metric and direction, a sampler,
/// a trial budget and parallelism. Each trial is a training run whose experiment run is a child of the study's run.
/// </summary>
public sealed class Study
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    public Guid ProjectId { get; set; }

    public Guid ExperimentId { get; set; }

    /// <summary>The experiment run that holds the trials as child runs and, at the end, the best values.</summary>
    public Guid ParentTrackingRunId { get; set; }

    /// <summary>The <see cref="TrainingRequest"/> every trial starts from (JSON).</summary>
    public required string BaseRequestJson { get; set; }

    /// <summary>The <see cref="SearchParameter"/> list (JSON).</summary>
    public required string SearchSpaceJson { get; set; }

    public required string ObjectiveMetric { get; set; }

    public ObjectiveDirection Direction { get; set; }

    public SamplerKind Sampler { get; set; }

    public int MaxTrials { get; set; }

    public int Parallelism { get; set; }

    public bool MedianPruning { get; set; }

    /// <summary>Finished trials needed before pruning starts.</summary>
    public int PruningStartupTrials { get; set; } = 5;

    public int Seed { get; set; }

    public StudyStatus Status { get; set; }

    public Guid? BestTrialId { get; set; }

    public double? BestValue { get; set; }

    public string? Error { get; set; }

    /// <summary>The UI resource that says <see cref="Error"/> in the user's language (null: only the English text).</summary>
    public string? ErrorKey { get; set; }

    /// <summary>The placeholders of <see cref="ErrorKey"/>, a JSON array of strings.</summary>
    public string? ErrorArguments { get; set; }

    /// <summary>Records why the study failed (null: it did not).</summary>
    public void SetError(Common.StoredMessage? message)
    {
        Error = message?.Text;
        ErrorKey = message?.Key;
        ErrorArguments = message?.Arguments;
    }

    public Guid CreatedById { get; set; }

    public required string CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }
}
