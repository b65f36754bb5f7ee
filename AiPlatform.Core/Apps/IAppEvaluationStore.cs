using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Apps;

/// <summary>Where evaluations (<see cref="AppEvaluation"/>) are kept; they are deleted with their app.</summary>
public interface IAppEvaluationStore
{
    Task AddAsync(AppEvaluation evaluation, AuditEntry audit, CancellationToken ct);

    /// <summary>Saves the evaluation's state (status, progress, run, summary, error, job).</summary>
    Task UpdateAsync(AppEvaluation evaluation, CancellationToken ct);

    Task<AppEvaluation?> FindAsync(Guid id, CancellationToken ct);

    /// <summary>An app's evaluations, newest first.</summary>
    Task<PagedResult<AppEvaluation>> ListAsync(Guid appId, PageRequest page, CancellationToken ct);
}
