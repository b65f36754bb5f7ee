namespace AiPlatform.Core.Tracking;

/// <summary>A run with everything logged to it (latest value per metric) and its experiment.</summary>
public sealed record RunDetails(
    Run Run,
    Experiment Experiment,
    IReadOnlyList<RunParam> Params,
    IReadOnlyList<RunTag> Tags,
    IReadOnlyList<RunLatestMetric> Metrics,
    IReadOnlyList<RunInput> Inputs)
{
    public string? Tag(string key) => Tags.FirstOrDefault(t => t.Key == key)?.Value;

    public string? Param(string key) => Params.FirstOrDefault(p => p.Key == key)?.Value;

    public RunLatestMetric? Metric(string key) => Metrics.FirstOrDefault(m => m.Key == key);
}

/// <summary>One page of a run search; <see cref="HasMore"/> when another page follows.</summary>
public sealed record RunPage(IReadOnlyList<RunDetails> Runs, int Offset, bool HasMore);

/// <summary>One page of experiments with the caller's level on each.</summary>
public sealed record ExperimentPage(IReadOnlyList<ExperimentSummary> Items, int Total, int Offset);

public sealed record ExperimentSummary(Experiment Experiment, string ProjectName, IReadOnlyList<ExperimentTag> Tags, int RunCount);

/// <summary>A metric value to log; <see cref="Timestamp"/> in Unix milliseconds (now when null).</summary>
public sealed record MetricInput(string Key, double Value, long? Timestamp, long Step);

/// <summary>A dataset input as MLflow's log-inputs sends it.</summary>
public sealed record DatasetInputRequest(string Name, string Digest, string SourceType, string Source, string? Schema, string? Profile, IReadOnlyDictionary<string, string>? Tags);

/// <summary>Runs that read a dataset version, for the dataset's lineage.</summary>
public sealed record DatasetRunUse(Guid RunId, string RunName, Guid ExperimentId, string ExperimentName, string? Context);

/// <summary>Distinct keys logged in an experiment, for choosing columns and building filters.</summary>
public sealed record ExperimentKeys(IReadOnlyList<string> Metrics, IReadOnlyList<string> Params, IReadOnlyList<string> Tags);
