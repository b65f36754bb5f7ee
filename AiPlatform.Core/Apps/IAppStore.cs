using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Apps;

/// <summary>Apps, their versions, runs and API keys.</summary>
public interface IAppStore
{
    /// <summary>The apps the context may read, filtered in the database, newest change first.</summary>
    Task<PagedResult<App>> ListReadableAsync(AccessContext context, string? search, PageRequest page, CancellationToken ct);

    Task<App?> FindAsync(Guid id, CancellationToken ct);

    Task<App?> FindBySlugAsync(string slug, CancellationToken ct);

    Task<bool> SlugTakenAsync(string slug, Guid? except, CancellationToken ct);

    Task AddAsync(App app, AuditEntry audit, CancellationToken ct);

    /// <summary>Saves the app's fields (name, description, published pointer; not the draft).</summary>
    Task UpdateAsync(App app, AuditEntry? audit, CancellationToken ct);

    /// <summary>
    /// Writes the draft only if its revision is still <paramref name="expectedRevision"/>, moving it on by one; false
    /// when another save came first.
    /// </summary>
    Task<bool> SaveDraftAsync(Guid appId, string draftJson, int expectedRevision, DateTimeOffset at, AuditEntry? audit, CancellationToken ct);

    /// <summary>Deletes the app with its versions, runs, keys and grants.</summary>
    Task DeleteAsync(Guid id, AuditEntry audit, CancellationToken ct);

    /// <summary>Adds a version (numbered by the caller: the highest + 1, unique per app) and moves the published pointer to it, in one transaction.</summary>
    Task AddVersionAsync(AppVersion version, App app, AuditEntry audit, CancellationToken ct);

    Task<IReadOnlyList<AppVersion>> ListVersionsAsync(Guid appId, CancellationToken ct);

    Task<AppVersion?> FindVersionAsync(Guid appId, int number, CancellationToken ct);

    Task<AppVersion?> FindVersionAsync(Guid versionId, CancellationToken ct);

    /// <summary>Writes run records in one transaction: each a new row (<see cref="AppRunWrite.Insert"/>) or the new state of a stored one.</summary>
    Task SaveRunsAsync(IReadOnlyList<AppRunWrite> runs, CancellationToken ct);

    Task<AppRun?> FindRunAsync(Guid runId, CancellationToken ct);

    /// <summary>An app's runs, newest first; optionally of one version, one conversation, draft runs only (<paramref name="draftOnly"/>), or one caller's (<paramref name="callerId"/>: a Read grantee sees only their own runs).</summary>
    Task<PagedResult<AppRun>> ListRunsAsync(Guid appId, int? versionNumber, Guid? conversationId, bool draftOnly, Guid? callerId, PageRequest page, CancellationToken ct);

    /// <summary>Runs still marked Running that started before <paramref name="before"/> (left by a process that died), for the sweep at start.</summary>
    Task<int> FailAbandonedRunsAsync(DateTimeOffset before, string error, DateTimeOffset at, CancellationToken ct);

    /// <summary>The app's secrets by name (values encrypted).</summary>
    Task<IReadOnlyList<AppSecret>> ListSecretsAsync(Guid appId, CancellationToken ct);

    Task<AppSecret?> FindSecretAsync(Guid appId, string name, CancellationToken ct);

    /// <summary>Adds the secret or replaces the one of that name, with its audit entry, in one transaction.</summary>
    Task SaveSecretAsync(AppSecret secret, AuditEntry audit, CancellationToken ct);

    /// <summary>False when the app has no secret of that name.</summary>
    Task<bool> DeleteSecretAsync(Guid appId, string name, AuditEntry audit, CancellationToken ct);

    Task AddKeyAsync(AppApiKey key, AuditEntry audit, CancellationToken ct);

    Task<IReadOnlyList<AppApiKey>> ListKeysAsync(Guid appId, CancellationToken ct);

    Task<AppApiKey?> FindKeyByHashAsync(string hash, CancellationToken ct);

    Task UpdateKeyAsync(AppApiKey key, AuditEntry? audit, CancellationToken ct);

    // i18/keys
    Task<AppApiKey?> FindKeyAsync(Guid id, CancellationToken ct);

    /// <summary>Prompt + completion tokens of the key's runs that started at or after <paramref name="since"/> (the daily budget).</summary>
    Task<long> SumKeyTokensAsync(Guid keyId, DateTimeOffset since, CancellationToken ct);
}
