using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using Microsoft.EntityFrameworkCore;

namespace AiPlatform.Infrastructure.Persistence.Stores;

internal sealed class EfApiTokenStore(IDbContextFactory<PlatformDbContext> contexts) : IApiTokenStore
{
    public async Task AddAsync(ApiToken token, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.ApiTokens.Add(token);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
    }

    public async Task<ApiToken?> FindByHashAsync(string hash, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.ApiTokens.AsNoTracking().FirstOrDefaultAsync(t => t.Hash == hash, ct);
    }

    public async Task<IReadOnlyList<ApiToken>> ListAsync(Guid userId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return (await db.ApiTokens.AsNoTracking().Where(t => t.UserId == userId).ToListAsync(ct)).OrderByDescending(t => t.CreatedAt).ToList();
    }

    public async Task<bool> RevokeAsync(Guid userId, Guid tokenId, DateTimeOffset now, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var token = await db.ApiTokens.FirstOrDefaultAsync(t => t.Id == tokenId && t.UserId == userId && t.RevokedAt == null, ct);
        if (token is null)
        {
            return false;
        }

        token.RevokedAt = now;
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
        return true;
    }

    public async Task TouchAsync(Guid tokenId, DateTimeOffset now, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await db.ApiTokens.Where(t => t.Id == tokenId).ExecuteUpdateAsync(s => s.SetProperty(t => t.LastUsedAt, now), ct);
    }
}
