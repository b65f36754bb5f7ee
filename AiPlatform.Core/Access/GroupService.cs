using AiPlatform.Core.Common;

namespace AiPlatform.Core.Access;

/// <summary>Teams: any signed-in user may list them (to share with them); changing them needs <c>groups.manage</c>.</summary>
public sealed class GroupService(AccessService access, IAccessStore store, IUserDirectory users, Audit.AuditRecorder audit, TimeProvider time)
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
            throw new ValidationException("name", "A group name has 1 to 100 characters.");
        }

        if ((await store.ListGroupsAsync(ct)).Any(g => string.Equals(g.Name, trimmed, StringComparison.OrdinalIgnoreCase)))
        {
            throw new ValidationException("name", $"A group named '{trimmed}' already exists.");
        }

        var group = new Group { Id = Guid.CreateVersion7(time.GetUtcNow()), Name = trimmed, Description = description?.Trim(), CreatedAt = time.GetUtcNow() };
        await store.AddGroupAsync(group, await audit.EntryAsync("group.create", "group", group.Id, new { group.Name }, ct), ct);
        return group;
    }

    public async Task DeleteAsync(Guid id, CancellationToken ct)
    {
        await access.RequireCapabilityAsync(Capabilities.GroupsManage, ct);
        var group = await GetAsync(id, ct);
        await store.DeleteGroupAsync(id, await audit.EntryAsync("group.delete", "group", id, new { group.Name }, ct), ct);
    }

    public async Task<IReadOnlyList<UserSummary>> ListMembersAsync(Guid id, CancellationToken ct)
    {
        await GetAsync(id, ct);
        return await users.FindManyAsync(await store.ListMembersAsync(id, ct), ct);
    }

    public async Task AddMemberAsync(Guid id, Guid userId, CancellationToken ct)
    {
        await access.RequireCapabilityAsync(Capabilities.GroupsManage, ct);
        await GetAsync(id, ct);
        _ = await users.FindAsync(userId, ct) ?? throw new ValidationException("userId", "No such user.");
        await store.AddMemberAsync(id, userId, await audit.EntryAsync("group.member.add", "group", id, new { userId }, ct), ct);
    }

    public async Task RemoveMemberAsync(Guid id, Guid userId, CancellationToken ct)
    {
        await access.RequireCapabilityAsync(Capabilities.GroupsManage, ct);
        await GetAsync(id, ct);
        await store.RemoveMemberAsync(id, userId, await audit.EntryAsync("group.member.remove", "group", id, new { userId }, ct), ct);
    }

    public async Task<IReadOnlyList<Guid>> GetRoleIdsAsync(Guid id, CancellationToken ct)
    {
        await GetAsync(id, ct);
        return (await store.ListAssignmentsAsync(PrincipalType.Group, id, ct)).Select(a => a.RoleId).ToList();
    }

    public async Task SetRolesAsync(Guid id, IReadOnlyCollection<Guid> roleIds, CancellationToken ct)
    {
        await access.RequireCapabilityAsync(Capabilities.RolesManage, ct);
        await GetAsync(id, ct);
        var known = (await store.ListRolesAsync(ct)).Select(r => r.Id).ToHashSet();
        if (roleIds.Any(r => !known.Contains(r)))
        {
            throw new ValidationException("roles", "Unknown role.");
        }

        await store.SetAssignmentsAsync(PrincipalType.Group, id, roleIds, await audit.EntryAsync("group.roles", "group", id, new { roles = roleIds }, ct), ct);
        access.Invalidate();
    }
}
