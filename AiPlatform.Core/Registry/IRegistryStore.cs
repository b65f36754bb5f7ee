using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;

namespace AiPlatform.Core.Registry;

public interface IRegistryStore
{
    Task<(IReadOnlyList<RegisteredModel> Items, int Total)> ListReadableModelsAsync(AccessContext context, string? search, int offset, int limit, CancellationToken ct);

    /// <summary>
    /// Models the context may read that match the search's filter, in its order, rows <c>Offset</c> to
    /// <c>Offset + Limit</c>; filtered, ordered and paged by the database.
    /// </summary>
    Task<IReadOnlyList<RegisteredModel>> SearchReadableModelsAsync(AccessContext context, RegistrySearch query, CancellationToken ct);

    /// <summary>Versions of models the context may read that match the search, with their model, as <see cref="SearchReadableModelsAsync"/>.</summary>
    Task<IReadOnlyList<(RegisteredModel Model, ModelVersion Version)>> SearchReadableVersionsAsync(AccessContext context, RegistrySearch query, CancellationToken ct);

    Task<RegisteredModel?> FindModelAsync(Guid id, CancellationToken ct);

    Task<RegisteredModel?> FindModelByNameAsync(string name, CancellationToken ct);

    Task AddModelAsync(RegisteredModel model, IReadOnlyList<RegisteredModelTag> tags, AuditEntry audit, CancellationToken ct);

    Task UpdateModelAsync(RegisteredModel model, AuditEntry audit, CancellationToken ct);

    /// <summary>Deletes the model, its versions, tags, aliases, history and grants; returns the object keys of its files.</summary>
    Task<IReadOnlyList<string>> DeleteModelAsync(Guid id, AuditEntry audit, CancellationToken ct);

    Task<IReadOnlyList<RegisteredModelTag>> ListModelTagsAsync(IReadOnlyCollection<Guid> modelIds, CancellationToken ct);

    Task SetModelTagAsync(RegisteredModelTag tag, CancellationToken ct);

    Task<bool> DeleteModelTagAsync(Guid modelId, string key, CancellationToken ct);

    /// <summary>Adds the version with the next number of its model (the number is assigned here).</summary>
    Task AddVersionAsync(ModelVersion version, IReadOnlyList<ModelFile> files, IReadOnlyList<ModelVersionTag> tags, AuditEntry audit, CancellationToken ct);

    Task<ModelVersion?> FindVersionAsync(Guid modelId, int version, CancellationToken ct);

    Task<IReadOnlyList<ModelVersion>> ListVersionsAsync(IReadOnlyCollection<Guid> modelIds, Guid? runId, CancellationToken ct);

    Task UpdateVersionAsync(ModelVersion version, CancellationToken ct);

    /// <summary>Deletes a version with its tags, files rows and the aliases pointing at it; returns its files' object keys.</summary>
    Task<IReadOnlyList<string>> DeleteVersionAsync(ModelVersion version, AuditEntry audit, CancellationToken ct);

    Task<IReadOnlyList<ModelVersionTag>> ListVersionTagsAsync(IReadOnlyCollection<Guid> versionIds, CancellationToken ct);

    Task SetVersionTagAsync(ModelVersionTag tag, CancellationToken ct);

    Task<bool> DeleteVersionTagAsync(Guid versionId, string key, CancellationToken ct);

    Task<IReadOnlyList<ModelFile>> ListFilesAsync(Guid versionId, CancellationToken ct);

    Task<IReadOnlyList<ModelAlias>> ListAliasesAsync(IReadOnlyCollection<Guid> modelIds, CancellationToken ct);

    Task SetAliasAsync(ModelAlias alias, Audit.AuditEntry audit, CancellationToken ct);

    /// <summary>Removes the alias and records the audit entry; false (and nothing recorded) when there was no such alias.</summary>
    Task<bool> DeleteAliasAsync(Guid modelId, string alias, Audit.AuditEntry audit, CancellationToken ct);

    /// <summary>Saves stage changes of several versions with their history rows, in one transaction.</summary>
    Task SaveTransitionsAsync(IReadOnlyList<ModelVersion> versions, IReadOnlyList<StageTransition> transitions, AuditEntry audit, CancellationToken ct);

    Task<IReadOnlyList<StageTransition>> ListTransitionsAsync(Guid modelId, CancellationToken ct);
}
