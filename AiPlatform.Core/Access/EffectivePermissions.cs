namespace AiPlatform.Core.Access;

/// <summary>What a user may do and why: each capability with the roles (and the groups) it comes from, and the user's grants.</summary>
public sealed record EffectivePermissions(
    UserSummary User,
    IReadOnlyList<Group> Groups,
    IReadOnlyList<RoleSource> Roles,
    IReadOnlyList<CapabilitySource> Capabilities,
    IReadOnlyList<GrantSource> Grants);

/// <summary>A role the user holds, directly (<see cref="ViaGroup"/> null) or through a group; <see cref="IsSystem"/> for a built-in role (the UI names those in the user's language).</summary>
public sealed record RoleSource(Guid RoleId, string RoleName, string? ViaGroup, bool IsSystem = false);

/// <summary>A capability with where it comes from: <see cref="From"/> as text ("Admin (ml-team)"), <see cref="Sources"/> as the roles themselves.</summary>
public sealed record CapabilitySource(string Capability, IReadOnlyList<string> From, IReadOnlyList<RoleSource>? Sources = null);

/// <summary>A grant the user holds, directly or through <see cref="ViaGroup"/>; <see cref="ObjectName"/> is null when the object no longer exists.</summary>
public sealed record GrantSource(string ObjectType, Guid ObjectId, PermissionLevel Level, string? ViaGroup, string? ObjectName = null, bool ObjectHidden = false);
