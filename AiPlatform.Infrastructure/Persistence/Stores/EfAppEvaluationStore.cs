using AiPlatform.Core.Apps;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using Microsoft.EntityFrameworkCore;

namespace AiPlatform.Infrastructure.Persistence.Stores;

internal sealed class EfAppEvaluationStore(IDbContextFactory<PlatformDbContext> contexts) : IAppEvaluationStore
{
    public async Task AddAsync(AppEvaluation evaluation, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.AppEvaluations.Add(evaluation);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
    }

    public async Task UpdateAsync(AppEvaluation evaluation, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.AppEvaluations.Update(evaluation);
        try
        {
            await db.SaveChangesAsync(ct);
        }
        catch (DbUpdateConcurrencyException)
        {
            // The app (and its evaluations with it) was deleted meanwhile: nothing left to record.
        }
    }

    public async Task<AppEvaluation?> FindAsync(Guid id, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.AppEvaluations.AsNoTracking().FirstOrDefaultAsync(e => e.Id == id, ct);
    }

    public async Task<PagedResult<AppEvaluation>> ListAsync(Guid appId, PageRequest page, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.AppEvaluations.AsNoTracking().Where(e => e.AppId == appId)
            .ToPageAsync(q => q.OrderByDescending(e => e.CreatedAt).ThenByDescending(e => e.Id), page, ct);
    }
}
