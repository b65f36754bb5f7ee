namespace AiPlatform.Core.Access;

/// <summary>A grant with the name of its principal, for the share dialog and the API.</summary>
public sealed record GrantView(Guid Id, PrincipalType PrincipalType, Guid PrincipalId, string PrincipalName, PermissionLevel Level, DateTimeOffset GrantedAt);
