using AiPlatform.Core.Apps;
using AiPlatform.Core.Audit;
using Microsoft.EntityFrameworkCore;

namespace AiPlatform.Infrastructure.Persistence.Stores;

internal sealed class EfAppDeploymentStore(IDbContextFactory<PlatformDbContext> contexts) : IAppDeploymentStore
{
    public async Task<AppDeployment?> FindAsync(Guid appId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.AppDeployments.AsNoTracking().FirstOrDefaultAsync(d => d.AppId == appId, ct);
    }

    public async Task SaveAsync(AppDeployment deployment, AuditEntry? audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var exists = await db.AppDeployments.AnyAsync(d => d.AppId == deployment.AppId, ct);
        if (exists)
        {
            db.AppDeployments.Update(deployment);
        }
        else
        {
            db.AppDeployments.Add(deployment);
        }

        if (audit is not null)
        {
            db.AuditEntries.Add(audit);
        }

        await db.SaveChangesAsync(ct);
    }

    public async Task DeleteAsync(Guid appId, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.AppDeployments.Where(d => d.AppId == appId).ExecuteDeleteAsync(ct);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
    }
}
