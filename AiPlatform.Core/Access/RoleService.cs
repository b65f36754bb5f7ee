using AiPlatform.Core.Common;

namespace AiPlatform.Core.Access;

/// <summary>
/// Listing roles (any signed-in user) and defining custom roles (<c>roles.manage</c>). System roles are fixed. Nobody defines
/// a role with capabilities they do not hold, or edits a role they hold (see <see cref="Delegation"/>).
/// </summary>
public sealed class RoleService(AccessService access, IAccessStore store, Audit.AuditRecorder audit, TimeProvider time)
{
    public async Task<IReadOnlyList<Role>> ListAsync(CancellationToken ct)
    {
        await access.RequireContextAsync(ct);
        return await store.ListRolesAsync(ct);
    }

    public async Task<Role> CreateAsync(string name, string? description, IReadOnlyCollection<string> capabilities, CancellationToken ct)
    {
        var context = await access.RequireCapabilityAsync(Capabilities.RolesManage, ct);
        var role = new Role { Id = Guid.CreateVersion7(time.GetUtcNow()), Name = await ValidNameAsync(name, null, ct), Description = description?.Trim(), Capabilities = Valid(capabilities) };
        Delegation.Require(context, $"the role '{role.Name}'", role.Name, role.Capabilities);
        await store.AddRoleAsync(role, await audit.EntryAsync("role.create", "role", role.Id, new { role.Name, role.Capabilities }, ct), ct);
        return role;
    }

    public async Task<Role> UpdateAsync(Guid id, string name, string? description, IReadOnlyCollection<string> capabilities, CancellationToken ct)
    {
        var context = await access.RequireCapabilityAsync(Capabilities.RolesManage, ct);
        var role = await store.FindRoleAsync(id, ct) ?? throw new NotFoundException("Role", id);
        if (role.IsSystem)
        {
            throw new ConflictException($"'{role.Name}' is a system role; create a custom role instead.") { MessageKey = "Error.SystemRoleReadOnly" };
        }

        RequireNotHeld(context, role);
        Delegation.Require(context, $"the role '{role.Name}'", role.Name, role.Capabilities.Concat(Valid(capabilities)));
        var before = new { role.Name, role.Capabilities };
        role.Name = await ValidNameAsync(name, id, ct);
        role.Description = description?.Trim();
        role.Capabilities = Valid(capabilities);
        await store.UpdateRoleAsync(role, await audit.EntryAsync("role.update", "role", id, new { before, after = new { role.Name, role.Capabilities } }, ct), ct);
        access.Invalidate();
        return role;
    }

    public async Task DeleteAsync(Guid id, CancellationToken ct)
    {
        var context = await access.RequireCapabilityAsync(Capabilities.RolesManage, ct);
        var role = await store.FindRoleAsync(id, ct) ?? throw new NotFoundException("Role", id);
        if (role.IsSystem)
        {
            throw new ConflictException($"'{role.Name}' is a system role and cannot be deleted.") { MessageKey = "Error.SystemRoleReadOnly" };
        }

        RequireNotHeld(context, role);
        Delegation.Require(context, $"the role '{role.Name}'", role.Name, role.Capabilities);

        await store.DeleteRoleAsync(id, await audit.EntryAsync("role.delete", "role", id, new { role.Name }, ct), ct);
        access.Invalidate();
    }

    /// <summary>The roles the caller may give or take away (all of them for an Admin), so that pages offer only those.</summary>
    public async Task<IReadOnlySet<Guid>> ListGrantableIdsAsync(CancellationToken ct)
    {
        var context = await access.RequireContextAsync(ct);
        return (await store.ListRolesAsync(ct)).Where(r => context.MayDelegate(r.Capabilities)).Select(r => r.Id).ToHashSet();
    }

    /// <summary>The capabilities the caller may put into a role (all of them for an Admin).</summary>
    public async Task<IReadOnlySet<string>> ListDelegableCapabilitiesAsync(CancellationToken ct)
    {
        var context = await access.RequireContextAsync(ct);
        return Capabilities.All.Where(c => context.MayDelegate([c])).ToHashSet(StringComparer.Ordinal);
    }

    private static void RequireNotHeld(AccessContext context, Role role)
    {
        if (context.HoldsRole(role.Id))
        {
            throw new ForbiddenException($"You hold the role '{role.Name}' and cannot change it; ask another administrator.") { MessageKey = "Error.OwnRole", MessageArguments = [role.Name] };
        }
    }

    private static List<string> Valid(IReadOnlyCollection<string> capabilities)
    {
        var unknown = capabilities.Where(c => !Capabilities.IsKnown(c)).ToList();
        if (unknown.Count > 0)
        {
            throw new ValidationException("capabilities", $"Unknown capability: {string.Join(", ", unknown)}.") { MessageKey = "Error.UnknownCapability", MessageArguments = [string.Join(", ", unknown)] };
        }

        return capabilities.Distinct(StringComparer.Ordinal).Order(StringComparer.Ordinal).ToList();
    }

    private async Task<string> ValidNameAsync(string name, Guid? self, CancellationToken ct)
    {
        var trimmed = name?.Trim() ?? string.Empty;
        if (trimmed.Length is 0 or > 64)
        {
            throw new ValidationException("name", "A role name has 1 to 64 characters.") { MessageKey = "Error.RoleName" };
        }

        if ((await store.ListRolesAsync(ct)).Any(r => r.Id != self && string.Equals(r.Name, trimmed, StringComparison.OrdinalIgnoreCase)))
        {
            throw new ValidationException("name", $"A role named '{trimmed}' already exists.") { MessageKey = "Error.RoleExists", MessageArguments = [trimmed] };
        }

        return trimmed;
    }
}
