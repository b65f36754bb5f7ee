namespace AiPlatform.Core.Access;

/// <summary>Persistence of roles, groups, role assignments and object grants. Writes carry their audit entry.</summary>
public interface IAccessStore
{
    /// <summary>Whether the user owns any securable object (a dataset, project, model, conversation...).</summary>
    Task<bool> OwnsAnythingAsync(Guid userId, CancellationToken ct);

    /// <summary>The user's groups and the capabilities of all roles given to the user or to those groups; null when the user is missing or disabled.</summary>
    Task<AccessContext?> LoadContextAsync(Guid userId, CancellationToken ct);

    /// <summary>The highest level granted on the object to the user or any of the context's groups.</summary>
    Task<PermissionLevel?> GetGrantedLevelAsync(AccessContext context, string objectType, Guid objectId, CancellationToken ct);

    Task<IReadOnlyList<ObjectGrant>> ListGrantsAsync(string objectType, Guid objectId, CancellationToken ct);

    /// <summary>Grants held by the user directly or through the groups (for the permissions view).</summary>
    Task<IReadOnlyList<ObjectGrant>> ListGrantsOfPrincipalsAsync(Guid userId, IReadOnlyCollection<Guid> groupIds, CancellationToken ct);

    /// <summary>Creates or replaces the grant of one principal on one object.</summary>
    Task<ObjectGrant> UpsertGrantAsync(ObjectGrant grant, Audit.AuditEntry audit, CancellationToken ct);

    Task<bool> RemoveGrantAsync(string objectType, Guid objectId, Guid grantId, Audit.AuditEntry audit, CancellationToken ct);

    Task<IReadOnlyList<Role>> ListRolesAsync(CancellationToken ct);

    Task<Role?> FindRoleAsync(Guid id, CancellationToken ct);

    Task AddRoleAsync(Role role, Audit.AuditEntry audit, CancellationToken ct);

    Task UpdateRoleAsync(Role role, Audit.AuditEntry audit, CancellationToken ct);

    Task<bool> DeleteRoleAsync(Guid id, Audit.AuditEntry audit, CancellationToken ct);

    /// <summary>Creates the system roles that are missing and resets their capabilities to the templates.</summary>
    Task EnsureSystemRolesAsync(CancellationToken ct);

    Task<IReadOnlyList<RoleAssignment>> ListAssignmentsAsync(PrincipalType principalType, Guid principalId, CancellationToken ct);

    Task SetAssignmentsAsync(PrincipalType principalType, Guid principalId, IReadOnlyCollection<Guid> roleIds, Audit.AuditEntry audit, CancellationToken ct);

    Task<IReadOnlyList<Group>> ListGroupsAsync(CancellationToken ct);

    Task<Group?> FindGroupAsync(Guid id, CancellationToken ct);

    Task AddGroupAsync(Group group, Audit.AuditEntry audit, CancellationToken ct);

    Task<bool> DeleteGroupAsync(Guid id, Audit.AuditEntry audit, CancellationToken ct);

    Task<IReadOnlyList<Guid>> ListMembersAsync(Guid groupId, CancellationToken ct);

    Task<IReadOnlyList<Guid>> ListGroupIdsOfUserAsync(Guid userId, CancellationToken ct);

    Task<bool> AddMemberAsync(Guid groupId, Guid userId, Audit.AuditEntry audit, CancellationToken ct);

    Task<bool> RemoveMemberAsync(Guid groupId, Guid userId, Audit.AuditEntry audit, CancellationToken ct);
}
