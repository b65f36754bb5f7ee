namespace AiPlatform.Core.Access;

/// <summary>Claims the platform adds to a signed-in principal.</summary>
public static class PlatformClaimTypes
{
    /// <summary>Present (value <c>true</c>) until a user with a generated or reset password chooses a new one.</summary>
    public const string MustChangePassword = "aip:must_change_password";

    /// <summary>Present (value <c>true</c>) on principals from a read-only API token.</summary>
    public const string ReadOnly = "aip:read_only";
}
