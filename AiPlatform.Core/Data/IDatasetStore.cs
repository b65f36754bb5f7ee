using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Data;

public interface IDatasetStore
{
    /// <summary>Datasets the context may read, filtered in the database; optional text and tag filters.</summary>
    Task<PagedResult<Dataset>> ListReadableAsync(AccessContext context, string? search, string? tag, PageRequest page, CancellationToken ct);

    Task<Dataset?> FindAsync(Guid id, CancellationToken ct);

    Task<bool> NameTakenAsync(Guid ownerId, string name, Guid? except, CancellationToken ct);

    Task AddAsync(Dataset dataset, AuditEntry audit, CancellationToken ct);

    Task UpdateAsync(Dataset dataset, AuditEntry audit, CancellationToken ct);

    /// <summary>Deletes the dataset, its versions and grants; returns the object keys of the versions' content.</summary>
    Task<IReadOnlyList<string>> DeleteAsync(Guid id, AuditEntry audit, CancellationToken ct);

    Task<IReadOnlyList<DatasetVersion>> ListVersionsAsync(Guid datasetId, CancellationToken ct);

    Task<DatasetVersion?> FindVersionAsync(Guid datasetId, Guid versionId, CancellationToken ct);

    Task<DatasetVersion?> FindVersionByHashAsync(Guid datasetId, string contentHash, CancellationToken ct);

    /// <summary>Versions whose lineage detail mentions the text (e.g. a dataset name in a query).</summary>
    Task<IReadOnlyList<DatasetVersion>> FindVersionsMentioningAsync(string text, CancellationToken ct);

    Task<DatasetProfile?> FindProfileAsync(Guid versionId, CancellationToken ct);

    /// <summary>Stores (or replaces) a version's profile.</summary>
    Task SaveProfileAsync(DatasetProfile profile, CancellationToken ct);

    /// <summary>Adds the version with the next number, bumps the dataset's count; one transaction with the audit entry.</summary>
    Task<DatasetVersion> AddVersionAsync(DatasetVersion version, AuditEntry audit, CancellationToken ct);
}
