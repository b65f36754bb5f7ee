using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Core.Registry;
using AiPlatform.Core.Tracking;
using Microsoft.EntityFrameworkCore;

namespace AiPlatform.Infrastructure.Persistence.Stores;

internal sealed class EfRegistryStore(IDbContextFactory<PlatformDbContext> contexts) : IRegistryStore
{
    public async Task<(IReadOnlyList<RegisteredModel> Items, int Total)> ListReadableModelsAsync(AccessContext context, string? search, int offset, int limit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var models = db.RegisteredModels.AsNoTracking().Readable(db, context, SecurableTypes.RegisteredModel);
        if (!string.IsNullOrWhiteSpace(search))
        {
            var term = search.Trim().ToLower();
            models = models.Where(m => m.Name.ToLower().Contains(term));
        }

        return (await models.OrderBy(m => m.Name).Skip(offset).Take(limit).ToListAsync(ct), await models.CountAsync(ct));
    }

    public async Task<IReadOnlyList<RegisteredModel>> SearchReadableModelsAsync(AccessContext context, RegistrySearch query, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var sqlite = db.Database.IsSqlite();
        var models = db.RegisteredModels.AsNoTracking().Readable(db, context, SecurableTypes.RegisteredModel);
        if (query.ExcludePrompts)
        {
            models = models.Where(m => !db.RegisteredModelTags.Any(t => t.ModelId == m.Id && t.Key == RegistrySearch.PromptTag && t.Value == "true"));
        }

        foreach (var clause in query.Filter)
        {
            if (clause.Entity == SearchEntity.Tag)
            {
                var tags = RegistrySearchSql.Compare(db.RegisteredModelTags.Where(t => t.Key == clause.Key), t => t.Value, clause, sqlite);
                models = models.Where(m => tags.Any(t => t.ModelId == m.Id));
            }
            else
            {
                models = RegistrySearchSql.Compare(models, m => m.Name, clause, sqlite);
            }
        }

        // Names are unique, so the name tie-break the service appends makes the order total and the pages disjoint.
        var ordered = RegistrySearchSql.Order(models, query.Order, m => m.Name, null, m => m.CreatedAt, m => m.UpdatedAt);
        return await ordered.ThenBy(m => m.Id).Skip(query.Offset).Take(query.Limit).ToListAsync(ct);
    }

    public async Task<IReadOnlyList<(RegisteredModel Model, ModelVersion Version)>> SearchReadableVersionsAsync(AccessContext context, RegistrySearch query, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var sqlite = db.Database.IsSqlite();
        var readable = db.RegisteredModels.AsNoTracking().Readable(db, context, SecurableTypes.RegisteredModel);
        if (query.ExcludePrompts)
        {
            // MLflow leaves out every version of a model one of whose versions (or the model itself) is tagged as a prompt.
            var promptVersions = db.ModelVersionTags.Where(t => t.Key == RegistrySearch.PromptTag && t.Value == "true").Select(t => t.VersionId);
            var promptModels = db.ModelVersions.Where(v => promptVersions.Contains(v.Id)).Select(v => v.ModelId);
            readable = readable.Where(m => !promptModels.Contains(m.Id)
                && !db.RegisteredModelTags.Any(t => t.ModelId == m.Id && t.Key == RegistrySearch.PromptTag && t.Value == "true"));
        }

        var versions = db.ModelVersions.AsNoTracking();
        foreach (var clause in query.Filter)
        {
            versions = clause switch
            {
                { Entity: SearchEntity.Tag } => FilterByTag(db, versions, clause, sqlite),
                { Key: "name" } => FilterByModelName(db, versions, clause, sqlite),
                { Key: "source_path" } => RegistrySearchSql.Compare(versions, v => v.Source, clause, sqlite),
                { Key: "version_number" } => RegistrySearchSql.CompareNumber(versions, clause),
                { Key: "run_id" } => RegistrySearchSql.CompareRunId(versions, clause),
                _ => throw new ValidationException("filter", $"Model versions cannot be filtered by '{clause.Key}'."),
            };
        }

        var rows = from v in versions
                   join m in readable on v.ModelId equals m.Id
                   select new { V = v, M = m };
        var ordered = RegistrySearchSql.Order(rows, query.Order, r => r.M.Name, r => r.V.Version, r => r.V.CreatedAt, r => r.V.UpdatedAt);
        var page = await ordered.ThenBy(r => r.V.Id).Skip(query.Offset).Take(query.Limit).ToListAsync(ct);
        return page.Select(r => (r.M, r.V)).ToList();
    }

    private static IQueryable<ModelVersion> FilterByModelName(PlatformDbContext db, IQueryable<ModelVersion> versions, SearchClause clause, bool sqlite)
    {
        var named = RegistrySearchSql.Compare(db.RegisteredModels, m => m.Name, clause, sqlite).Select(m => m.Id);
        return versions.Where(v => named.Contains(v.ModelId));
    }

    private static IQueryable<ModelVersion> FilterByTag(PlatformDbContext db, IQueryable<ModelVersion> versions, SearchClause clause, bool sqlite)
    {
        var tags = RegistrySearchSql.Compare(db.ModelVersionTags.Where(t => t.Key == clause.Key), t => t.Value, clause, sqlite);
        return versions.Where(v => tags.Any(t => t.VersionId == v.Id));
    }

    public async Task<RegisteredModel?> FindModelAsync(Guid id, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.RegisteredModels.AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, ct);
    }

    public async Task<RegisteredModel?> FindModelByNameAsync(string name, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.RegisteredModels.AsNoTracking().FirstOrDefaultAsync(m => m.Name == name, ct);
    }

    public async Task AddModelAsync(RegisteredModel model, IReadOnlyList<RegisteredModelTag> tags, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.RegisteredModels.Add(model);
        db.RegisteredModelTags.AddRange(tags);
        db.AuditEntries.Add(audit);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            throw new AlreadyExistsException($"Registered Model (name={model.Name}) already exists.");
        }
    }

    public async Task UpdateModelAsync(RegisteredModel model, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.RegisteredModels.Update(model);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
    }

    public async Task<IReadOnlyList<string>> DeleteModelAsync(Guid id, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var serving = await db.ServingEndpoints.Where(e => e.ModelId == id).Select(e => e.Name).ToListAsync(ct);
        if (serving.Count > 0)
        {
            throw new ConflictException($"The model is deployed to endpoint(s) {string.Join(", ", serving)}; delete them first.");
        }

        var versions = db.ModelVersions.Where(v => v.ModelId == id).Select(v => v.Id);
        var keys = await db.ModelFiles.Where(f => versions.Contains(f.VersionId)).Select(f => f.ObjectKey).ToListAsync(ct);
        await db.ModelFiles.Where(f => versions.Contains(f.VersionId)).ExecuteDeleteAsync(ct);
        await db.ModelVersionTags.Where(t => versions.Contains(t.VersionId)).ExecuteDeleteAsync(ct);
        await db.StageTransitions.Where(t => t.ModelId == id).ExecuteDeleteAsync(ct);
        await db.ModelAliases.Where(a => a.ModelId == id).ExecuteDeleteAsync(ct);
        await db.ModelVersions.Where(v => v.ModelId == id).ExecuteDeleteAsync(ct);
        await db.RegisteredModelTags.Where(t => t.ModelId == id).ExecuteDeleteAsync(ct);
        // Tracked, not ExecuteDelete: the save then moves the access stamp, so no node keeps the grants cached.
        db.Grants.RemoveRange(await db.Grants.Where(g => g.ObjectType == SecurableTypes.RegisteredModel && g.ObjectId == id).ToListAsync(ct));
        await db.RegisteredModels.Where(m => m.Id == id).ExecuteDeleteAsync(ct);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return keys;
    }

    public async Task<IReadOnlyList<RegisteredModelTag>> ListModelTagsAsync(IReadOnlyCollection<Guid> modelIds, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var ids = modelIds.ToList();
        return await db.RegisteredModelTags.AsNoTracking().Where(t => ids.Contains(t.ModelId)).OrderBy(t => t.Key).ToListAsync(ct);
    }

    public async Task SetModelTagAsync(RegisteredModelTag tag, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var existing = await db.RegisteredModelTags.FirstOrDefaultAsync(t => t.ModelId == tag.ModelId && t.Key == tag.Key, ct);
        if (existing is null)
        {
            db.RegisteredModelTags.Add(tag);
        }
        else
        {
            existing.Value = tag.Value;
        }

        await db.SaveChangesAsync(ct);
    }

    public async Task<bool> DeleteModelTagAsync(Guid modelId, string key, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.RegisteredModelTags.Where(t => t.ModelId == modelId && t.Key == key).ExecuteDeleteAsync(ct) > 0;
    }

    public async Task AddVersionAsync(ModelVersion version, IReadOnlyList<ModelFile> files, IReadOnlyList<ModelVersionTag> tags, AuditEntry audit, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            version.Version = (await db.ModelVersions.Where(v => v.ModelId == version.ModelId).MaxAsync(v => (int?)v.Version, ct) ?? 0) + 1;
            db.ModelVersions.Add(version);
            db.ModelFiles.AddRange(files);
            db.ModelVersionTags.AddRange(tags);
            db.AuditEntries.Add(audit);
            try
            {
                await db.SaveChangesAsync(ct);
                return;
            }
            catch (DbUpdateException) when (attempt < 5)
            {
                // Another version took the number: take the next one.
            }
        }
    }

    public async Task<ModelVersion?> FindVersionAsync(Guid modelId, int version, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.ModelVersions.AsNoTracking().FirstOrDefaultAsync(v => v.ModelId == modelId && v.Version == version, ct);
    }

    public async Task<IReadOnlyList<ModelVersion>> ListVersionsAsync(IReadOnlyCollection<Guid> modelIds, Guid? runId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var ids = modelIds.ToList();
        var versions = db.ModelVersions.AsNoTracking().Where(v => ids.Contains(v.ModelId));
        if (runId is { } run)
        {
            versions = versions.Where(v => v.RunId == run);
        }

        return await versions.OrderBy(v => v.ModelId).ThenBy(v => v.Version).ToListAsync(ct);
    }

    public async Task UpdateVersionAsync(ModelVersion version, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.ModelVersions.Update(version);
        await db.SaveChangesAsync(ct);
    }

    public async Task<IReadOnlyList<string>> DeleteVersionAsync(ModelVersion version, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var serving = await db.ServingEndpoints.Where(e => e.ModelId == version.ModelId && (e.Version == version.Version || e.CanaryVersion == version.Version)).Select(e => e.Name).ToListAsync(ct);
        if (serving.Count > 0)
        {
            throw new ConflictException($"Version {version.Version} is served by endpoint(s) {string.Join(", ", serving)}; roll them to another version or delete them first.");
        }

        var keys = await db.ModelFiles.Where(f => f.VersionId == version.Id).Select(f => f.ObjectKey).ToListAsync(ct);
        await db.ModelFiles.Where(f => f.VersionId == version.Id).ExecuteDeleteAsync(ct);
        await db.ModelVersionTags.Where(t => t.VersionId == version.Id).ExecuteDeleteAsync(ct);
        await db.ModelAliases.Where(a => a.ModelId == version.ModelId && a.Version == version.Version).ExecuteDeleteAsync(ct);
        await db.ModelVersions.Where(v => v.Id == version.Id).ExecuteDeleteAsync(ct);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return keys;
    }

    public async Task<IReadOnlyList<ModelVersionTag>> ListVersionTagsAsync(IReadOnlyCollection<Guid> versionIds, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var ids = versionIds.ToList();
        return await db.ModelVersionTags.AsNoTracking().Where(t => ids.Contains(t.VersionId)).OrderBy(t => t.Key).ToListAsync(ct);
    }

    public async Task SetVersionTagAsync(ModelVersionTag tag, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var existing = await db.ModelVersionTags.FirstOrDefaultAsync(t => t.VersionId == tag.VersionId && t.Key == tag.Key, ct);
        if (existing is null)
        {
            db.ModelVersionTags.Add(tag);
        }
        else
        {
            existing.Value = tag.Value;
        }

        await db.SaveChangesAsync(ct);
    }

    public async Task<bool> DeleteVersionTagAsync(Guid versionId, string key, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.ModelVersionTags.Where(t => t.VersionId == versionId && t.Key == key).ExecuteDeleteAsync(ct) > 0;
    }

    public async Task<IReadOnlyList<ModelFile>> ListFilesAsync(Guid versionId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.ModelFiles.AsNoTracking().Where(f => f.VersionId == versionId).OrderBy(f => f.Path).ToListAsync(ct);
    }

    public async Task<IReadOnlyList<ModelAlias>> ListAliasesAsync(IReadOnlyCollection<Guid> modelIds, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var ids = modelIds.ToList();
        return await db.ModelAliases.AsNoTracking().Where(a => ids.Contains(a.ModelId)).OrderBy(a => a.Alias).ToListAsync(ct);
    }

    public async Task SetAliasAsync(ModelAlias alias, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var existing = await db.ModelAliases.FirstOrDefaultAsync(a => a.ModelId == alias.ModelId && a.Alias == alias.Alias, ct);
        if (existing is null)
        {
            db.ModelAliases.Add(alias);
        }
        else
        {
            existing.Version = alias.Version;
        }

        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
    }

    public async Task<bool> DeleteAliasAsync(Guid modelId, string alias, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await db.ModelAliases.FirstOrDefaultAsync(a => a.ModelId == modelId && a.Alias == alias, ct) is not { } row)
        {
            return false;
        }

        db.ModelAliases.Remove(row);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
        return true;
    }

    public async Task SaveTransitionsAsync(IReadOnlyList<ModelVersion> versions, IReadOnlyList<StageTransition> transitions, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.ModelVersions.UpdateRange(versions);
        db.StageTransitions.AddRange(transitions);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
    }

    public async Task<IReadOnlyList<StageTransition>> ListTransitionsAsync(Guid modelId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.StageTransitions.AsNoTracking().Where(t => t.ModelId == modelId).OrderByDescending(t => t.At).ThenByDescending(t => t.Id).ToListAsync(ct);
    }
}
