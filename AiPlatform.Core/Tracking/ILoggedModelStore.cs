namespace AiPlatform.Core.Tracking;

/// <summary>MLflow 3's logged models, their data, artifacts and the runs that output them.</summary>
public interface ILoggedModelStore
{
    Task AddAsync(LoggedModel model, IReadOnlyList<LoggedModelTag> tags, IReadOnlyList<LoggedModelParam> parameters, CancellationToken ct);

    Task<LoggedModel?> FindAsync(Guid id, CancellationToken ct);

    Task UpdateAsync(LoggedModel model, CancellationToken ct);

    /// <summary>The active models of some experiments (already checked readable), newest first.</summary>
    /// <summary>
    /// The active models of the experiments, newest first, at most <paramref name="limit"/> of them; only those named
    /// <paramref name="name"/> when it is given.
    /// </summary>
    Task<IReadOnlyList<LoggedModel>> ListAsync(IReadOnlyCollection<Guid> experimentIds, string? name, int limit, CancellationToken ct);

    /// <summary>The active models a run produced: its outputs and the models naming it as their source.</summary>
    Task<IReadOnlyList<LoggedModel>> ListForRunAsync(Guid runId, CancellationToken ct);

    Task<LoggedModelDataSet> LoadDataAsync(IReadOnlyCollection<Guid> modelIds, CancellationToken ct);

    /// <summary>Upserts the tags and sets the model's update time.</summary>
    Task SetTagsAsync(LoggedModel model, IReadOnlyList<LoggedModelTag> tags, CancellationToken ct);

    Task<bool> DeleteTagAsync(Guid modelId, string key, CancellationToken ct);

    /// <summary>Adds params; one already logged with another value fails all of them (<see cref="Common.ValidationException"/>).</summary>
    Task AddParamsAsync(Guid modelId, IReadOnlyList<LoggedModelParam> parameters, CancellationToken ct);

    Task AddMetricsAsync(IReadOnlyList<LoggedModelMetric> metrics, CancellationToken ct);

    /// <summary>Records a run's output models (again at the same step is a no-op).</summary>
    Task AddOutputsAsync(IReadOnlyList<RunModelOutput> outputs, CancellationToken ct);

    Task<IReadOnlyList<RunModelOutput>> ListOutputsAsync(IReadOnlyCollection<Guid> runIds, CancellationToken ct);

    Task<IReadOnlyList<LoggedModelArtifact>> ListArtifactsAsync(Guid modelId, string prefix, CancellationToken ct);

    Task<LoggedModelArtifact?> FindArtifactAsync(Guid modelId, string path, CancellationToken ct);

    /// <summary>Adds or replaces the artifact at its path; returns the replaced one (whose object the caller deletes).</summary>
    Task<LoggedModelArtifact?> UpsertArtifactAsync(LoggedModelArtifact artifact, CancellationToken ct);

    /// <summary>Deletes the file or folder at <paramref name="path"/>; returns what was deleted.</summary>
    Task<IReadOnlyList<LoggedModelArtifact>> DeleteArtifactsAsync(Guid modelId, string path, CancellationToken ct);
}
