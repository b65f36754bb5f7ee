using AiPlatform.Core.Tracking;
using Microsoft.EntityFrameworkCore;

namespace AiPlatform.Infrastructure.Persistence.Stores;

// Runs: create, find, update, their data, searches and keys.
internal sealed partial class EfTrackingStore
{
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
}
