using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Access;

/// <summary>
/// Administration of users and their roles; every call needs <c>users.manage</c>. Nobody changes their own roles, and
/// giving or taking a role, or taking over an account (password, MFA, disabling), needs every capability involved (see <see cref="Delegation"/>).
/// </summary>
public sealed class UserAdminService(AccessService access, IUserDirectory users, IAccessStore store, IEnumerable<ISecurableLookup> lookups, AuditRecorder audit)
{
    public async Task<PagedResult<UserSummary>> ListAsync(string? search, PageRequest page, CancellationToken ct)
    {
        await access.RequireCapabilityAsync(Capabilities.UsersManage, ct);
        return await users.ListAsync(search, page, ct);
    }

    public async Task<UserSummary> GetAsync(Guid id, CancellationToken ct)
    {
        await access.RequireCapabilityAsync(Capabilities.UsersManage, ct);
        return await users.FindAsync(id, ct) ?? throw new NotFoundException("User", id);
    }

    public async Task<UserSummary> CreateAsync(NewUser user, IReadOnlyCollection<Guid> roleIds, CancellationToken ct)
    {
        var context = await access.RequireCapabilityAsync(Capabilities.UsersManage, ct);
        await RequireMayChangeRolesAsync(context, [], roleIds, ct);
        var created = await users.CreateAsync(user, await audit.EntryAsync("user.create", "user", user.UserName, new { user.UserName, user.DisplayName, user.Email, roles = roleIds }, ct), ct);
        if (roleIds.Count > 0)
        {
            await store.SetAssignmentsAsync(PrincipalType.User, created.Id, roleIds, await audit.EntryAsync("user.roles", "user", created.Id, new { roles = roleIds }, ct), ct);
        }

        return created;
    }

    public async Task SetDisabledAsync(Guid id, bool disabled, CancellationToken ct)
    {
        var context = await access.RequireCapabilityAsync(Capabilities.UsersManage, ct);
        if (disabled && id == context.UserId)
        {
            throw new ValidationException("disabled", "You cannot disable your own account.") { MessageKey = "Error.DisableSelf" };
        }

        await RequireMayManageAsync(id, ct);
        await users.SetDisabledAsync(id, disabled, await audit.EntryAsync(disabled ? "user.disable" : "user.enable", "user", id, null, ct), ct);
    }

    public async Task ResetMfaAsync(Guid id, CancellationToken ct)
    {
        await RequireMayManageAsync(id, ct);
        await users.ResetMfaAsync(id, await audit.EntryAsync("user.mfa.reset", "user", id, null, ct), ct);
    }

    public async Task SetPasswordAsync(Guid id, string password, CancellationToken ct)
    {
        await RequireMayManageAsync(id, ct);
        await users.SetPasswordAsync(id, password, mustChange: true, await audit.EntryAsync("user.password.reset", "user", id, new { password }, ct), ct);
    }

    public async Task<IReadOnlyList<Guid>> GetRoleIdsAsync(Guid id, CancellationToken ct)
    {
        await GetAsync(id, ct);
        return (await store.ListAssignmentsAsync(PrincipalType.User, id, ct)).Select(a => a.RoleId).ToList();
    }

    public async Task SetRolesAsync(Guid id, IReadOnlyCollection<Guid> roleIds, CancellationToken ct)
    {
        var context = await access.RequireCapabilityAsync(Capabilities.UsersManage, ct);
        await GetAsync(id, ct);
        if (id == context.UserId)
        {
            throw new ForbiddenException("You cannot change your own roles; ask another administrator.") { MessageKey = "Error.OwnRoles" };
        }

        var before = (await store.ListAssignmentsAsync(PrincipalType.User, id, ct)).Select(a => a.RoleId).ToList();
        await RequireMayChangeRolesAsync(context, before, roleIds, ct);
        await store.SetAssignmentsAsync(PrincipalType.User, id, roleIds, await audit.EntryAsync("user.roles", "user", id, new { roles = roleIds }, ct), ct);
        access.Invalidate();
    }

    /// <summary>The roles must exist, and the caller must be able to give (or take away) every role that changes.</summary>
    private async Task RequireMayChangeRolesAsync(AccessContext context, IReadOnlyCollection<Guid> before, IReadOnlyCollection<Guid> after, CancellationToken ct)
    {
        var known = (await store.ListRolesAsync(ct)).ToDictionary(r => r.Id);
        var unknown = after.Where(r => !known.ContainsKey(r)).ToList();
        if (unknown.Count > 0)
        {
            throw new ValidationException("roles", $"Unknown role: {string.Join(", ", unknown)}.") { MessageKey = "Error.UnknownRole" };
        }

        foreach (var changed in Delegation.Changed(before, after))
        {
            if (known.TryGetValue(changed, out var role))
            {
                Delegation.Require(context, $"the role '{role.Name}'", role.Name, role.Capabilities);
            }
        }
    }

    /// <summary>Taking over an account (its password, MFA or whether it may sign in) needs every capability the account holds.</summary>
    private async Task RequireMayManageAsync(Guid id, CancellationToken ct)
    {
        var context = await access.RequireCapabilityAsync(Capabilities.UsersManage, ct);
        var user = await GetAsync(id, ct);
        if (context.IsAdmin || id == context.UserId)
        {
            return;
        }

        var roleIds = (await store.ListAssignmentsAsync(PrincipalType.User, id, ct)).Select(a => a.RoleId).ToHashSet();
        foreach (var groupId in await store.ListGroupIdsOfUserAsync(id, ct))
        {
            roleIds.UnionWith((await store.ListAssignmentsAsync(PrincipalType.Group, groupId, ct)).Select(a => a.RoleId));
        }

        var capabilities = (await store.ListRolesAsync(ct)).Where(r => roleIds.Contains(r.Id)).SelectMany(r => r.Capabilities);
        Delegation.Require(context, $"control of the account '{user.UserName}'", user.UserName, capabilities);

        // Signing in as the account also gives its objects and grants: a non-Admin may take over only an account that
        // owns nothing and holds no grant the caller does not hold at the same level (as for group membership).
        if (await store.OwnsAnythingAsync(id, ct))
        {
            throw new ForbiddenException($"You cannot take control of the account '{user.UserName}': it owns objects; ask an administrator.") { MessageKey = "Error.TakeOverOwner", MessageArguments = [user.UserName] };
        }

        foreach (var grant in await store.ListGrantsOfPrincipalsAsync(id, await store.ListGroupIdsOfUserAsync(id, ct), ct))
        {
            var target = lookups.FirstOrDefault(l => l.ObjectType == grant.ObjectType) is { } lookup ? await lookup.FindAsync(grant.ObjectId, ct) : null;
            if (target is not null && (await access.GetLevelAsync(target, ct) is not { } level || level < grant.Level))
            {
                throw new ForbiddenException($"You cannot take control of the account '{user.UserName}': it holds {grant.Level} on a {grant.ObjectType} where you hold less.") { MessageKey = "Error.TakeOverGrant", MessageArguments = [user.UserName] };
            }
        }
    }
}
