using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Core.Tracking;
using Microsoft.EntityFrameworkCore;

namespace AiPlatform.Infrastructure.Persistence.Stores;

/// <summary>Experiments, runs and their data in the platform database; split by concern: experiments here, runs, log-batch and inputs/artifacts in the other parts.</summary>
internal sealed partial class EfTrackingStore(IDbContextFactory<PlatformDbContext> contexts) : ITrackingStore
{
    public async Task<(IReadOnlyList<Experiment> Items, int Total)> ListReadableExperimentsAsync(AccessContext context, ExperimentQuery query, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var experiments = db.Experiments.AsNoTracking().ReadableExperiments(db, context);

        experiments = query.View switch
        {
            ViewType.ActiveOnly => experiments.Where(e => e.LifecycleStage == LifecycleStage.Active),
            ViewType.DeletedOnly => experiments.Where(e => e.LifecycleStage == LifecycleStage.Deleted),
            _ => experiments,
        };
        if (query.ProjectId is { } projectId)
        {
            experiments = experiments.Where(e => e.ProjectId == projectId);
        }

        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var term = query.Search.Trim().ToLower();
            experiments = experiments.Where(e => e.Name.ToLower().Contains(term));
        }

        var sqlite = db.Database.IsSqlite();
        foreach (var clause in query.Filter)
        {
            experiments = ApplyExperimentClause(db, experiments, clause, sqlite);
        }

        var total = await experiments.CountAsync(ct);
        IOrderedQueryable<Experiment>? ordered = null;
        foreach (var order in query.Order)
        {
            ordered = order.Key switch
            {
                "name" => Then(ordered, experiments, e => e.Name, order.Ascending),
                "experiment_id" => Then(ordered, experiments, e => e.Number, order.Ascending),
                "last_update_time" => Then(ordered, experiments, e => e.UpdatedAt, order.Ascending),
                _ => Then(ordered, experiments, e => e.CreatedAt, order.Ascending),
            };
        }

        ordered = ordered is null ? experiments.OrderByDescending(e => e.CreatedAt) : ordered.ThenByDescending(e => e.CreatedAt);
        var items = await ordered.ThenBy(e => e.Id).Skip(query.Offset).Take(query.Limit).ToListAsync(ct);
        return (items, total);
    }

    private static IOrderedQueryable<Experiment> Then<TKey>(IOrderedQueryable<Experiment>? ordered, IQueryable<Experiment> source, System.Linq.Expressions.Expression<Func<Experiment, TKey>> key, bool ascending) =>
        ordered is null
            ? (ascending ? source.OrderBy(key) : source.OrderByDescending(key))
            : (ascending ? ordered.ThenBy(key) : ordered.ThenByDescending(key));

    private static IQueryable<Experiment> ApplyExperimentClause(PlatformDbContext db, IQueryable<Experiment> experiments, SearchClause clause, bool sqlite)
    {
        if (clause.Entity == SearchEntity.Attribute && clause.Key is "creation_time" or "last_update_time")
        {
            var at = DateTimeOffset.FromUnixTimeMilliseconds((long)(double)clause.Value!);
            return (clause.Key, clause.Operator) switch
            {
                ("creation_time", ">") => experiments.Where(e => e.CreatedAt > at),
                ("creation_time", ">=") => experiments.Where(e => e.CreatedAt >= at),
                ("creation_time", "<") => experiments.Where(e => e.CreatedAt < at),
                ("creation_time", "<=") => experiments.Where(e => e.CreatedAt <= at),
                ("creation_time", "=") => experiments.Where(e => e.CreatedAt == at),
                ("creation_time", _) => experiments.Where(e => e.CreatedAt != at),
                (_, ">") => experiments.Where(e => e.UpdatedAt > at),
                (_, ">=") => experiments.Where(e => e.UpdatedAt >= at),
                (_, "<") => experiments.Where(e => e.UpdatedAt < at),
                (_, "<=") => experiments.Where(e => e.UpdatedAt <= at),
                (_, "=") => experiments.Where(e => e.UpdatedAt == at),
                _ => experiments.Where(e => e.UpdatedAt != at),
            };
        }

        var value = (string)clause.Value!;
        var lower = value.ToLower();
        var glob = RunSearchSql.LikeToGlob(value);
        if (clause.Entity == SearchEntity.Attribute)
        {
            return clause.Operator switch
            {
                "=" => experiments.Where(e => e.Name == value),
                "!=" => experiments.Where(e => e.Name != value),
                "LIKE" when sqlite => experiments.Where(e => EF.Functions.Glob(e.Name, glob)),
                "LIKE" => experiments.Where(e => EF.Functions.Like(e.Name, value)),
                _ => experiments.Where(e => EF.Functions.Like(e.Name.ToLower(), lower)),
            };
        }

        var key = clause.Key;
        var tags = db.ExperimentTags.Where(t => t.Key == key);
        tags = clause.Operator switch
        {
            "=" => tags.Where(t => t.Value == value),
            "!=" => tags.Where(t => t.Value != value),
            "LIKE" when sqlite => tags.Where(t => EF.Functions.Glob(t.Value, glob)),
            "LIKE" => tags.Where(t => EF.Functions.Like(t.Value, value)),
            _ => tags.Where(t => EF.Functions.Like(t.Value.ToLower(), lower)),
        };
        return experiments.Where(e => tags.Any(t => t.ExperimentId == e.Id));
    }

    public async Task<Experiment?> FindExperimentAsync(Guid id, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Experiments.AsNoTracking().FirstOrDefaultAsync(e => e.Id == id, ct);
    }

    public async Task<Experiment?> FindExperimentByNumberAsync(long number, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Experiments.AsNoTracking().FirstOrDefaultAsync(e => e.Number == number, ct);
    }

    public async Task<Experiment?> FindExperimentByNameAsync(Guid ownerId, string name, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Experiments.AsNoTracking().FirstOrDefaultAsync(e => e.OwnerId == ownerId && e.Name == name, ct);
    }

    public async Task<IReadOnlyList<Experiment>> ListExperimentsByNameAsync(string name, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Experiments.AsNoTracking().Where(e => e.Name == name).OrderBy(e => e.Number).ToListAsync(ct);
    }

    public async Task AddExperimentAsync(Experiment experiment, IReadOnlyList<ExperimentTag> tags, AuditEntry audit, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            experiment.Number = (await db.Experiments.MaxAsync(e => (long?)e.Number, ct) ?? 0) + 1;
            db.Experiments.Add(experiment);
            db.ExperimentTags.AddRange(tags);
            db.AuditEntries.Add(audit);
            try
            {
                await db.SaveChangesAsync(ct);
                return;
            }
            catch (DbUpdateException) when (attempt < 5)
            {
                // Two experiments took the same number, or the name was taken meanwhile: look again.
                if (await FindExperimentByNameAsync(experiment.OwnerId, experiment.Name, ct) is not null)
                {
                    throw new AlreadyExistsException($"Experiment '{experiment.Name}' already exists.");
                }
            }
        }
    }

    public async Task UpdateExperimentAsync(Experiment experiment, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.Experiments.Update(experiment);
        db.AuditEntries.Add(audit);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateException)
        {
            if (await FindExperimentByNameAsync(experiment.OwnerId, experiment.Name, ct) is { } other && other.Id != experiment.Id)
            {
                throw new AlreadyExistsException($"Experiment '{experiment.Name}' already exists.");
            }

            throw;
        }
    }

    public async Task<IReadOnlyList<string>> PurgeExperimentAsync(Guid id, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var runs = db.Runs.Where(r => r.ExperimentId == id).Select(r => r.Id);
        var keys = await db.RunArtifacts.Where(a => runs.Contains(a.RunId)).Select(a => a.ObjectKey).ToListAsync(ct);
        var models = db.Set<LoggedModel>().Where(m => m.ExperimentId == id).Select(m => m.Id);
        keys.AddRange(await db.Set<LoggedModelArtifact>().Where(a => models.Contains(a.ModelId)).Select(a => a.ObjectKey).ToListAsync(ct));
        await db.Set<LoggedModelArtifact>().Where(a => models.Contains(a.ModelId)).ExecuteDeleteAsync(ct);
        await db.Set<LoggedModelMetric>().Where(m => models.Contains(m.ModelId)).ExecuteDeleteAsync(ct);
        await db.Set<LoggedModelParam>().Where(p => models.Contains(p.ModelId)).ExecuteDeleteAsync(ct);
        await db.Set<LoggedModelTag>().Where(t => models.Contains(t.ModelId)).ExecuteDeleteAsync(ct);
        await db.Set<RunModelOutput>().Where(o => models.Contains(o.ModelId) || runs.Contains(o.RunId)).ExecuteDeleteAsync(ct);
        await db.Set<LoggedModel>().Where(m => m.ExperimentId == id).ExecuteDeleteAsync(ct);
        await db.RunMetrics.Where(m => runs.Contains(m.RunId)).ExecuteDeleteAsync(ct);
        await db.RunLatestMetrics.Where(m => m.ExperimentId == id).ExecuteDeleteAsync(ct);
        await db.RunParams.Where(p => runs.Contains(p.RunId)).ExecuteDeleteAsync(ct);
        await db.RunTags.Where(t => runs.Contains(t.RunId)).ExecuteDeleteAsync(ct);
        await db.RunInputs.Where(i => runs.Contains(i.RunId)).ExecuteDeleteAsync(ct);
        await db.RunArtifacts.Where(a => runs.Contains(a.RunId)).ExecuteDeleteAsync(ct);
        await db.Runs.Where(r => r.ExperimentId == id).ExecuteDeleteAsync(ct);
        await db.ExperimentTags.Where(t => t.ExperimentId == id).ExecuteDeleteAsync(ct);
        // Tracked, not ExecuteDelete: the save then moves the access stamp, so no node keeps the grants cached.
        db.Grants.RemoveRange(await db.Grants.Where(g => g.ObjectType == SecurableTypes.Experiment && g.ObjectId == id).ToListAsync(ct));
        await db.Experiments.Where(e => e.Id == id).ExecuteDeleteAsync(ct);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
        return keys;
    }

    public async Task<IReadOnlyList<ExperimentTag>> ListExperimentTagsAsync(IReadOnlyCollection<Guid> experimentIds, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var ids = experimentIds.ToList();
        return await db.ExperimentTags.AsNoTracking().Where(t => ids.Contains(t.ExperimentId)).OrderBy(t => t.Key).ToListAsync(ct);
    }

    public async Task SetExperimentTagAsync(ExperimentTag tag, DateTimeOffset now, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var existing = await db.ExperimentTags.FirstOrDefaultAsync(t => t.ExperimentId == tag.ExperimentId && t.Key == tag.Key, ct);
        if (existing is null)
        {
            db.ExperimentTags.Add(tag);
        }
        else
        {
            existing.Value = tag.Value;
        }

        await db.Experiments.Where(e => e.Id == tag.ExperimentId).ExecuteUpdateAsync(s => s.SetProperty(e => e.UpdatedAt, now), ct);
        await db.SaveChangesAsync(ct);
    }

    public async Task<bool> DeleteExperimentTagAsync(Guid experimentId, string key, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.ExperimentTags.Where(t => t.ExperimentId == experimentId && t.Key == key).ExecuteDeleteAsync(ct) > 0;
    }

    public async Task<IReadOnlyDictionary<Guid, int>> CountRunsAsync(IReadOnlyCollection<Guid> experimentIds, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var ids = experimentIds.ToList();
        return await db.Runs.Where(r => ids.Contains(r.ExperimentId) && r.LifecycleStage == LifecycleStage.Active)
            .GroupBy(r => r.ExperimentId).Select(g => new { g.Key, Count = g.Count() }).ToDictionaryAsync(g => g.Key, g => g.Count, ct);
    }

    public async Task<int> CountExperimentsInProjectAsync(Guid projectId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Experiments.CountAsync(e => e.ProjectId == projectId, ct);
    }
}
