using AiPlatform.Core.Common;

namespace AiPlatform.Core.Access;

/// <summary>Explains a user's effective permissions: to the user themself, or to holders of <c>users.manage</c>.</summary>
public sealed class PermissionsService(AccessService access, IAccessStore store, IUserDirectory users, ObjectNames names)
{
    public async Task<EffectivePermissions> DescribeAsync(Guid userId, CancellationToken ct)
    {
        var context = await access.RequireContextAsync(ct);
        if (context.UserId != userId && !context.Has(Capabilities.UsersManage))
        {
            throw new NotFoundException("User", userId);
        }

        var user = await users.FindAsync(userId, ct) ?? throw new NotFoundException("User", userId);
        var groupIds = await store.ListGroupIdsOfUserAsync(userId, ct);
        var groups = (await store.ListGroupsAsync(ct)).Where(g => groupIds.Contains(g.Id)).ToList();
        var roles = (await store.ListRolesAsync(ct)).ToDictionary(r => r.Id);
        var sources = new List<RoleSource>();
        foreach (var assignment in await store.ListAssignmentsAsync(PrincipalType.User, userId, ct))
        {
            if (roles.TryGetValue(assignment.RoleId, out var role))
            {
                sources.Add(new RoleSource(role.Id, role.Name, null, role.IsSystem));
            }
        }

        foreach (var group in groups)
        {
            foreach (var assignment in await store.ListAssignmentsAsync(PrincipalType.Group, group.Id, ct))
            {
                if (roles.TryGetValue(assignment.RoleId, out var role))
                {
                    sources.Add(new RoleSource(role.Id, role.Name, group.Name, role.IsSystem));
                }
            }
        }

        var capabilities = sources
            .SelectMany(s => roles[s.RoleId].Capabilities.Select(c => (Capability: c, From: s.ViaGroup is null ? s.RoleName : $"{s.RoleName} ({s.ViaGroup})", Source: s)))
            .GroupBy(x => x.Capability)
            .Select(g => new CapabilitySource(g.Key, g.Select(x => x.From).Distinct().ToList(), g.Select(x => x.Source).Distinct().ToList()))
            .OrderBy(c => c.Capability, StringComparer.Ordinal)
            .ToList();
        var groupNames = groups.ToDictionary(g => g.Id, g => g.Name);
        var held = await store.ListGrantsOfPrincipalsAsync(userId, groupIds.ToList(), ct);

        // The user sees the names of what they hold; an administrator who manages users sees only the names of objects they
        // may read themselves (the others read "no access"): managing users is not a right to read everyone's objects.
        var keys = held.Select(g => new EntityRef(g.ObjectType, g.ObjectId)).ToList();
        var objectNames = context.UserId == userId
            ? (await names.FindAsync(keys, ct)).ToDictionary(p => p.Key, p => (Name: (string?)p.Value, Hidden: false))
            : (await names.FindReadableAsync(keys, access, ct)).ToDictionary(p => p.Key, p => p.Value);
        var grants = held
            .Select(g => (Grant: g, Name: objectNames.GetValueOrDefault(new EntityRef(g.ObjectType, g.ObjectId))))
            .Select(x => new GrantSource(
                x.Grant.ObjectType, x.Grant.ObjectId, x.Grant.Level, x.Grant.PrincipalType == PrincipalType.Group ? groupNames.GetValueOrDefault(x.Grant.PrincipalId) : null,
                x.Name.Name, x.Name.Hidden))
            .ToList();
        return new EffectivePermissions(user, groups, sources, capabilities, grants);
    }
}
