using Microsoft.AspNetCore.Identity;

namespace AiPlatform.Infrastructure.Identity;

/// <summary>A platform account: local (password) or provisioned at first sign-in through OpenID Connect.</summary>
public sealed class PlatformUser : IdentityUser<Guid>
{
    public string? DisplayName { get; set; }

    public bool IsDisabled { get; set; }

    /// <summary>Set for a generated or reset password: the user must choose a new one at the next sign-in.</summary>
    public bool MustChangePassword { get; set; }

    /// <summary>Provisioned from an identity provider; has no local password.</summary>
    public bool IsExternal { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    /// <summary>The UI language the user chose last (e.g. <c>zh-CN</c>), restored at every sign-in.</summary>
    public string? PreferredCulture { get; set; }

    /// <summary>Dark mode on or off as the user last chose it; null until they choose.</summary>
    public bool? DarkMode { get; set; }

    /// <summary>The administrator dismissed the dashboard's first-run checklist.</summary>
    public bool ChecklistDismissed { get; set; }
}
