using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Data;
using Microsoft.EntityFrameworkCore;

namespace AiPlatform.Infrastructure.Persistence.Stores;

internal sealed class EfDataSourceStore(IDbContextFactory<PlatformDbContext> contexts) : IDataSourceStore
{
    public async Task<IReadOnlyList<DataSource>> ListReadableAsync(AccessContext context, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.DataSources.AsNoTracking().Readable(db, context, SecurableTypes.DataSource).OrderBy(s => s.Name).Take(500).ToListAsync(ct);
    }

    public async Task<DataSource?> FindAsync(Guid id, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.DataSources.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct);
    }

    public async Task AddAsync(DataSource source, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.DataSources.Add(source);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
    }

    public async Task UpdateAsync(DataSource source, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.DataSources.Update(source);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
    }

    public async Task<IReadOnlyList<ScheduledImport>> ListSchedulesAsync(Guid? sourceId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.ScheduledImports.AsNoTracking().Where(s => sourceId == null || s.SourceId == sourceId).OrderBy(s => s.CreatedAt).ToListAsync(ct);
    }

    public async Task<ScheduledImport?> FindScheduleAsync(Guid id, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.ScheduledImports.AsNoTracking().FirstOrDefaultAsync(s => s.Id == id, ct);
    }

    public async Task AddScheduleAsync(ScheduledImport schedule, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.ScheduledImports.Add(schedule);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
    }

    public async Task<bool> DeleteScheduleAsync(Guid id, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var schedule = await db.ScheduledImports.FirstOrDefaultAsync(s => s.Id == id, ct);
        if (schedule is null)
        {
            return false;
        }

        db.ScheduledImports.Remove(schedule);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
        return true;
    }

    public async Task DeleteAsync(Guid id, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        // Tracked, not ExecuteDelete: the save then moves the access stamp, so no node keeps the grants cached.
        db.Grants.RemoveRange(await db.Grants.Where(g => g.ObjectType == SecurableTypes.DataSource && g.ObjectId == id).ToListAsync(ct));
        await db.ScheduledImports.Where(s => s.SourceId == id).ExecuteDeleteAsync(ct);
        await db.DataSources.Where(s => s.Id == id).ExecuteDeleteAsync(ct);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
    }
}
