namespace AiPlatform.Core.Access;

/// <summary>Who is asking, with the groups, roles (direct or through groups) and capabilities in force for this request.</summary>
public sealed record AccessContext(Guid UserId, string UserName, IReadOnlySet<Guid> GroupIds, IReadOnlySet<string> Capabilities, IReadOnlySet<Guid>? RoleIds = null)
{
    /// <summary>The user must choose a new password before doing anything else (a generated or reset password).</summary>
    public bool MustChangePassword { get; init; }

    public bool Has(string capability) => Capabilities.Contains(capability);

    /// <summary>Holders of <see cref="Access.Capabilities.ObjectsManageAll"/> see and manage every object.</summary>
    public bool SeesEverything => Has(Access.Capabilities.ObjectsManageAll);

    /// <summary>Holds the Admin system role, directly or through a group.</summary>
    public bool IsAdmin => RoleIds?.Contains(SystemRoles.IdOf(SystemRoles.Admin)) == true;

    public bool HoldsRole(Guid roleId) => RoleIds?.Contains(roleId) == true;

    /// <summary>
    /// Whether the caller may hand out (or take away) these capabilities: an Admin may; anybody else only
    /// capabilities they hold themselves, and never <see cref="Access.Capabilities.ObjectsManageAll"/>.
    /// </summary>
    public bool MayDelegate(IEnumerable<string> capabilities) =>
        IsAdmin || capabilities.All(c => c != Access.Capabilities.ObjectsManageAll && Has(c));
}
