using AiPlatform.Core.Common;
using AiPlatform.Core.Tracking;
using Microsoft.EntityFrameworkCore;

namespace AiPlatform.Infrastructure.Persistence.Stores;

/// <summary>MLflow 3's logged models, their data, artifacts and run outputs in the platform database.</summary>
internal sealed class EfLoggedModelStore(IDbContextFactory<PlatformDbContext> contexts) : ILoggedModelStore
{
    public async Task AddAsync(LoggedModel model, IReadOnlyList<LoggedModelTag> tags, IReadOnlyList<LoggedModelParam> parameters, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.Set<LoggedModel>().Add(model);
        db.Set<LoggedModelTag>().AddRange(tags);
        db.Set<LoggedModelParam>().AddRange(parameters);
        await db.SaveChangesAsync(ct);
    }

    public async Task<LoggedModel?> FindAsync(Guid id, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Set<LoggedModel>().AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, ct);
    }

    public async Task UpdateAsync(LoggedModel model, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.Set<LoggedModel>().Update(model);
        await db.SaveChangesAsync(ct);
    }

    public async Task<IReadOnlyList<LoggedModel>> ListAsync(IReadOnlyCollection<Guid> experimentIds, string? name, int limit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var ids = experimentIds.ToList();
        var query = db.Set<LoggedModel>().AsNoTracking()
            .Where(m => ids.Contains(m.ExperimentId) && m.LifecycleStage == LifecycleStage.Active);
        if (name is not null)
        {
            query = query.Where(m => m.Name == name);
        }

        return await query.OrderByDescending(m => m.CreatedAt).ThenBy(m => m.Id).Take(limit).ToListAsync(ct);
    }

    public async Task<IReadOnlyList<LoggedModel>> ListForRunAsync(Guid runId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var outputs = db.Set<RunModelOutput>().Where(o => o.RunId == runId).Select(o => o.ModelId);
        return await db.Set<LoggedModel>().AsNoTracking()
            .Where(m => m.LifecycleStage == LifecycleStage.Active && (m.SourceRunId == runId || outputs.Contains(m.Id)))
            .OrderByDescending(m => m.CreatedAt).ThenBy(m => m.Id).ToListAsync(ct);
    }

    public async Task<LoggedModelDataSet> LoadDataAsync(IReadOnlyCollection<Guid> modelIds, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var ids = modelIds.ToList();
        return new LoggedModelDataSet(
            await db.Set<LoggedModelTag>().AsNoTracking().Where(t => ids.Contains(t.ModelId)).ToListAsync(ct),
            await db.Set<LoggedModelParam>().AsNoTracking().Where(p => ids.Contains(p.ModelId)).ToListAsync(ct),
            await db.Set<LoggedModelMetric>().AsNoTracking().Where(m => ids.Contains(m.ModelId)).OrderBy(m => m.Id).ToListAsync(ct));
    }

    public async Task SetTagsAsync(LoggedModel model, IReadOnlyList<LoggedModelTag> tags, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var keys = tags.Select(t => t.Key).ToList();
        var existing = await db.Set<LoggedModelTag>().Where(t => t.ModelId == model.Id && keys.Contains(t.Key)).ToDictionaryAsync(t => t.Key, ct);
        foreach (var tag in tags)
        {
            if (existing.TryGetValue(tag.Key, out var row))
            {
                row.Value = tag.Value;
            }
            else
            {
                db.Set<LoggedModelTag>().Add(tag);
            }
        }

        db.Set<LoggedModel>().Attach(model).Property(m => m.UpdatedAt).IsModified = true;
        await db.SaveChangesAsync(ct);
    }

    public async Task<bool> DeleteTagAsync(Guid modelId, string key, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Set<LoggedModelTag>().Where(t => t.ModelId == modelId && t.Key == key).ExecuteDeleteAsync(ct) > 0;
    }

    public async Task AddParamsAsync(Guid modelId, IReadOnlyList<LoggedModelParam> parameters, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var keys = parameters.Select(p => p.Key).ToList();
        var existing = await db.Set<LoggedModelParam>().AsNoTracking().Where(p => p.ModelId == modelId && keys.Contains(p.Key)).ToDictionaryAsync(p => p.Key, p => p.Value, ct);
        foreach (var parameter in parameters)
        {
            if (existing.TryGetValue(parameter.Key, out var value))
            {
                if (value != parameter.Value)
                {
                    throw new ValidationException("params", $"Changing param values is not allowed. Param with key='{parameter.Key}' was already logged with value='{value}' for logged model {LoggedModelService.FormatId(modelId)}. Attempted logging new value '{parameter.Value}'.");
                }

                continue;
            }

            db.Set<LoggedModelParam>().Add(parameter);
        }

        await db.SaveChangesAsync(ct);
    }

    public async Task AddMetricsAsync(IReadOnlyList<LoggedModelMetric> metrics, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.Set<LoggedModelMetric>().AddRange(metrics);
        await db.SaveChangesAsync(ct);
    }

    public async Task AddOutputsAsync(IReadOnlyList<RunModelOutput> outputs, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        foreach (var output in outputs.DistinctBy(o => (o.RunId, o.ModelId, o.Step)))
        {
            if (!await db.Set<RunModelOutput>().AnyAsync(o => o.RunId == output.RunId && o.ModelId == output.ModelId && o.Step == output.Step, ct))
            {
                db.Set<RunModelOutput>().Add(output);
            }
        }

        await db.SaveChangesAsync(ct);
    }

    public async Task<IReadOnlyList<RunModelOutput>> ListOutputsAsync(IReadOnlyCollection<Guid> runIds, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var ids = runIds.ToList();
        var active = db.Set<LoggedModel>().Where(m => m.LifecycleStage == LifecycleStage.Active).Select(m => m.Id);
        return await db.Set<RunModelOutput>().AsNoTracking().Where(o => ids.Contains(o.RunId) && active.Contains(o.ModelId)).OrderBy(o => o.Step).ToListAsync(ct);
    }

    public async Task<IReadOnlyList<LoggedModelArtifact>> ListArtifactsAsync(Guid modelId, string prefix, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var artifacts = db.Set<LoggedModelArtifact>().AsNoTracking().Where(a => a.ModelId == modelId);
        if (prefix.Length > 0)
        {
            artifacts = artifacts.Where(a => a.Path.StartsWith(prefix));
        }

        return await artifacts.OrderBy(a => a.Path).ToListAsync(ct);
    }

    public async Task<LoggedModelArtifact?> FindArtifactAsync(Guid modelId, string path, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Set<LoggedModelArtifact>().AsNoTracking().FirstOrDefaultAsync(a => a.ModelId == modelId && a.Path == path, ct);
    }

    public async Task<LoggedModelArtifact?> UpsertArtifactAsync(LoggedModelArtifact artifact, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var existing = await db.Set<LoggedModelArtifact>().FirstOrDefaultAsync(a => a.ModelId == artifact.ModelId && a.Path == artifact.Path, ct);
        LoggedModelArtifact? replaced = null;
        if (existing is null)
        {
            db.Set<LoggedModelArtifact>().Add(artifact);
        }
        else
        {
            replaced = new LoggedModelArtifact { ModelId = existing.ModelId, Path = existing.Path, ObjectKey = existing.ObjectKey, Size = existing.Size };
            existing.ObjectKey = artifact.ObjectKey;
            existing.Size = artifact.Size;
            existing.ContentType = artifact.ContentType;
            existing.CreatedAt = artifact.CreatedAt;
        }

        await db.SaveChangesAsync(ct);
        return replaced;
    }

    public async Task<IReadOnlyList<LoggedModelArtifact>> DeleteArtifactsAsync(Guid modelId, string path, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var folder = path + "/";
        var doomed = await db.Set<LoggedModelArtifact>().Where(a => a.ModelId == modelId && (a.Path == path || a.Path.StartsWith(folder))).ToListAsync(ct);
        db.Set<LoggedModelArtifact>().RemoveRange(doomed);
        await db.SaveChangesAsync(ct);
        return doomed;
    }
}
