using System.Runtime.CompilerServices;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using Microsoft.EntityFrameworkCore;

namespace AiPlatform.Infrastructure.Persistence.Stores;

internal sealed class EfAuditStore(IDbContextFactory<PlatformDbContext> contexts) : IAuditStore
{
    public async Task<PagedResult<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var entries = Filter(db.AuditEntries.AsNoTracking(), query);
        var page = query.Page ?? new PageRequest();
        var total = await entries.CountAsync(ct);
        var items = await entries.OrderByDescending(e => e.Id).Skip(page.Skip).Take(page.Take).ToListAsync(ct);
        return new PagedResult<AuditEntry>(items, total);
    }

    public async IAsyncEnumerable<AuditEntry> StreamAsync(AuditQuery query, [EnumeratorCancellation] CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await foreach (var entry in Filter(db.AuditEntries.AsNoTracking(), query).OrderBy(e => e.Id).AsAsyncEnumerable().WithCancellation(ct))
        {
            yield return entry;
        }
    }

    public async Task AddAsync(AuditEntry entry, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.AuditEntries.Add(entry);
        await db.SaveChangesAsync(ct);
    }

    private static IQueryable<AuditEntry> Filter(IQueryable<AuditEntry> entries, AuditQuery query)
    {
        if (!string.IsNullOrWhiteSpace(query.Action))
        {
            entries = entries.Where(e => e.Action == query.Action);
        }

        if (!string.IsNullOrWhiteSpace(query.ObjectType))
        {
            entries = entries.Where(e => e.ObjectType == query.ObjectType);
        }

        if (!string.IsNullOrWhiteSpace(query.ObjectId))
        {
            entries = entries.Where(e => e.ObjectId == query.ObjectId);
        }

        if (query.ActorId is { } actor)
        {
            entries = entries.Where(e => e.ActorId == actor);
        }

        if (query.From is { } from)
        {
            entries = entries.Where(e => e.At >= from);
        }

        if (query.To is { } to)
        {
            entries = entries.Where(e => e.At < to);
        }

        if (!string.IsNullOrWhiteSpace(query.Search))
        {
            var term = query.Search.Trim().ToLower();
            entries = entries.Where(e => e.ActorName.ToLower().Contains(term) || e.Action.Contains(term) || (e.Summary != null && e.Summary.ToLower().Contains(term)) || (e.ObjectId != null && e.ObjectId.Contains(term)));
        }

        return entries;
    }
}
