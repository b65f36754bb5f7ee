namespace AiPlatform.Core.Access;

/// <summary>
/// A grant with the name of its principal, for the share dialog and the API. <see cref="PrincipalName"/> (a user name or a
/// group name) is null when the user or group no longer exists; <see cref="PrincipalDisplayName"/> is a user's display
/// name, given only to callers who may manage the object.
/// </summary>
public sealed record GrantView(Guid Id, PrincipalType PrincipalType, Guid PrincipalId, string? PrincipalName, PermissionLevel Level, DateTimeOffset GrantedAt, string? PrincipalDisplayName = null);
