namespace AiPlatform.Core.Training;

public enum TrainingKind
{
    /// <summary>An ML.NET trainer on a dataset version, run in the platform process.</summary>
    BuiltIn,

    /// <summary>The user's command and code, run by a backend.</summary>
    Custom,
}

public enum TrainingTask
{
    BinaryClassification,
    MulticlassClassification,
    Regression,
}

public enum TrainerAlgorithm
{
    LightGbm,
    FastTree,
    FastForest,

    /// <summary>Logistic regression / maximum entropy for classification, SDCA for regression.</summary>
    Linear,
}

public enum TrainingBackendKind
{
    /// <summary>A child process of the platform (the embedded default).</summary>
    Local,

    /// <summary>A <c>batch/v1</c> Job on the configured cluster (GPU nodes, distributed training).</summary>
    Kubernetes,
}

public enum TrainingStatus
{
    /// <summary>Waiting for a free slot in its backend's queue.</summary>
    Queued,

    /// <summary>Given a slot; its job is about to start.</summary>
    Starting,
    Running,
    Succeeded,
    Failed,
    Cancelled,
}

/// <summary>
/// One training: what to run (built-in trainer or custom command), where (backend and queue priority), and the
/// experiment run it logs into. Rights are those of its experiment.
/// </summary>
public sealed class TrainingRun
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    public Guid ProjectId { get; set; }

    public Guid ExperimentId { get; set; }

    /// <summary>The experiment-tracking run that receives params, metrics and artifacts.</summary>
    public Guid TrackingRunId { get; set; }

    public TrainingKind Kind { get; set; }

    /// <summary><see cref="BuiltInSpec"/> or <see cref="CustomSpec"/> as JSON.</summary>
    public required string SpecJson { get; set; }

    public Guid? DatasetId { get; set; }

    public Guid? DatasetVersionId { get; set; }

    public TrainingBackendKind Backend { get; set; }

    /// <summary>Higher runs first; ties by age.</summary>
    public int Priority { get; set; }

    public TrainingStatus Status { get; set; }

    public Guid? JobId { get; set; }

    public int? ExitCode { get; set; }

    /// <summary>The longest <see cref="Error"/> the store keeps (its column); longer text is cut.</summary>
    public const int MaxErrorLength = 8000;

    public string? Error { get; set; }

    /// <summary>The UI resource that says <see cref="Error"/> in the user's language (null: only the English text).</summary>
    public string? ErrorKey { get; set; }

    /// <summary>The placeholders of <see cref="ErrorKey"/>, a JSON array of strings.</summary>
    public string? ErrorArguments { get; set; }

    /// <summary>Records why the run failed: the English text and its resource.</summary>
    public void Fail(Common.StoredMessage message)
    {
        Error = message.Text;
        ErrorKey = message.Key;
        ErrorArguments = message.Arguments;
    }

    public Guid? ClonedFromId { get; set; }

    /// <summary>The study this run is a trial of, with its number (0-based) and sampled values (JSON).</summary>
    public Guid? StudyId { get; set; }

    public int? TrialNumber { get; set; }

    public string? TrialParamsJson { get; set; }

    /// <summary>The study's objective as this trial reached it (latest value of the objective metric).</summary>
    public double? ObjectiveValue { get; set; }

    /// <summary>Stopped early by the study's median rule.</summary>
    public bool Pruned { get; set; }

    public Guid CreatedById { get; set; }

    public required string CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? StartedAt { get; set; }

    public DateTimeOffset? FinishedAt { get; set; }

    public bool IsTerminal => Status is TrainingStatus.Succeeded or TrainingStatus.Failed or TrainingStatus.Cancelled;
}

/// <summary>A built-in trainer on a dataset version.</summary>
/// <param name="TestFraction">Holdout share for evaluation (used when <paramref name="Folds"/> is 0).</param>
/// <param name="Folds">k for k-fold cross-validation; 0 for a holdout split.</param>
public sealed record BuiltInSpec(
    TrainingTask Task,
    TrainerAlgorithm Trainer,
    string Label,
    IReadOnlyList<string> Features,
    IReadOnlyDictionary<string, double>? Hyperparameters = null,
    double TestFraction = 0.2,
    int Folds = 0,
    int Seed = 42);

/// <summary>A user's command with code from an uploaded archive or a Git repository.</summary>
/// <param name="CodeKey">Object key of an uploaded zip with the code (see <c>TrainingService.UploadCodeAsync</c>).</param>
/// <param name="Image">Container image (Kubernetes backend; the configured default when empty).</param>
/// <param name="Cpu">CPU cores requested and limited (Kubernetes).</param>
/// <param name="MemoryMb">Memory in MiB requested and limited (Kubernetes).</param>
/// <param name="Gpus"><c>nvidia.com/gpu</c> per worker (Kubernetes); GPU runs get the GPU node selector and tolerations.</param>
/// <param name="Workers">Workers of a distributed run (Kubernetes): an indexed Job with the torchrun environment.</param>
public sealed record CustomSpec(
    string Command,
    string? CodeKey = null,
    string? GitUrl = null,
    string? GitRef = null,
    IReadOnlyDictionary<string, string>? Environment = null,
    int TimeoutMinutes = 0,
    string? Image = null,
    double Cpu = 0,
    int MemoryMb = 0,
    int Gpus = 0,
    int Workers = 1);

/// <summary>What a built-in trainer produced: metrics, params it chose, and files to store as artifacts.</summary>
public sealed record TrainingOutcome(
    IReadOnlyDictionary<string, double> Metrics,
    IReadOnlyDictionary<string, string> Params,
    IReadOnlyList<TrainingArtifact> Artifacts);

/// <summary>A local file the trainer wrote, to be stored at <see cref="Path"/> in the run's artifacts.</summary>
public sealed record TrainingArtifact(string Path, string LocalFile, string? ContentType);
