namespace AiPlatform.Core.Access;

public sealed record UserSummary(
    Guid Id,
    string UserName,
    string? DisplayName,
    string? Email,
    bool IsDisabled,
    bool MfaEnabled,
    bool IsExternal,
    bool MustChangePassword,
    DateTimeOffset CreatedAt,
    DateTimeOffset? LockedOutUntil);
