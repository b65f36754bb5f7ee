namespace AiPlatform.Core.Access;

/// <summary>What a user may do and why: each capability with the roles (and the groups) it comes from, and the user's grants.</summary>
public sealed record EffectivePermissions(
    UserSummary User,
    IReadOnlyList<Group> Groups,
    IReadOnlyList<RoleSource> Roles,
    IReadOnlyList<CapabilitySource> Capabilities,
    IReadOnlyList<GrantSource> Grants);

/// <summary>A role the user holds, directly (<see cref="ViaGroup"/> null) or through a group.</summary>
public sealed record RoleSource(Guid RoleId, string RoleName, string? ViaGroup);

public sealed record CapabilitySource(string Capability, IReadOnlyList<string> From);

public sealed record GrantSource(string ObjectType, Guid ObjectId, PermissionLevel Level, string? ViaGroup);
