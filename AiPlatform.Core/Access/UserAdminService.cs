using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Access;

/// <summary>Administration of users, their roles and group memberships; every call needs <c>users.manage</c>.</summary>
public sealed class UserAdminService(AccessService access, IUserDirectory users, IAccessStore store, AuditRecorder audit)
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
        await access.RequireCapabilityAsync(Capabilities.UsersManage, ct);
        await RequireRolesExistAsync(roleIds, ct);
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
            throw new ValidationException("disabled", "You cannot disable your own account.");
        }

        await GetAsync(id, ct);
        await users.SetDisabledAsync(id, disabled, await audit.EntryAsync(disabled ? "user.disable" : "user.enable", "user", id, null, ct), ct);
    }

    public async Task ResetMfaAsync(Guid id, CancellationToken ct)
    {
        await GetAsync(id, ct);
        await users.ResetMfaAsync(id, await audit.EntryAsync("user.mfa.reset", "user", id, null, ct), ct);
    }

    public async Task SetPasswordAsync(Guid id, string password, CancellationToken ct)
    {
        await GetAsync(id, ct);
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
        await RequireRolesExistAsync(roleIds, ct);
        if (id == context.UserId && !roleIds.Contains(SystemRoles.IdOf(SystemRoles.Admin)) && (await store.ListAssignmentsAsync(PrincipalType.User, id, ct)).Any(a => a.RoleId == SystemRoles.IdOf(SystemRoles.Admin)))
        {
            throw new ValidationException("roles", "You cannot remove the Admin role from yourself.");
        }

        await store.SetAssignmentsAsync(PrincipalType.User, id, roleIds, await audit.EntryAsync("user.roles", "user", id, new { roles = roleIds }, ct), ct);
        access.Invalidate();
    }

    private async Task RequireRolesExistAsync(IReadOnlyCollection<Guid> roleIds, CancellationToken ct)
    {
        var known = (await store.ListRolesAsync(ct)).Select(r => r.Id).ToHashSet();
        var unknown = roleIds.Where(r => !known.Contains(r)).ToList();
        if (unknown.Count > 0)
        {
            throw new ValidationException("roles", $"Unknown role: {string.Join(", ", unknown)}.");
        }
    }
}
