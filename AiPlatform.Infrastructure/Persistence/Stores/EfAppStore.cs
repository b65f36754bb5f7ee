using System.Collections.Concurrent;
using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using Microsoft.EntityFrameworkCore;

namespace AiPlatform.Infrastructure.Persistence.Stores;

/// <summary>
/// Apps in the database. What every published run reads — the app by its address and the version it serves — is kept
/// in memory: a version for as long as it lives (versions never change), an app by address for
/// <see cref="SlugLifetime"/> and emptied at once by any change of an app made here (another node sees it by then).
/// </summary>
internal sealed class EfAppStore(IDbContextFactory<PlatformDbContext> contexts, TimeProvider time) : IAppStore
{
    /// <summary>How long an app found by its address is reused; a change made on another node takes at most this long to be seen here.</summary>
    public static readonly TimeSpan SlugLifetime = TimeSpan.FromSeconds(2);

    private const int MaxCached = 1024;
    private readonly ConcurrentDictionary<string, (App App, long At)> _bySlug = new(StringComparer.Ordinal);
    private readonly ConcurrentDictionary<Guid, AppVersion> _versions = new();
    private long _generation;

    public async Task<PagedResult<App>> ListReadableAsync(AccessContext context, string? search, PageRequest page, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var apps = db.Apps.AsNoTracking().Readable(db, context, SecurableTypes.App);
        if (!string.IsNullOrWhiteSpace(search))
        {
            var term = search.Trim().ToLower();
            apps = apps.Where(a => a.Name.ToLower().Contains(term) || a.Slug.Contains(term) || (a.Description != null && a.Description.ToLower().Contains(term)));
        }

        return await apps.ToPageAsync(q => q.OrderByDescending(a => a.UpdatedAt).ThenBy(a => a.Id), page, ct);
    }

    public async Task<App?> FindAsync(Guid id, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Apps.AsNoTracking().FirstOrDefaultAsync(a => a.Id == id, ct);
    }

    public async Task<App?> FindBySlugAsync(string slug, CancellationToken ct)
    {
        if (_bySlug.TryGetValue(slug, out var cached) && time.GetElapsedTime(cached.At) < SlugLifetime)
        {
            return cached.App.Copy();
        }

        var now = time.GetTimestamp();
        var generation = Interlocked.Read(ref _generation);
        await using var db = await contexts.CreateDbContextAsync(ct);
        var app = await db.Apps.AsNoTracking().FirstOrDefaultAsync(a => a.Slug == slug, ct);
        // Not kept when an app changed here meanwhile: what was read may be from before the change.
        if (app is not null && Interlocked.Read(ref _generation) == generation)
        {
            if (_bySlug.Count >= MaxCached)
            {
                _bySlug.Clear();
            }

            _bySlug[slug] = (app.Copy(), now);
        }

        return app;
    }

    /// <summary>After any change of an app made here: no app is found by an address it no longer has, or with an old published pointer.</summary>
    private void Changed()
    {
        Interlocked.Increment(ref _generation);
        _bySlug.Clear();
    }

    public async Task<bool> SlugTakenAsync(string slug, Guid? except, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Apps.AnyAsync(a => a.Slug == slug && a.Id != except, ct);
    }

    public async Task AddAsync(App app, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.Apps.Add(app);
        db.AuditEntries.Add(audit);
        await SaveUniqueAsync(db, $"The slug '{app.Slug}' is taken.", ct);
    }

    public async Task UpdateAsync(App app, AuditEntry? audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        // The draft has its own conditional save: leave it (and its revision) as the database has it.
        db.Apps.Attach(app);
        var entry = db.Entry(app);
        entry.State = EntityState.Modified;
        entry.Property(a => a.DraftJson).IsModified = false;
        entry.Property(a => a.DraftRevision).IsModified = false;
        entry.Property(a => a.DraftUpdatedAt).IsModified = false;
        if (audit is not null)
        {
            db.AuditEntries.Add(audit);
        }

        await SaveUniqueAsync(db, $"The slug '{app.Slug}' is taken.", ct);
        Changed();
    }

    public async Task<bool> SaveDraftAsync(Guid appId, string draftJson, int expectedRevision, DateTimeOffset at, AuditEntry? audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var changed = await db.Apps.Where(a => a.Id == appId && a.DraftRevision == expectedRevision)
            .ExecuteUpdateAsync(s => s.SetProperty(a => a.DraftJson, draftJson).SetProperty(a => a.DraftRevision, expectedRevision + 1).SetProperty(a => a.DraftUpdatedAt, at), ct);
        if (changed == 0)
        {
            return false;
        }

        if (audit is not null)
        {
            db.AuditEntries.Add(audit);
            await db.SaveChangesAsync(ct);
        }

        await transaction.CommitAsync(ct);
        Changed();
        return true;
    }

    public async Task DeleteAsync(Guid id, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.AppRuns.Where(r => r.AppId == id).ExecuteDeleteAsync(ct);
        await db.AppApiKeys.Where(k => k.AppId == id).ExecuteDeleteAsync(ct);
        await db.AppVersions.Where(v => v.AppId == id).ExecuteDeleteAsync(ct);
        // Tracked, not ExecuteDelete: the save then moves the access stamp, so no node keeps the grants cached.
        db.Grants.RemoveRange(await db.Grants.Where(g => g.ObjectType == SecurableTypes.App && g.ObjectId == id).ToListAsync(ct));
        await db.Apps.Where(a => a.Id == id).ExecuteDeleteAsync(ct);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        Changed();
    }

    public async Task AddVersionAsync(AppVersion version, App app, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        db.AppVersions.Add(version);
        db.AuditEntries.Add(audit);
        await SaveUniqueAsync(db, $"Version {version.Number} was published by someone else meanwhile; publish again.", ct);
        var moved = await db.Apps.Where(a => a.Id == app.Id).ExecuteUpdateAsync(
            s => s.SetProperty(a => a.PublishedVersionId, app.PublishedVersionId).SetProperty(a => a.PublishedBy, app.PublishedBy)
                .SetProperty(a => a.PublishedAt, app.PublishedAt).SetProperty(a => a.UpdatedAt, app.UpdatedAt),
            ct);
        if (moved == 0)
        {
            throw new NotFoundException("App", app.Id);
        }

        await transaction.CommitAsync(ct);
        Changed();
    }

    public async Task<IReadOnlyList<AppVersion>> ListVersionsAsync(Guid appId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.AppVersions.AsNoTracking().Where(v => v.AppId == appId).OrderByDescending(v => v.Number).ToListAsync(ct);
    }

    public async Task<AppVersion?> FindVersionAsync(Guid appId, int number, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.AppVersions.AsNoTracking().FirstOrDefaultAsync(v => v.AppId == appId && v.Number == number, ct);
    }

    public async Task<AppVersion?> FindVersionAsync(Guid versionId, CancellationToken ct)
    {
        if (_versions.TryGetValue(versionId, out var cached))
        {
            return cached;
        }

        var version = await LoadVersionAsync(versionId, ct);
        if (version is not null)
        {
            if (_versions.Count >= MaxCached)
            {
                _versions.Clear();
            }

            _versions[versionId] = version;
        }

        return version;
    }

    private async Task<AppVersion?> LoadVersionAsync(Guid versionId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.AppVersions.AsNoTracking().FirstOrDefaultAsync(v => v.Id == versionId, ct);
    }

    public async Task SaveRunsAsync(IReadOnlyList<AppRunWrite> runs, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        foreach (var write in runs)
        {
            if (write.Insert)
            {
                db.AppRuns.Add(write.Run);
            }
            else
            {
                db.AppRuns.Update(write.Run);
            }
        }

        await db.SaveChangesAsync(ct);
    }

    public async Task<AppRun?> FindRunAsync(Guid runId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.AppRuns.AsNoTracking().FirstOrDefaultAsync(r => r.Id == runId, ct);
    }

    public async Task<PagedResult<AppRun>> ListRunsAsync(Guid appId, int? versionNumber, Guid? conversationId, bool draftOnly, Guid? callerId, PageRequest page, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var runs = db.AppRuns.AsNoTracking().Where(r => r.AppId == appId);
        if (versionNumber is { } number)
        {
            runs = runs.Where(r => r.VersionNumber == number);
        }

        if (conversationId is { } conversation)
        {
            runs = runs.Where(r => r.ConversationId == conversation);
        }

        if (draftOnly)
        {
            runs = runs.Where(r => r.VersionId == null);
        }

        if (callerId is { } caller)
        {
            runs = runs.Where(r => r.CallerId == caller);
        }

        return await runs.ToPageAsync(q => q.OrderByDescending(r => r.StartedAt).ThenByDescending(r => r.Id), page, ct);
    }

    public async Task<int> FailAbandonedRunsAsync(DateTimeOffset before, string error, DateTimeOffset at, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.AppRuns.Where(r => r.Status == AppRunStatus.Running && r.StartedAt < before)
            .ExecuteUpdateAsync(s => s.SetProperty(r => r.Status, AppRunStatus.Failed).SetProperty(r => r.Error, error).SetProperty(r => r.ErrorKey, "Apps.Error.RunAbandoned").SetProperty(r => r.EndedAt, at), ct);
    }

    public async Task<IReadOnlyList<AppSecret>> ListSecretsAsync(Guid appId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.AppSecrets.AsNoTracking().Where(s => s.AppId == appId).ToListAsync(ct);
    }

    public async Task<AppSecret?> FindSecretAsync(Guid appId, string name, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.AppSecrets.AsNoTracking().FirstOrDefaultAsync(s => s.AppId == appId && s.Name == name, ct);
    }

    public async Task SaveSecretAsync(AppSecret secret, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await db.AppSecrets.AnyAsync(s => s.Id == secret.Id, ct))
        {
            db.AppSecrets.Update(secret);
        }
        else
        {
            db.AppSecrets.Add(secret);
        }

        db.AuditEntries.Add(audit);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            // Two first sets of one name at once: the unique index took the other; say so rather than fail obscurely.
            throw new ConflictException($"The secret '{secret.Name}' was just set by someone else; try again.") { MessageKey = "Apps.Secrets.Error.Conflict", MessageArguments = [secret.Name] };
        }
    }

    public async Task<bool> DeleteSecretAsync(Guid appId, string name, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (await db.AppSecrets.Where(s => s.AppId == appId && s.Name == name).ExecuteDeleteAsync(ct) == 0)
        {
            return false;
        }

        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return true;
    }

    public async Task AddKeyAsync(AppApiKey key, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.AppApiKeys.Add(key);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
    }

    public async Task<IReadOnlyList<AppApiKey>> ListKeysAsync(Guid appId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.AppApiKeys.AsNoTracking().Where(k => k.AppId == appId).OrderBy(k => k.Name).ToListAsync(ct);
    }

    public async Task<AppApiKey?> FindKeyByHashAsync(string hash, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.AppApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Hash == hash, ct);
    }

    public async Task UpdateKeyAsync(AppApiKey key, AuditEntry? audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.AppApiKeys.Update(key);
        if (audit is not null)
        {
            db.AuditEntries.Add(audit);
        }

        await db.SaveChangesAsync(ct);
    }

    /// <summary>Saves; a unique index clash (a slug or a version number taken by a concurrent save) is a conflict the caller can retry.</summary>
    private static async Task SaveUniqueAsync(PlatformDbContext db, string conflict, CancellationToken ct)
    {
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException e) when (e is not DbUpdateConcurrencyException)
        {
            throw new ConflictException(conflict);
        }
    }

    // i18/keys
    public async Task<AppApiKey?> FindKeyAsync(Guid id, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.AppApiKeys.AsNoTracking().FirstOrDefaultAsync(k => k.Id == id, ct);
    }

    public async Task<long> SumKeyTokensAsync(Guid keyId, DateTimeOffset since, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.AppRuns.Where(r => r.ApiKeyId == keyId && r.StartedAt >= since).SumAsync(r => (long?)(r.PromptTokens + r.CompletionTokens), ct) ?? 0;
    }
}
