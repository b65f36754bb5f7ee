namespace AiPlatform.Core.Tracking;

/// <summary>
/// MLflow 3's model object: a model logged in an experiment (usually by a run, its source), with its own artifacts
/// under <c>&lt;experiment&gt;/models/m-&lt;id&gt;/artifacts</c>, params, tags and the metrics logged against it. It takes
/// the rights of its experiment, as runs do.
/// </summary>
public sealed class LoggedModel
{
    public Guid Id { get; set; }

    public Guid ExperimentId { get; set; }

    public required string Name { get; set; }

    /// <summary>The run that produced it (MLflow's <c>source_run_id</c>).</summary>
    public Guid? SourceRunId { get; set; }

    public LoggedModelStatus Status { get; set; }

    public string? StatusMessage { get; set; }

    /// <summary>MLflow's free-form <c>model_type</c> ("Agent", "Classifier", ...).</summary>
    public string? ModelType { get; set; }

    public Guid UserId { get; set; }

    public required string UserName { get; set; }

    /// <summary>Unix milliseconds, as MLflow has them.</summary>
    public long CreatedAt { get; set; }

    public long UpdatedAt { get; set; }

    public LifecycleStage LifecycleStage { get; set; }

    /// <summary>The MLflow model id, <c>m-</c> and 32 hex digits.</summary>
    public string MlflowId => LoggedModelService.FormatId(Id);
}

/// <summary>MLflow's <c>LoggedModelStatus</c>; the numbers are the protobuf values.</summary>
public enum LoggedModelStatus
{
    Pending = 1,
    Ready = 2,
    UploadFailed = 3,
}

/// <summary>A key/value on a logged model; setting a key again overwrites it.</summary>
public sealed class LoggedModelTag
{
    public Guid ModelId { get; set; }

    public required string Key { get; set; }

    public required string Value { get; set; }
}

/// <summary>A param of a logged model; logged once, never changed.</summary>
public sealed class LoggedModelParam
{
    public Guid ModelId { get; set; }

    public required string Key { get; set; }

    public required string Value { get; set; }
}

/// <summary>A metric value logged against a logged model (MLflow's metric with <c>model_id</c>), optionally per dataset.</summary>
public sealed class LoggedModelMetric
{
    public long Id { get; set; }

    public Guid ModelId { get; set; }

    public Guid? RunId { get; set; }

    public required string Key { get; set; }

    /// <summary>The value; 0 when <see cref="IsNan"/> (SQLite cannot store NaN).</summary>
    public double Value { get; set; }

    public bool IsNan { get; set; }

    public long Timestamp { get; set; }

    public long Step { get; set; }

    public string? DatasetName { get; set; }

    public string? DatasetDigest { get; set; }

    public double RealValue => IsNan ? double.NaN : Value;
}

/// <summary>A file of a logged model; the path is the user's (checked), the object key the platform's own.</summary>
public sealed class LoggedModelArtifact
{
    public Guid ModelId { get; set; }

    public required string Path { get; set; }

    public long Size { get; set; }

    public string? ContentType { get; set; }

    public required string ObjectKey { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}

/// <summary>A logged model a run produced (MLflow's <c>runs/outputs</c>), at a step.</summary>
public sealed class RunModelOutput
{
    public Guid RunId { get; set; }

    public Guid ModelId { get; set; }

    public long Step { get; set; }
}

/// <summary>A logged model with its experiment, tags, params and metrics.</summary>
public sealed record LoggedModelDetails(
    LoggedModel Model,
    Experiment Experiment,
    IReadOnlyList<LoggedModelTag> Tags,
    IReadOnlyList<LoggedModelParam> Params,
    IReadOnlyList<LoggedModelMetric> Metrics)
{
    public string? Tag(string key) => Tags.FirstOrDefault(t => t.Key == key)?.Value;

    /// <summary>MLflow's artifact location of the model: <c>mlflow-artifacts:/&lt;experiment&gt;/models/m-…/artifacts</c>.</summary>
    public string ArtifactLocation => LoggedModelService.ArtifactLocation(Experiment, Model);

    /// <summary>The registry versions made from it, as the MLflow client records them in the <c>mlflow.modelVersions</c> tag.</summary>
    public IReadOnlyList<(string Name, int Version)> Registrations => LoggedModelService.ParseRegistrations(Tag(LoggedModelService.ModelVersionsTag));
}

/// <summary>Tags, params and metrics of some logged models, loaded together.</summary>
public sealed record LoggedModelDataSet(IReadOnlyList<LoggedModelTag> Tags, IReadOnlyList<LoggedModelParam> Params, IReadOnlyList<LoggedModelMetric> Metrics);

/// <summary>One page of a logged-model search; <see cref="HasMore"/> when another page follows.</summary>
public sealed record LoggedModelPage(IReadOnlyList<LoggedModelDetails> Models, int Offset, bool HasMore);

/// <summary>A dataset that scopes metric filters and ordering in a logged-model search.</summary>
public sealed record LoggedModelDatasetFilter(string Name, string? Digest);

/// <summary>One order-by entry of a logged-model search (<c>field_name</c>, optionally a metric's dataset).</summary>
public sealed record LoggedModelOrder(string FieldName, bool Ascending, string? DatasetName, string? DatasetDigest);
