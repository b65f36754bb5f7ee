using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using Microsoft.EntityFrameworkCore;

namespace AiPlatform.Infrastructure.Persistence.Stores;

internal sealed class EfAccessStore(IDbContextFactory<PlatformDbContext> contexts) : IAccessStore
{
    public async Task<AccessContext?> LoadContextAsync(Guid userId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var user = await db.Users.AsNoTracking().Where(u => u.Id == userId && !u.IsDisabled).Select(u => new { u.UserName, u.MustChangePassword }).FirstOrDefaultAsync(ct);
        if (user is null)
        {
            return null;
        }

        var groupIds = await db.GroupMembers.Where(m => m.UserId == userId).Select(m => m.GroupId).ToListAsync(ct);
        var roleCapabilities = await db.RoleAssignments
            .Where(a => (a.PrincipalType == PrincipalType.User && a.PrincipalId == userId) || (a.PrincipalType == PrincipalType.Group && groupIds.Contains(a.PrincipalId)))
            .Join(db.PlatformRoles, a => a.RoleId, r => r.Id, (_, r) => new { r.Id, r.Capabilities })
            .ToListAsync(ct);
        return new AccessContext(
            userId,
            user.UserName!,
            groupIds.ToHashSet(),
            roleCapabilities.SelectMany(r => r.Capabilities).ToHashSet(StringComparer.Ordinal),
            roleCapabilities.Select(r => r.Id).ToHashSet())
        {
            MustChangePassword = user.MustChangePassword,
        };
    }

    public async Task<PermissionLevel?> GetGrantedLevelAsync(AccessContext context, string objectType, Guid objectId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var groupIds = context.GroupIds.ToList();
        var levels = await db.Grants
            .Where(g => g.ObjectType == objectType && g.ObjectId == objectId
                && ((g.PrincipalType == PrincipalType.User && g.PrincipalId == context.UserId) || (g.PrincipalType == PrincipalType.Group && groupIds.Contains(g.PrincipalId))))
            .Select(g => g.Level)
            .ToListAsync(ct);
        return levels.Count == 0 ? null : levels.Max();
    }

    public async Task<IReadOnlyList<ObjectGrant>> ListGrantsAsync(string objectType, Guid objectId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Grants.AsNoTracking().Where(g => g.ObjectType == objectType && g.ObjectId == objectId).OrderBy(g => g.GrantedAt).ToListAsync(ct);
    }

    public async Task<bool> OwnsAnythingAsync(Guid userId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        foreach (var entity in db.Model.GetEntityTypes().Where(e => !e.IsOwned() && !e.HasSharedClrType && e.GetTableName() is not null))
        {
            if (entity.FindProperty("OwnerId") is not { } owner || (owner.ClrType != typeof(Guid) && owner.ClrType != typeof(Guid?)))
            {
                continue;
            }

            var any = typeof(EfAccessStore).GetMethod(nameof(AnyOwnedAsync), System.Reflection.BindingFlags.NonPublic | System.Reflection.BindingFlags.Static)!.MakeGenericMethod(entity.ClrType);
            if (await (Task<bool>)any.Invoke(null, [db, userId, ct])!)
            {
                return true;
            }
        }

        return false;
    }

    private static Task<bool> AnyOwnedAsync<T>(PlatformDbContext db, Guid userId, CancellationToken ct)
        where T : class =>
        db.Set<T>().AnyAsync(e => EF.Property<Guid?>(e, "OwnerId") == userId, ct);

    public async Task<IReadOnlyList<ObjectGrant>> ListGrantsOfPrincipalsAsync(Guid userId, IReadOnlyCollection<Guid> groupIds, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var groups = groupIds.ToList();
        return await db.Grants.AsNoTracking()
            .Where(g => (g.PrincipalType == PrincipalType.User && g.PrincipalId == userId) || (g.PrincipalType == PrincipalType.Group && groups.Contains(g.PrincipalId)))
            .OrderBy(g => g.ObjectType).ThenBy(g => g.ObjectId)
            .ToListAsync(ct);
    }

    public async Task<ObjectGrant> UpsertGrantAsync(ObjectGrant grant, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var existing = await db.Grants.FirstOrDefaultAsync(g => g.ObjectType == grant.ObjectType && g.ObjectId == grant.ObjectId && g.PrincipalType == grant.PrincipalType && g.PrincipalId == grant.PrincipalId, ct);
        if (existing is null)
        {
            db.Grants.Add(grant);
            existing = grant;
        }
        else
        {
            existing.Level = grant.Level;
            existing.GrantedBy = grant.GrantedBy;
            existing.GrantedAt = grant.GrantedAt;
        }

        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
        return existing;
    }

    public async Task<bool> RemoveGrantAsync(string objectType, Guid objectId, Guid grantId, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var grant = await db.Grants.FirstOrDefaultAsync(g => g.Id == grantId && g.ObjectType == objectType && g.ObjectId == objectId, ct);
        if (grant is null)
        {
            return false;
        }

        db.Grants.Remove(grant);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
        return true;
    }

    public async Task<IReadOnlyList<Role>> ListRolesAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return (await db.PlatformRoles.AsNoTracking().ToListAsync(ct)).OrderBy(r => !r.IsSystem).ThenBy(r => r.Name, StringComparer.OrdinalIgnoreCase).ToList();
    }

    public async Task<Role?> FindRoleAsync(Guid id, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.PlatformRoles.AsNoTracking().FirstOrDefaultAsync(r => r.Id == id, ct);
    }

    public Task AddRoleAsync(Role role, AuditEntry audit, CancellationToken ct) => SaveAsync(db => db.PlatformRoles.Add(role), audit, ct);

    public Task UpdateRoleAsync(Role role, AuditEntry audit, CancellationToken ct) => SaveAsync(db => db.PlatformRoles.Update(role), audit, ct);

    public async Task<bool> DeleteRoleAsync(Guid id, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var role = await db.PlatformRoles.FirstOrDefaultAsync(r => r.Id == id, ct);
        if (role is null)
        {
            return false;
        }

        db.RoleAssignments.RemoveRange(db.RoleAssignments.Where(a => a.RoleId == id));
        db.PlatformRoles.Remove(role);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
        return true;
    }

    public async Task EnsureSystemRolesAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        foreach (var (name, capabilities) in SystemRoles.Templates)
        {
            var id = SystemRoles.IdOf(name);
            var role = await db.PlatformRoles.FirstOrDefaultAsync(r => r.Id == id, ct);
            if (role is null)
            {
                db.PlatformRoles.Add(new Role { Id = id, Name = name, IsSystem = true, Capabilities = capabilities.ToList() });
            }
            else
            {
                role.Name = name;
                role.IsSystem = true;
                role.Capabilities = capabilities.ToList();
            }
        }

        await db.SaveChangesAsync(ct);
    }

    public async Task<IReadOnlyList<RoleAssignment>> ListAssignmentsAsync(PrincipalType principalType, Guid principalId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.RoleAssignments.AsNoTracking().Where(a => a.PrincipalType == principalType && a.PrincipalId == principalId).ToListAsync(ct);
    }

    public async Task SetAssignmentsAsync(PrincipalType principalType, Guid principalId, IReadOnlyCollection<Guid> roleIds, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var current = await db.RoleAssignments.Where(a => a.PrincipalType == principalType && a.PrincipalId == principalId).ToListAsync(ct);
        db.RoleAssignments.RemoveRange(current.Where(a => !roleIds.Contains(a.RoleId)));
        foreach (var roleId in roleIds.Distinct().Where(r => current.All(a => a.RoleId != r)))
        {
            db.RoleAssignments.Add(new RoleAssignment { PrincipalType = principalType, PrincipalId = principalId, RoleId = roleId });
        }

        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
    }

    public async Task<IReadOnlyList<Group>> ListGroupsAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Groups.AsNoTracking().OrderBy(g => g.Name).ToListAsync(ct);
    }

    public async Task<Group?> FindGroupAsync(Guid id, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Groups.AsNoTracking().FirstOrDefaultAsync(g => g.Id == id, ct);
    }

    public Task AddGroupAsync(Group group, AuditEntry audit, CancellationToken ct) => SaveAsync(db => db.Groups.Add(group), audit, ct);

    public async Task<bool> DeleteGroupAsync(Guid id, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var group = await db.Groups.FirstOrDefaultAsync(g => g.Id == id, ct);
        if (group is null)
        {
            return false;
        }

        db.Grants.RemoveRange(db.Grants.Where(g => g.PrincipalType == PrincipalType.Group && g.PrincipalId == id));
        db.RoleAssignments.RemoveRange(db.RoleAssignments.Where(a => a.PrincipalType == PrincipalType.Group && a.PrincipalId == id));
        db.Groups.Remove(group);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
        return true;
    }

    public async Task<IReadOnlyList<Guid>> ListMembersAsync(Guid groupId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.GroupMembers.Where(m => m.GroupId == groupId).Select(m => m.UserId).ToListAsync(ct);
    }

    public async Task<IReadOnlyList<Guid>> ListGroupIdsOfUserAsync(Guid userId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.GroupMembers.Where(m => m.UserId == userId).Select(m => m.GroupId).ToListAsync(ct);
    }

    public async Task<bool> AddMemberAsync(Guid groupId, Guid userId, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (await db.GroupMembers.AnyAsync(m => m.GroupId == groupId && m.UserId == userId, ct))
        {
            return false;
        }

        db.GroupMembers.Add(new GroupMember { GroupId = groupId, UserId = userId });
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
        return true;
    }

    public async Task<bool> RemoveMemberAsync(Guid groupId, Guid userId, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var member = await db.GroupMembers.FirstOrDefaultAsync(m => m.GroupId == groupId && m.UserId == userId, ct);
        if (member is null)
        {
            return false;
        }

        db.GroupMembers.Remove(member);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
        return true;
    }

    private async Task SaveAsync(Action<PlatformDbContext> change, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        change(db);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
    }
}
