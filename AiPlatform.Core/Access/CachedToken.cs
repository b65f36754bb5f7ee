namespace AiPlatform.Core.Access;

/// <summary>What a validated (not revoked) personal access token stands for; its expiry is checked on every use.</summary>
public sealed record CachedToken(Guid Id, Guid UserId, ApiTokenScope Scope, DateTimeOffset? ExpiresAt);
