namespace AiPlatform.Core.Access;

/// <summary>How people sign in, as configured (shown on the sign-in page and the admin settings page; no secrets).</summary>
public sealed record SignInSettings(
    bool LocalLoginEnabled,
    bool OidcEnabled,
    string OidcDisplayName,
    string? OidcAuthority,
    string? OidcClientId,
    string RoleClaimPath,
    IReadOnlyDictionary<string, string> RoleMapping,
    string DefaultRole,
    int LockoutAttempts,
    TimeSpan LockoutDuration,
    int MinPasswordLength);
