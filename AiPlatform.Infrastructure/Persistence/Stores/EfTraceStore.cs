using AiPlatform.Core.Tracing;
using Microsoft.EntityFrameworkCore;

namespace AiPlatform.Infrastructure.Persistence.Stores;

internal sealed class EfTraceStore(IDbContextFactory<PlatformDbContext> contexts) : ITraceStore
{
    public async Task SaveTraceAsync(TraceInfo info, IReadOnlyDictionary<string, string> tags, IReadOnlyDictionary<string, string> metadata, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.Set<TraceTag>().Where(t => t.TraceId == info.TraceId).ExecuteDeleteAsync(ct);
        await db.Set<TraceMetadataEntry>().Where(t => t.TraceId == info.TraceId).ExecuteDeleteAsync(ct);
        if (await db.Set<TraceInfo>().AnyAsync(t => t.TraceId == info.TraceId, ct))
        {
            db.Set<TraceInfo>().Update(info);
        }
        else
        {
            db.Set<TraceInfo>().Add(info);
        }

        Add(db, info.TraceId, tags, metadata);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
    }

    public async Task UpdateTraceAsync(TraceInfo info, IReadOnlyDictionary<string, string> tags, IReadOnlyDictionary<string, string> metadata, CancellationToken ct) =>
        await SaveTraceAsync(info, tags, metadata, ct);

    public async Task<TraceDetails?> FindAsync(string traceId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var info = await db.Set<TraceInfo>().AsNoTracking().FirstOrDefaultAsync(t => t.TraceId == traceId, ct);
        return info is null ? null : (await DetailsAsync(db, [info], ct))[0];
    }

    public async Task<TracePage> SearchAsync(TraceQuery query, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var ids = query.ExperimentIds.ToList();
        var traces = db.Set<TraceInfo>().AsNoTracking().Where(t => ids.Contains(t.ExperimentId));
        foreach (var clause in query.Clauses)
        {
            traces = Apply(db, traces, clause);
        }

        IOrderedQueryable<TraceInfo>? ordered = null;
        foreach (var order in query.Orders.Append(new TraceOrder(TraceField.Timestamp, false)))
        {
            ordered = Order(traces, ordered, order);
        }

        var page = await ordered!.ThenBy(t => t.TraceId).Skip(query.Offset).Take(query.Limit + 1).ToListAsync(ct);
        var items = page.Take(query.Limit).ToList();
        var total = page.Count > query.Limit || query.Offset > 0 ? await traces.CountAsync(ct) : items.Count;
        return new TracePage(await DetailsAsync(db, items, ct), page.Count > query.Limit, total);
    }

    public async Task SetTagAsync(string traceId, string key, string value, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var tag = await db.Set<TraceTag>().FirstOrDefaultAsync(t => t.TraceId == traceId && t.Key == key, ct);
        if (tag is null)
        {
            db.Set<TraceTag>().Add(new TraceTag { TraceId = traceId, Key = key, Value = value });
        }
        else
        {
            tag.Value = value;
        }

        await db.SaveChangesAsync(ct);
    }

    public async Task<bool> DeleteTagAsync(string traceId, string key, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Set<TraceTag>().Where(t => t.TraceId == traceId && t.Key == key).ExecuteDeleteAsync(ct) > 0;
    }

    public async Task<int> DeleteAsync(Guid experimentId, IReadOnlyCollection<string>? traceIds, long? maxTimestampMillis, int? maxTraces, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var traces = db.Set<TraceInfo>().Where(t => t.ExperimentId == experimentId);
        List<string> doomed;
        if (traceIds is { Count: > 0 })
        {
            var named = traceIds.ToList();
            doomed = await traces.Where(t => named.Contains(t.TraceId)).Select(t => t.TraceId).ToListAsync(ct);
        }
        else
        {
            var old = traces.Where(t => t.RequestTime <= maxTimestampMillis).OrderBy(t => t.RequestTime).ThenBy(t => t.TraceId).Select(t => t.TraceId);
            doomed = await (maxTraces is { } max ? old.Take(max) : old).ToListAsync(ct);
        }

        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        foreach (var chunk in doomed.Chunk(500))
        {
            await db.Set<TraceTag>().Where(t => chunk.Contains(t.TraceId)).ExecuteDeleteAsync(ct);
            await db.Set<TraceMetadataEntry>().Where(t => chunk.Contains(t.TraceId)).ExecuteDeleteAsync(ct);
            await db.Set<TraceSpans>().Where(t => chunk.Contains(t.TraceId)).ExecuteDeleteAsync(ct);
            await db.Set<TraceInfo>().Where(t => chunk.Contains(t.TraceId)).ExecuteDeleteAsync(ct);
        }

        await transaction.CommitAsync(ct);
        return doomed.Count;
    }

    public async Task AddTracesAsync(IReadOnlyList<NewTrace> traces, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await BulkInsert.RowsAsync(db, [.. traces.Select(t => t.Info)], ct);
        await BulkInsert.RowsAsync(db, [.. traces.SelectMany(t => t.Tags.Select(p => new TraceTag { TraceId = t.Info.TraceId, Key = p.Key, Value = p.Value }))], ct);
        await BulkInsert.RowsAsync(db, [.. traces.SelectMany(t => t.Metadata.Select(p => new TraceMetadataEntry { TraceId = t.Info.TraceId, Key = p.Key, Value = p.Value }))], ct);
        await BulkInsert.RowsAsync(db, [.. traces.Select(t => new TraceSpans { TraceId = t.Info.TraceId, Json = t.SpansJson, UpdatedAt = t.At })], ct);
        await transaction.CommitAsync(ct);
    }

    public async Task SaveSpansAsync(string traceId, string json, DateTimeOffset at, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var spans = await db.Set<TraceSpans>().FirstOrDefaultAsync(t => t.TraceId == traceId, ct);
        if (spans is null)
        {
            db.Set<TraceSpans>().Add(new TraceSpans { TraceId = traceId, Json = json, UpdatedAt = at });
        }
        else
        {
            spans.Json = json;
            spans.UpdatedAt = at;
        }

        await db.SaveChangesAsync(ct);
    }

    public async Task<string?> FindSpansAsync(string traceId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Set<TraceSpans>().AsNoTracking().Where(t => t.TraceId == traceId).Select(t => t.Json).FirstOrDefaultAsync(ct);
    }

    private static void Add(PlatformDbContext db, string traceId, IReadOnlyDictionary<string, string> tags, IReadOnlyDictionary<string, string> metadata)
    {
        db.Set<TraceTag>().AddRange(tags.Select(t => new TraceTag { TraceId = traceId, Key = t.Key, Value = t.Value }));
        db.Set<TraceMetadataEntry>().AddRange(metadata.Select(t => new TraceMetadataEntry { TraceId = traceId, Key = t.Key, Value = t.Value }));
    }

    private static async Task<List<TraceDetails>> DetailsAsync(PlatformDbContext db, List<TraceInfo> infos, CancellationToken ct)
    {
        var ids = infos.Select(t => t.TraceId).ToList();
        var tags = (await db.Set<TraceTag>().AsNoTracking().Where(t => ids.Contains(t.TraceId)).ToListAsync(ct)).ToLookup(t => t.TraceId);
        var metadata = (await db.Set<TraceMetadataEntry>().AsNoTracking().Where(t => ids.Contains(t.TraceId)).ToListAsync(ct)).ToLookup(t => t.TraceId);
        return infos.Select(i => new TraceDetails(
            i,
            tags[i.TraceId].OrderBy(t => t.Key, StringComparer.Ordinal).ToDictionary(t => t.Key, t => t.Value),
            metadata[i.TraceId].OrderBy(t => t.Key, StringComparer.Ordinal).ToDictionary(t => t.Key, t => t.Value))).ToList();
    }

    private static IQueryable<TraceInfo> Apply(PlatformDbContext db, IQueryable<TraceInfo> traces, TraceClause clause)
    {
        switch (clause.Field)
        {
            case TraceField.Timestamp or TraceField.ExecutionTime:
                var n = (long)clause.Value;
                return clause.Field == TraceField.Timestamp
                    ? clause.Operator switch
                    {
                        "=" => traces.Where(t => t.RequestTime == n),
                        "!=" => traces.Where(t => t.RequestTime != n),
                        ">" => traces.Where(t => t.RequestTime > n),
                        ">=" => traces.Where(t => t.RequestTime >= n),
                        "<" => traces.Where(t => t.RequestTime < n),
                        _ => traces.Where(t => t.RequestTime <= n),
                    }
                    : clause.Operator switch
                    {
                        "=" => traces.Where(t => t.ExecutionDuration == n),
                        "!=" => traces.Where(t => t.ExecutionDuration != n),
                        ">" => traces.Where(t => t.ExecutionDuration > n),
                        ">=" => traces.Where(t => t.ExecutionDuration >= n),
                        "<" => traces.Where(t => t.ExecutionDuration < n),
                        _ => traces.Where(t => t.ExecutionDuration <= n),
                    };
            case TraceField.Status:
                var state = Enum.Parse<TraceState>((string)clause.Value);
                return clause.Operator == "=" ? traces.Where(t => t.State == state) : traces.Where(t => t.State != state);
            case TraceField.Tag:
                return Tagged(traces, db.Set<TraceTag>(), clause);
            case TraceField.Metadata:
                return WithMetadata(traces, db.Set<TraceMetadataEntry>(), clause);
            default:
                var v = (string)clause.Value;
                var lower = v.ToLower();
                return (clause.Field, clause.Operator) switch
                {
                    (TraceField.Name, "=") => traces.Where(t => t.Name == v),
                    (TraceField.Name, "!=") => traces.Where(t => t.Name != v),
                    (TraceField.Name, "LIKE") => traces.Where(t => EF.Functions.Like(t.Name!, v)),
                    (TraceField.Name, _) => traces.Where(t => EF.Functions.Like(t.Name!.ToLower(), lower)),
                    (TraceField.RunId, "=") => traces.Where(t => t.RunId == v),
                    (TraceField.RunId, "!=") => traces.Where(t => t.RunId != v),
                    (TraceField.RunId, "LIKE") => traces.Where(t => EF.Functions.Like(t.RunId!, v)),
                    (TraceField.RunId, _) => traces.Where(t => EF.Functions.Like(t.RunId!.ToLower(), lower)),
                    (_, "=") => traces.Where(t => t.ClientRequestId == v),
                    (_, "!=") => traces.Where(t => t.ClientRequestId != v),
                    (_, "LIKE") => traces.Where(t => EF.Functions.Like(t.ClientRequestId!, v)),
                    _ => traces.Where(t => EF.Functions.Like(t.ClientRequestId!.ToLower(), lower)),
                };
        }
    }

    // MLflow's != matches traces that have the key with another value.
    private static IQueryable<TraceInfo> Tagged(IQueryable<TraceInfo> traces, IQueryable<TraceTag> values, TraceClause clause)
    {
        var key = clause.Key!;
        var v = (string)clause.Value;
        var lower = v.ToLower();
        return clause.Operator switch
        {
            "=" => traces.Where(t => values.Any(x => x.TraceId == t.TraceId && x.Key == key && x.Value == v)),
            "!=" => traces.Where(t => values.Any(x => x.TraceId == t.TraceId && x.Key == key && x.Value != v)),
            "LIKE" => traces.Where(t => values.Any(x => x.TraceId == t.TraceId && x.Key == key && EF.Functions.Like(x.Value, v))),
            _ => traces.Where(t => values.Any(x => x.TraceId == t.TraceId && x.Key == key && EF.Functions.Like(x.Value.ToLower(), lower))),
        };
    }

    private static IQueryable<TraceInfo> WithMetadata(IQueryable<TraceInfo> traces, IQueryable<TraceMetadataEntry> values, TraceClause clause)
    {
        var key = clause.Key!;
        var v = (string)clause.Value;
        var lower = v.ToLower();
        return clause.Operator switch
        {
            "=" => traces.Where(t => values.Any(x => x.TraceId == t.TraceId && x.Key == key && x.Value == v)),
            "!=" => traces.Where(t => values.Any(x => x.TraceId == t.TraceId && x.Key == key && x.Value != v)),
            "LIKE" => traces.Where(t => values.Any(x => x.TraceId == t.TraceId && x.Key == key && EF.Functions.Like(x.Value, v))),
            _ => traces.Where(t => values.Any(x => x.TraceId == t.TraceId && x.Key == key && EF.Functions.Like(x.Value.ToLower(), lower))),
        };
    }

    private static readonly System.Linq.Expressions.Expression<Func<TraceInfo, int>> StatusName =
        t => t.State == TraceState.Error ? 0 : t.State == TraceState.InProgress ? 1 : t.State == TraceState.Ok ? 2 : 3;

    private static IOrderedQueryable<TraceInfo> Order(IQueryable<TraceInfo> traces, IOrderedQueryable<TraceInfo>? ordered, TraceOrder order) => (order.Field, order.Ascending, ordered) switch
    {
        (TraceField.Timestamp, true, null) => traces.OrderBy(t => t.RequestTime),
        (TraceField.Timestamp, false, null) => traces.OrderByDescending(t => t.RequestTime),
        (TraceField.Timestamp, true, { } o) => o.ThenBy(t => t.RequestTime),
        (TraceField.Timestamp, false, { } o) => o.ThenByDescending(t => t.RequestTime),
        (TraceField.ExecutionTime, true, null) => traces.OrderBy(t => t.ExecutionDuration),
        (TraceField.ExecutionTime, false, null) => traces.OrderByDescending(t => t.ExecutionDuration),
        (TraceField.ExecutionTime, true, { } o) => o.ThenBy(t => t.ExecutionDuration),
        (TraceField.ExecutionTime, false, { } o) => o.ThenByDescending(t => t.ExecutionDuration),
        // By the status's name, as MLflow (a string column): ERROR, IN_PROGRESS, OK, STATE_UNSPECIFIED.
        (TraceField.Status, true, null) => traces.OrderBy(StatusName),
        (TraceField.Status, false, null) => traces.OrderByDescending(StatusName),
        (TraceField.Status, true, { } o) => o.ThenBy(StatusName),
        (TraceField.Status, false, { } o) => o.ThenByDescending(StatusName),
        (TraceField.RunId, true, null) => traces.OrderBy(t => t.RunId),
        (TraceField.RunId, false, null) => traces.OrderByDescending(t => t.RunId),
        (TraceField.RunId, true, { } o) => o.ThenBy(t => t.RunId),
        (TraceField.RunId, false, { } o) => o.ThenByDescending(t => t.RunId),
        (_, true, null) => traces.OrderBy(t => t.Name),
        (_, false, null) => traces.OrderByDescending(t => t.Name),
        (_, true, { } o) => o.ThenBy(t => t.Name),
        (_, false, { } o) => o.ThenByDescending(t => t.Name),
    };
}
