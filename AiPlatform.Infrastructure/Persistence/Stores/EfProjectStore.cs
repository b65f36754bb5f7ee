using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Core.Projects;
using Microsoft.EntityFrameworkCore;

namespace AiPlatform.Infrastructure.Persistence.Stores;

internal sealed class EfProjectStore(IDbContextFactory<PlatformDbContext> contexts) : IProjectStore
{
    public async Task<PagedResult<Project>> ListReadableAsync(AccessContext context, string? search, PageRequest page, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var projects = db.Projects.AsNoTracking().Readable(db, context, SecurableTypes.Project);
        if (!string.IsNullOrWhiteSpace(search))
        {
            var term = search.Trim().ToLower();
            projects = projects.Where(p => p.Name.ToLower().Contains(term) || (p.Description != null && p.Description.ToLower().Contains(term)));
        }

        var total = await projects.CountAsync(ct);
        var items = await projects.OrderBy(p => p.Name).ThenBy(p => p.Id).Skip(page.Skip).Take(page.Take).ToListAsync(ct);
        return new PagedResult<Project>(items, total);
    }

    public async Task<Project?> FindAsync(Guid id, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Projects.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, ct);
    }

    public async Task<bool> NameTakenAsync(Guid ownerId, string name, Guid? except, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var lower = name.ToLower();
        return await db.Projects.AnyAsync(p => p.OwnerId == ownerId && p.Name.ToLower() == lower && p.Id != except, ct);
    }

    public async Task AddAsync(Project project, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.Projects.Add(project);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
    }

    public async Task UpdateAsync(Project project, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        db.Projects.Update(project);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
    }

    public async Task DeleteAsync(Guid id, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        if (await db.Experiments.AnyAsync(e => e.ProjectId == id, ct))
        {
            throw new ConflictException("The project still has experiments (deleted ones included); remove them first.");
        }

        // Tracked, not ExecuteDelete: the save then moves the access stamp, so no node keeps the grants cached.

        db.Grants.RemoveRange(await db.Grants.Where(g => g.ObjectType == SecurableTypes.Project && g.ObjectId == id).ToListAsync(ct));
        await db.Projects.Where(p => p.Id == id).ExecuteDeleteAsync(ct);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
    }
}
