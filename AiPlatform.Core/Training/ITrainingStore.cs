using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;

namespace AiPlatform.Core.Training;

/// <summary>Filters for the training runs list.</summary>
public sealed record TrainingQuery(Guid? ProjectId, Guid? ExperimentId, TrainingStatus? Status, string? Search, int Offset, int Limit);

public interface ITrainingStore
{
    Task AddAsync(TrainingRun run, AuditEntry audit, CancellationToken ct);

    Task<TrainingRun?> FindAsync(Guid id, CancellationToken ct);

    Task UpdateAsync(TrainingRun run, CancellationToken ct);

    /// <summary>Saves the run and the audit entry of the user's change in one transaction.</summary>
    Task UpdateAsync(TrainingRun run, AuditEntry audit, CancellationToken ct);

    /// <summary>Training runs in experiments the context may read, newest first, with the total.</summary>
    Task<(IReadOnlyList<TrainingRun> Items, int Total)> ListReadableAsync(AccessContext context, TrainingQuery query, CancellationToken ct);

    /// <summary>Queued runs of a backend in the order they will start: priority, then age.</summary>
    Task<IReadOnlyList<TrainingRun>> ListQueuedAsync(TrainingBackendKind backend, CancellationToken ct);

    /// <summary>Runs given a slot or running (any backend).</summary>
    Task<IReadOnlyList<TrainingRun>> ListActiveAsync(CancellationToken ct);

    /// <summary>Moves a queued run to Starting with its job, unless someone else did first.</summary>
    Task<bool> TryStartAsync(Guid id, Guid jobId, CancellationToken ct);

    Task AddStudyAsync(Hpo.Study study, AuditEntry audit, CancellationToken ct);

    Task<Hpo.Study?> FindStudyAsync(Guid id, CancellationToken ct);

    Task UpdateStudyAsync(Hpo.Study study, CancellationToken ct);

    /// <summary>Saves the study and the audit entry of the user's change in one transaction.</summary>
    Task UpdateStudyAsync(Hpo.Study study, AuditEntry audit, CancellationToken ct);

    /// <summary>Studies in experiments the context may read, newest first.</summary>
    Task<(IReadOnlyList<Hpo.Study> Items, int Total)> ListReadableStudiesAsync(AccessContext context, Guid? experimentId, int offset, int limit, CancellationToken ct);

    Task<IReadOnlyList<Hpo.Study>> ListRunningStudiesAsync(CancellationToken ct);

    Task<IReadOnlyList<TrainingRun>> ListTrialsAsync(Guid studyId, CancellationToken ct);
}
