using AiPlatform.Core.Common;
using AiPlatform.Core.Tracking;
using Microsoft.EntityFrameworkCore;
using Npgsql;
using NpgsqlTypes;

namespace AiPlatform.Infrastructure.Persistence.Stores;

// Log-batch: params, tags, metrics (and the rename they carry) in one transaction.
internal sealed partial class EfTrackingStore
{
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

        if (tags.Any(t => t.Key is TrackingLimits.RunNameTag or TrackingLimits.ParentRunTag))
        {
            await db.Runs.Where(r => r.Id == run.Id)
                .ExecuteUpdateAsync(s => s.SetProperty(r => r.Name, run.Name).SetProperty(r => r.ParentRunId, run.ParentRunId), ct);
        }

        await db.SaveChangesAsync(ct);
        if (metrics.Count > 0)
        {
            await InsertMetricsAsync(db, metrics, ct);
            await UpsertLatestAsync(db, run, metrics, ct);
        }

        await transaction.CommitAsync(ct);
    }

    // PostgreSQL takes metrics by binary COPY inside the transaction; SQLite by batched inserts.
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

    // Keeps the latest value per key: the highest step, then timestamp, then value, as MLflow orders them.
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
}
