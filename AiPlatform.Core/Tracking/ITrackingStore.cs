using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;

namespace AiPlatform.Core.Tracking;

/// <summary>MLflow's view types for searches.</summary>
public enum ViewType
{
    ActiveOnly = 1,
    DeletedOnly = 2,
    All = 3,
}

/// <summary>A search over experiments; <see cref="Offset"/> and <see cref="Limit"/> page it.</summary>
public sealed record ExperimentQuery(Guid? ProjectId, string? Search, IReadOnlyList<SearchClause> Filter, IReadOnlyList<SearchOrder> Order, ViewType View, int Offset, int Limit);

/// <summary>A search over the runs of some experiments (already checked readable).</summary>
public sealed record RunQuery(IReadOnlyCollection<Guid> ExperimentIds, IReadOnlyList<SearchClause> Filter, IReadOnlyList<SearchOrder> Order, ViewType View, int Offset, int Limit);

/// <summary>Params, tags, latest metrics and inputs of some runs, loaded together.</summary>
public sealed record RunDataSet(IReadOnlyList<RunParam> Params, IReadOnlyList<RunTag> Tags, IReadOnlyList<RunLatestMetric> Metrics, IReadOnlyList<RunInput> Inputs);

public interface ITrackingStore
{
    /// <summary>Experiments the context may read (own or project grants), with the total count.</summary>
    Task<(IReadOnlyList<Experiment> Items, int Total)> ListReadableExperimentsAsync(AccessContext context, ExperimentQuery query, CancellationToken ct);

    Task<Experiment?> FindExperimentAsync(Guid id, CancellationToken ct);

    Task<Experiment?> FindExperimentByNumberAsync(long number, CancellationToken ct);

    /// <summary>The owner's experiment of this name: names are unique per owner, so one user's names never clash with (or reveal) another's.</summary>
    Task<Experiment?> FindExperimentByNameAsync(Guid ownerId, string name, CancellationToken ct);

    /// <summary>Every owner's experiment of this name, oldest first (for MLflow's get-by-name, which returns the one the caller may read).</summary>
    Task<IReadOnlyList<Experiment>> ListExperimentsByNameAsync(string name, CancellationToken ct);

    /// <summary>Adds the experiment with the next free number; throws <see cref="Common.AlreadyExistsException"/> for a taken name.</summary>
    Task AddExperimentAsync(Experiment experiment, IReadOnlyList<ExperimentTag> tags, AuditEntry audit, CancellationToken ct);

    Task UpdateExperimentAsync(Experiment experiment, AuditEntry audit, CancellationToken ct);

    /// <summary>Deletes the experiment with its runs, their data and its grants; returns the artifact object keys to delete.</summary>
    Task<IReadOnlyList<string>> PurgeExperimentAsync(Guid id, AuditEntry audit, CancellationToken ct);

    Task<IReadOnlyList<ExperimentTag>> ListExperimentTagsAsync(IReadOnlyCollection<Guid> experimentIds, CancellationToken ct);

    Task SetExperimentTagAsync(ExperimentTag tag, DateTimeOffset now, CancellationToken ct);

    Task<bool> DeleteExperimentTagAsync(Guid experimentId, string key, CancellationToken ct);

    /// <summary>Run counts per experiment (active runs).</summary>
    Task<IReadOnlyDictionary<Guid, int>> CountRunsAsync(IReadOnlyCollection<Guid> experimentIds, CancellationToken ct);

    Task<int> CountExperimentsInProjectAsync(Guid projectId, CancellationToken ct);

    Task AddRunAsync(Run run, IReadOnlyList<RunTag> tags, CancellationToken ct);

    Task<Run?> FindRunAsync(Guid id, CancellationToken ct);

    Task UpdateRunAsync(Run run, CancellationToken ct);

    Task<RunDataSet> LoadRunDataAsync(IReadOnlyCollection<Guid> runIds, CancellationToken ct);

    /// <summary>
    /// Appends metrics, adds params and upserts tags in one transaction. A param already logged with another value, or
    /// sent twice in the batch with different values, fails the whole batch (<see cref="Common.ValidationException"/>);
    /// the same value again is accepted. When the tags set <c>mlflow.runName</c> or <c>mlflow.parentRunId</c>, the run's
    /// name and parent (as set on <paramref name="run"/>) are saved in the same transaction.
    /// </summary>
    Task LogBatchAsync(Run run, IReadOnlyList<RunMetric> metrics, IReadOnlyList<RunParam> parameters, IReadOnlyList<RunTag> tags, CancellationToken ct);

    Task<bool> DeleteRunTagAsync(Guid runId, string key, CancellationToken ct);

    Task<IReadOnlyList<RunMetric>> GetMetricHistoryAsync(IReadOnlyCollection<Guid> runIds, string key, int offset, int limit, CancellationToken ct);

    Task<IReadOnlyList<Run>> SearchRunsAsync(RunQuery query, CancellationToken ct);

    Task<int> CountRunsAsync(RunQuery query, CancellationToken ct);

    Task<IReadOnlyList<Run>> ListChildRunsAsync(Guid parentRunId, CancellationToken ct);

    /// <summary>Distinct metric, param and tag keys of an experiment's runs (for choosing columns).</summary>
    Task<(IReadOnlyList<string> Metrics, IReadOnlyList<string> Params, IReadOnlyList<string> Tags)> ListKeysAsync(Guid experimentId, CancellationToken ct);

    Task AddInputsAsync(IReadOnlyList<RunInput> inputs, CancellationToken ct);

    /// <summary>Runs that logged the dataset version as an input, with their experiment.</summary>
    Task<IReadOnlyList<(Run Run, Experiment Experiment, RunInput Input)>> ListRunsUsingDatasetVersionAsync(Guid datasetVersionId, CancellationToken ct);

    Task<IReadOnlyList<RunArtifact>> ListArtifactsAsync(Guid runId, string prefix, CancellationToken ct);

    Task<RunArtifact?> FindArtifactAsync(Guid runId, string path, CancellationToken ct);

    /// <summary>Adds or replaces the artifact at its path; returns the replaced one (whose object the caller deletes).</summary>
    Task<RunArtifact?> UpsertArtifactAsync(RunArtifact artifact, CancellationToken ct);

    /// <summary>Deletes the artifact at the path, or all under it when it is a folder; returns what was deleted.</summary>
    /// <summary>Deletes the file or folder at <paramref name="path"/>; the audit entry is saved with the deletion, and only when something was deleted.</summary>
    Task<IReadOnlyList<RunArtifact>> DeleteArtifactsAsync(Guid runId, string path, AuditEntry audit, CancellationToken ct);
}
