using Microsoft.EntityFrameworkCore;

namespace AiPlatform.Infrastructure.Persistence.AccessStamps;

internal static class AccessStampRow
{
    /// <summary>
    /// The stamp, creating its row when it is missing (the migration seeds it; this covers a row removed by hand). Saves
    /// that change access update the row and would fail without it.
    /// </summary>
    public static async Task<Guid> EnsureAsync(PlatformDbContext db, CancellationToken ct)
    {
        if (await db.AccessStamps.AsNoTracking().FirstOrDefaultAsync(s => s.Id == AccessStamp.RowId, ct) is { } existing)
        {
            return existing.Stamp;
        }

        var row = new AccessStamp { Id = AccessStamp.RowId, Stamp = Guid.NewGuid() };
        db.AccessStamps.Add(row);
        try
        {
            await db.SaveChangesAsync(ct);
            return row.Stamp;
        }
        catch (DbUpdateException)
        {
            // Another node created it at the same moment.
            db.ChangeTracker.Clear();
            return (await db.AccessStamps.AsNoTracking().FirstAsync(s => s.Id == AccessStamp.RowId, ct)).Stamp;
        }
    }
}
