using AiPlatform.Core.Storage;
using Microsoft.EntityFrameworkCore;

namespace AiPlatform.Infrastructure.Persistence.Stores;

internal sealed class EfStorageUsageStore(IDbContextFactory<PlatformDbContext> contexts) : IStorageUsageStore
{
    public async Task AddAsync(StorageUsageSnapshot snapshot, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.StorageUsage.Add(snapshot);
        await db.SaveChangesAsync(ct);
    }

    public async Task<StorageUsageSnapshot?> LatestAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.StorageUsage.AsNoTracking().OrderByDescending(s => s.TakenAt).FirstOrDefaultAsync(ct);
    }
}
