using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Core.Tracking;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace AiPlatform.Infrastructure.Persistence.Stores;

internal sealed class EfTrackingStore(IDbContextFactory<PlatformDbContext> contexts) : ITrackingStore
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
        await db.RunMetrics.Where(m => runs.Contains(m.RunId)).ExecuteDeleteAsync(ct);
        await db.RunLatestMetrics.Where(m => m.ExperimentId == id).ExecuteDeleteAsync(ct);
        await db.RunParams.Where(p => runs.Contains(p.RunId)).ExecuteDeleteAsync(ct);
        await db.RunTags.Where(t => runs.Contains(t.RunId)).ExecuteDeleteAsync(ct);
        await db.RunInputs.Where(i => runs.Contains(i.RunId)).ExecuteDeleteAsync(ct);
        await db.RunArtifacts.Where(a => runs.Contains(a.RunId)).ExecuteDeleteAsync(ct);
        await db.Runs.Where(r => r.ExperimentId == id).ExecuteDeleteAsync(ct);
        await db.ExperimentTags.Where(t => t.ExperimentId == id).ExecuteDeleteAsync(ct);
        await db.Grants.Where(g => g.ObjectType == SecurableTypes.Experiment && g.ObjectId == id).ExecuteDeleteAsync(ct);
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

    public async Task AddRunAsync(Run run, IReadOnlyList<RunTag> tags, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.Runs.Add(run);
        db.RunTags.AddRange(tags);
        await db.SaveChangesAsync(ct);
    }

    public async Task<Run?> FindRunAsync(Guid id, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Runs.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, ct);
    }

    public async Task UpdateRunAsync(Run run, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.Runs.Update(run);
        await db.SaveChangesAsync(ct);
    }

    public async Task<RunDataSet> LoadRunDataAsync(IReadOnlyCollection<Guid> runIds, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var ids = runIds.ToList();
        if (ids.Count == 0)
        {
            return new RunDataSet([], [], [], []);
        }

        return new RunDataSet(
            await db.RunParams.AsNoTracking().Where(p => ids.Contains(p.RunId)).OrderBy(p => p.Key).ToListAsync(ct),
            await db.RunTags.AsNoTracking().Where(t => ids.Contains(t.RunId)).OrderBy(t => t.Key).ToListAsync(ct),
            await db.RunLatestMetrics.AsNoTracking().Where(m => ids.Contains(m.RunId)).OrderBy(m => m.Key).ToListAsync(ct),
            await db.RunInputs.AsNoTracking().Where(i => ids.Contains(i.RunId)).OrderBy(i => i.Id).ToListAsync(ct));
    }

    public async Task LogBatchAsync(Run run, IReadOnlyList<RunMetric> metrics, IReadOnlyList<RunParam> parameters, IReadOnlyList<RunTag> tags, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await LogBatchOnceAsync(run, metrics, parameters, tags, ct);
                return;
            }
            catch (DbUpdateException) when (attempt < 2)
            {
                // A concurrent writer added the same param or tag key first: check again against what is stored now.
            }
            catch (PostgresException e) when (e.SqlState == PostgresErrorCodes.UniqueViolation && attempt < 2)
            {
            }
        }
    }

    private async Task LogBatchOnceAsync(Run run, IReadOnlyList<RunMetric> metrics, IReadOnlyList<RunParam> parameters, IReadOnlyList<RunTag> tags, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (parameters.Count > 0)
        {
            foreach (var duplicate in parameters.GroupBy(p => p.Key).Where(g => g.Select(p => p.Value).Distinct().Count() > 1))
            {
                throw new ValidationException("params", $"Duplicate parameter keys have been submitted: ['{duplicate.Key}']. Please ensure the request contains only one param value per param key.");
            }

            var keys = parameters.Select(p => p.Key).Distinct().ToList();
            var existing = await db.RunParams.AsNoTracking().Where(p => p.RunId == run.Id && keys.Contains(p.Key)).ToDictionaryAsync(p => p.Key, p => p.Value, ct);
            foreach (var param in parameters.DistinctBy(p => p.Key))
            {
                if (existing.TryGetValue(param.Key, out var old))
                {
                    if (old != param.Value)
                    {
                        throw new ValidationException("params", $"Changing param values is not allowed. Param with key='{param.Key}' was already logged with value='{old}' for run ID='{run.MlflowId}'. Attempted logging new value '{param.Value}'.");
                    }
                }
                else
                {
                    db.RunParams.Add(param);
                }
            }
        }

        if (tags.Count > 0)
        {
            var last = tags.GroupBy(t => t.Key).Select(g => g.Last()).ToList();
            var keys = last.Select(t => t.Key).ToList();
            var existing = await db.RunTags.Where(t => t.RunId == run.Id && keys.Contains(t.Key)).ToDictionaryAsync(t => t.Key, ct);
            foreach (var tag in last)
            {
                if (existing.TryGetValue(tag.Key, out var stored))
                {
                    stored.Value = tag.Value;
                }
                else
                {
                    db.RunTags.Add(tag);
                }
            }
        }

        await db.SaveChangesAsync(ct);
        if (metrics.Count > 0)
        {
            await InsertMetricsAsync(db, metrics, ct);
            await UpsertLatestAsync(db, run, metrics, ct);
        }

        await transaction.CommitAsync(ct);
    }

    /// <summary>PostgreSQL takes metrics by binary COPY inside the transaction; SQLite by batched inserts.</summary>
    private static async Task InsertMetricsAsync(PlatformDbContext db, IReadOnlyList<RunMetric> metrics, CancellationToken ct)
    {
        if (db.Database.GetDbConnection() is NpgsqlConnection connection)
        {
            await using var writer = await connection.BeginBinaryImportAsync("COPY \"run_metrics\" (\"run_id\", \"key\", \"value\", \"is_nan\", \"timestamp\", \"step\") FROM STDIN (FORMAT BINARY)", ct);
            foreach (var m in metrics)
            {
                await writer.StartRowAsync(ct);
                await writer.WriteAsync(m.RunId, NpgsqlDbType.Uuid, ct);
                await writer.WriteAsync(m.Key, NpgsqlDbType.Varchar, ct);
                await writer.WriteAsync(m.Value, NpgsqlDbType.Double, ct);
                await writer.WriteAsync(m.IsNan, NpgsqlDbType.Boolean, ct);
                await writer.WriteAsync(m.Timestamp, NpgsqlDbType.Bigint, ct);
                await writer.WriteAsync(m.Step, NpgsqlDbType.Bigint, ct);
            }

            await writer.CompleteAsync(ct);
            return;
        }

        db.ChangeTracker.AutoDetectChangesEnabled = false;
        db.RunMetrics.AddRange(metrics.Select(m => new RunMetric { RunId = m.RunId, Key = m.Key, Value = m.Value, IsNan = m.IsNan, Timestamp = m.Timestamp, Step = m.Step }));
        await db.SaveChangesAsync(ct);
    }

    /// <summary>Keeps the latest value per key: the highest step, then timestamp, then value, as MLflow orders them.</summary>
    private static async Task UpsertLatestAsync(PlatformDbContext db, Run run, IReadOnlyList<RunMetric> metrics, CancellationToken ct)
    {
        var latest = metrics.GroupBy(m => m.Key)
            .Select(g => g.OrderByDescending(m => m.Step).ThenByDescending(m => m.Timestamp).ThenByDescending(m => m.IsNan ? double.PositiveInfinity : m.Value).First())
            .ToList();
        foreach (var chunk in latest.Chunk(100))
        {
            var values = new List<object>();
            var rows = new List<string>();
            foreach (var m in chunk)
            {
                var i = values.Count;
                rows.Add($"({{{i}}}, {{{i + 1}}}, {{{i + 2}}}, {{{i + 3}}}, {{{i + 4}}}, {{{i + 5}}}, {{{i + 6}}})");
                values.AddRange([run.Id, run.ExperimentId, m.Key, m.Value, m.IsNan, m.Timestamp, m.Step]);
            }

            var sql = "INSERT INTO \"run_latest_metrics\" (\"run_id\", \"experiment_id\", \"key\", \"value\", \"is_nan\", \"timestamp\", \"step\") VALUES "
                + string.Join(", ", rows)
                + " ON CONFLICT (\"run_id\", \"key\") DO UPDATE SET \"value\" = excluded.\"value\", \"is_nan\" = excluded.\"is_nan\", \"timestamp\" = excluded.\"timestamp\", \"step\" = excluded.\"step\""
                + " WHERE excluded.\"step\" > \"run_latest_metrics\".\"step\" OR (excluded.\"step\" = \"run_latest_metrics\".\"step\" AND (excluded.\"timestamp\" > \"run_latest_metrics\".\"timestamp\""
                + " OR (excluded.\"timestamp\" = \"run_latest_metrics\".\"timestamp\" AND excluded.\"value\" >= \"run_latest_metrics\".\"value\")))";
            await db.Database.ExecuteSqlRawAsync(sql, values, ct);
        }
    }

    public async Task<bool> DeleteRunTagAsync(Guid runId, string key, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.RunTags.Where(t => t.RunId == runId && t.Key == key).ExecuteDeleteAsync(ct) > 0;
    }

    public async Task<IReadOnlyList<RunMetric>> GetMetricHistoryAsync(IReadOnlyCollection<Guid> runIds, string key, int offset, int limit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var ids = runIds.ToList();
        return await db.RunMetrics.AsNoTracking().Where(m => ids.Contains(m.RunId) && m.Key == key)
            .OrderBy(m => m.RunId).ThenBy(m => m.Step).ThenBy(m => m.Timestamp).ThenBy(m => m.Id)
            .Skip(offset).Take(limit).ToListAsync(ct);
    }

    public async Task<IReadOnlyList<Run>> SearchRunsAsync(RunQuery query, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var (sql, parameters) = RunSearchSql.Build(query, db.Database.IsSqlite(), count: false);
        return await db.Runs.FromSqlRaw(sql, parameters).AsNoTracking().ToListAsync(ct);
    }

    public async Task<int> CountRunsAsync(RunQuery query, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var (sql, parameters) = RunSearchSql.Build(query, db.Database.IsSqlite(), count: true);
        return (await db.Database.SqlQueryRaw<int>(sql, parameters).ToListAsync(ct)).Single();
    }

    public async Task<IReadOnlyList<Run>> ListChildRunsAsync(Guid parentRunId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Runs.AsNoTracking().Where(r => r.ParentRunId == parentRunId).OrderBy(r => r.StartTime).ToListAsync(ct);
    }

    public async Task<(IReadOnlyList<string> Metrics, IReadOnlyList<string> Params, IReadOnlyList<string> Tags)> ListKeysAsync(Guid experimentId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var runs = db.Runs.Where(r => r.ExperimentId == experimentId).Select(r => r.Id);
        var metrics = await db.RunLatestMetrics.Where(m => m.ExperimentId == experimentId).Select(m => m.Key).Distinct().OrderBy(k => k).Take(500).ToListAsync(ct);
        var parameters = await db.RunParams.Where(p => runs.Contains(p.RunId)).Select(p => p.Key).Distinct().OrderBy(k => k).Take(500).ToListAsync(ct);
        var tags = await db.RunTags.Where(t => runs.Contains(t.RunId)).Select(t => t.Key).Distinct().OrderBy(k => k).Take(500).ToListAsync(ct);
        return (metrics, parameters, tags);
    }

    public async Task AddInputsAsync(IReadOnlyList<RunInput> inputs, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var runIds = inputs.Select(i => i.RunId).Distinct().ToList();
        var existing = await db.RunInputs.AsNoTracking().Where(i => runIds.Contains(i.RunId)).Select(i => new { i.RunId, i.Name, i.Digest, i.Context }).ToListAsync(ct);
        db.RunInputs.AddRange(inputs.Where(i => !existing.Any(e => e.RunId == i.RunId && e.Name == i.Name && e.Digest == i.Digest && e.Context == i.Context)));
        await db.SaveChangesAsync(ct);
    }

    public async Task<IReadOnlyList<(Run Run, Experiment Experiment, RunInput Input)>> ListRunsUsingDatasetVersionAsync(Guid datasetVersionId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var rows = await (from i in db.RunInputs
                          join r in db.Runs on i.RunId equals r.Id
                          join e in db.Experiments on r.ExperimentId equals e.Id
                          where i.DatasetVersionId == datasetVersionId && r.LifecycleStage == LifecycleStage.Active
                          orderby r.StartTime descending
                          select new { r, e, i }).AsNoTracking().Take(200).ToListAsync(ct);
        return rows.Select(x => (x.r, x.e, x.i)).ToList();
    }

    public async Task<IReadOnlyList<RunArtifact>> ListArtifactsAsync(Guid runId, string prefix, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var artifacts = db.RunArtifacts.AsNoTracking().Where(a => a.RunId == runId);
        if (prefix.Length > 0)
        {
            artifacts = artifacts.Where(a => a.Path.StartsWith(prefix));
        }

        return await artifacts.OrderBy(a => a.Path).ToListAsync(ct);
    }

    public async Task<RunArtifact?> FindArtifactAsync(Guid runId, string path, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.RunArtifacts.AsNoTracking().FirstOrDefaultAsync(a => a.RunId == runId && a.Path == path, ct);
    }

    public async Task<RunArtifact?> UpsertArtifactAsync(RunArtifact artifact, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var existing = await db.RunArtifacts.FirstOrDefaultAsync(a => a.RunId == artifact.RunId && a.Path == artifact.Path, ct);
        RunArtifact? replaced = null;
        if (existing is null)
        {
            db.RunArtifacts.Add(artifact);
        }
        else
        {
            replaced = new RunArtifact { RunId = existing.RunId, Path = existing.Path, ObjectKey = existing.ObjectKey, Size = existing.Size };
            existing.ObjectKey = artifact.ObjectKey;
            existing.Size = artifact.Size;
            existing.ContentType = artifact.ContentType;
            existing.CreatedAt = artifact.CreatedAt;
        }

        await db.SaveChangesAsync(ct);
        return replaced;
    }

    public async Task<IReadOnlyList<RunArtifact>> DeleteArtifactsAsync(Guid runId, string path, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var folder = path + "/";
        var doomed = await db.RunArtifacts.Where(a => a.RunId == runId && (a.Path == path || a.Path.StartsWith(folder))).ToListAsync(ct);
        db.RunArtifacts.RemoveRange(doomed);
        if (doomed.Count > 0)
        {
            db.AuditEntries.Add(audit);
        }

        await db.SaveChangesAsync(ct);
        return doomed;
    }
}
