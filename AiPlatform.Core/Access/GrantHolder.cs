namespace AiPlatform.Core.Access;

/// <summary>One grant on an object as the permission check needs it: who holds which level.</summary>
public readonly record struct GrantHolder(PrincipalType PrincipalType, Guid PrincipalId, PermissionLevel Level);
