using AiPlatform.Core.Common;

namespace AiPlatform.Core.Access;

/// <summary>
/// Teams: any signed-in user may list them (to share with them); changing them needs <c>groups.manage</c> (roles: <c>roles.manage</c>).
/// Nobody changes their own memberships or the roles of a group they are in, and putting someone into (or out of) a group
/// needs every capability of its roles and at least its level on every object shared with it (see <see cref="Delegation"/>).
/// </summary>
public sealed class GroupService(AccessService access, IAccessStore store, IUserDirectory users, IEnumerable<ISecurableLookup> lookups, ObjectNames names, Audit.AuditRecorder audit, TimeProvider time)
{
    public async Task<IReadOnlyList<Group>> ListAsync(CancellationToken ct)
    {
        await access.RequireContextAsync(ct);
        return await store.ListGroupsAsync(ct);
    }

    public async Task<Group> GetAsync(Guid id, CancellationToken ct)
    {
        await access.RequireContextAsync(ct);
        return await store.FindGroupAsync(id, ct) ?? throw new NotFoundException("Group", id);
    }

    public async Task<Group> CreateAsync(string name, string? description, CancellationToken ct)
    {
        await access.RequireCapabilityAsync(Capabilities.GroupsManage, ct);
        var trimmed = name?.Trim() ?? string.Empty;
        if (trimmed.Length is 0 or > 100)
        {
            throw new ValidationException("name", "A group name has 1 to 100 characters.") { MessageKey = "Error.GroupName" };
        }

        if ((await store.ListGroupsAsync(ct)).Any(g => string.Equals(g.Name, trimmed, StringComparison.OrdinalIgnoreCase)))
        {
            throw new ValidationException("name", $"A group named '{trimmed}' already exists.") { MessageKey = "Error.GroupExists", MessageArguments = [trimmed] };
        }

        var group = new Group { Id = Guid.CreateVersion7(time.GetUtcNow()), Name = trimmed, Description = description?.Trim(), CreatedAt = time.GetUtcNow() };
        await store.AddGroupAsync(group, await audit.EntryAsync("group.create", "group", group.Id, new { group.Name }, ct), ct);
        return group;
    }

    public async Task DeleteAsync(Guid id, CancellationToken ct)
    {
        var context = await access.RequireCapabilityAsync(Capabilities.GroupsManage, ct);
        var group = await GetAsync(id, ct);
        await RequireMayChangeMembershipAsync(context, group, ct);
        await store.DeleteGroupAsync(id, await audit.EntryAsync("group.delete", "group", id, new { group.Name }, ct), ct);
    }

    public async Task<IReadOnlyList<UserSummary>> ListMembersAsync(Guid id, CancellationToken ct)
    {
        await GetAsync(id, ct);
        return await users.FindManyAsync(await store.ListMembersAsync(id, ct), ct);
    }

    public async Task AddMemberAsync(Guid id, Guid userId, CancellationToken ct)
    {
        var context = await access.RequireCapabilityAsync(Capabilities.GroupsManage, ct);
        var group = await GetAsync(id, ct);
        _ = await users.FindAsync(userId, ct) ?? throw new ValidationException("userId", "No such user.") { MessageKey = "Error.NoSuchUser" };
        RequireNotSelf(context, userId);
        await RequireMayChangeMembershipAsync(context, group, ct);
        await store.AddMemberAsync(id, userId, await audit.EntryAsync("group.member.add", "group", id, new { userId }, ct), ct);
    }

    public async Task RemoveMemberAsync(Guid id, Guid userId, CancellationToken ct)
    {
        var context = await access.RequireCapabilityAsync(Capabilities.GroupsManage, ct);
        var group = await GetAsync(id, ct);
        RequireNotSelf(context, userId);
        await RequireMayChangeMembershipAsync(context, group, ct);
        await store.RemoveMemberAsync(id, userId, await audit.EntryAsync("group.member.remove", "group", id, new { userId }, ct), ct);
    }

    /// <summary>The objects shared with the group, by name (null: the object no longer exists); for those who manage users.</summary>
    public async Task<IReadOnlyList<GrantSource>> ListGrantsAsync(Guid id, CancellationToken ct)
    {
        await access.RequireCapabilityAsync(Capabilities.UsersManage, ct);
        var group = await store.FindGroupAsync(id, ct) ?? throw new NotFoundException("Group", id);
        var grants = await store.ListGrantsOfPrincipalsAsync(Guid.Empty, [group.Id], ct);
        // Names only of the objects the caller may read themselves; the others read "no access".
        var objectNames = await names.FindReadableAsync(grants.Select(g => new EntityRef(g.ObjectType, g.ObjectId)), access, ct);
        return grants
            .Select(g => (Grant: g, Name: objectNames.GetValueOrDefault(new EntityRef(g.ObjectType, g.ObjectId))))
            .Select(x => new GrantSource(x.Grant.ObjectType, x.Grant.ObjectId, x.Grant.Level, group.Name, x.Name.Name, x.Name.Hidden))
            .ToList();
    }

    public async Task<IReadOnlyList<Guid>> GetRoleIdsAsync(Guid id, CancellationToken ct)
    {
        await GetAsync(id, ct);
        return (await store.ListAssignmentsAsync(PrincipalType.Group, id, ct)).Select(a => a.RoleId).ToList();
    }

    public async Task SetRolesAsync(Guid id, IReadOnlyCollection<Guid> roleIds, CancellationToken ct)
    {
        var context = await access.RequireCapabilityAsync(Capabilities.RolesManage, ct);
        var group = await GetAsync(id, ct);
        var known = (await store.ListRolesAsync(ct)).ToDictionary(r => r.Id);
        if (roleIds.Any(r => !known.ContainsKey(r)))
        {
            throw new ValidationException("roles", "Unknown role.") { MessageKey = "Error.UnknownRole" };
        }

        if (context.GroupIds.Contains(id))
        {
            throw new ForbiddenException($"You are a member of '{group.Name}' and cannot change its roles; ask another administrator.") { MessageKey = "Error.OwnGroupRoles", MessageArguments = [group.Name] };
        }

        var before = (await store.ListAssignmentsAsync(PrincipalType.Group, id, ct)).Select(a => a.RoleId);
        foreach (var changed in Delegation.Changed(before, roleIds))
        {
            if (known.TryGetValue(changed, out var role))
            {
                Delegation.Require(context, $"the role '{role.Name}'", role.Name, role.Capabilities);
            }
        }

        await store.SetAssignmentsAsync(PrincipalType.Group, id, roleIds, await audit.EntryAsync("group.roles", "group", id, new { roles = roleIds }, ct), ct);
        access.Invalidate();
    }

    private static void RequireNotSelf(AccessContext context, Guid userId)
    {
        if (userId == context.UserId)
        {
            throw new ForbiddenException("You cannot change your own group memberships; ask another administrator.") { MessageKey = "Error.OwnGroups" };
        }
    }

    /// <summary>A membership carries the group's roles and its grants: the caller must hold all of them (an Admin may always).</summary>
    private async Task RequireMayChangeMembershipAsync(AccessContext context, Group group, CancellationToken ct)
    {
        if (context.IsAdmin)
        {
            return;
        }

        var roleIds = (await store.ListAssignmentsAsync(PrincipalType.Group, group.Id, ct)).Select(a => a.RoleId).ToHashSet();
        var capabilities = (await store.ListRolesAsync(ct)).Where(r => roleIds.Contains(r.Id)).SelectMany(r => r.Capabilities);
        Delegation.Require(context, $"membership of the group '{group.Name}'", group.Name, capabilities);

        foreach (var grant in await store.ListGrantsOfPrincipalsAsync(Guid.Empty, [group.Id], ct))
        {
            var target = lookups.FirstOrDefault(l => l.ObjectType == grant.ObjectType) is { } lookup ? await lookup.FindAsync(grant.ObjectId, ct) : null;
            if (target is not null && (await access.GetLevelAsync(target, ct) is not { } level || level < grant.Level))
            {
                throw new ForbiddenException($"You cannot give or take away membership of the group '{group.Name}': it holds {grant.Level} on a {grant.ObjectType} where you hold less.") { MessageKey = "Error.GroupMembershipLevel", MessageArguments = [group.Name] };
            }
        }
    }
}
