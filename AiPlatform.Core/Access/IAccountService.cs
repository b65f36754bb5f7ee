namespace AiPlatform.Core.Access;

/// <summary>
/// The caller's own account: signing in and out (cookie), password, multi-factor authentication.
/// Implemented with ASP.NET Core Identity; every outcome is audited.
/// </summary>
public interface IAccountService
{
    Task<SignInStatus> PasswordSignInAsync(string userName, string password, bool remember, CancellationToken ct);

    /// <summary>Second step after <see cref="SignInStatus.RequiresTwoFactor"/>: an authenticator code or a recovery code.</summary>
    Task<SignInStatus> TwoFactorSignInAsync(string code, bool isRecoveryCode, bool remember, CancellationToken ct);

    Task SignOutAsync(CancellationToken ct);

    /// <summary>Checks a user name and password without signing in (HTTP Basic); counts failures toward lockout.</summary>
    Task<CallerIdentity?> CheckPasswordAsync(string userName, string password, CancellationToken ct);

    /// <summary>Changes the caller's password and refreshes their sign-in.</summary>
    Task ChangePasswordAsync(Guid userId, string currentPassword, string newPassword, CancellationToken ct);

    /// <summary>A new authenticator key for turning MFA on; refused while MFA is on (a new key would silently replace the enrolled one).</summary>
    Task<MfaSetup> BeginMfaSetupAsync(Guid userId, CancellationToken ct);

    /// <summary>Verifies a code from the authenticator, turns MFA on and returns fresh recovery codes.</summary>
    Task<IReadOnlyList<string>> EnableMfaAsync(Guid userId, string code, CancellationToken ct);

    /// <summary>Turns MFA off; needs <paramref name="proof"/> (current password or authenticator code), else <see cref="ReauthenticationRequiredException"/>.</summary>
    Task DisableMfaAsync(Guid userId, Reauthentication proof, CancellationToken ct);

    /// <summary>Replaces the recovery codes; needs <paramref name="proof"/> (current password or authenticator code), else <see cref="ReauthenticationRequiredException"/>.</summary>
    Task<IReadOnlyList<string>> RegenerateRecoveryCodesAsync(Guid userId, Reauthentication proof, CancellationToken ct);

    /// <summary>Remembers the user's UI language, so that it follows them to every browser they sign in from.</summary>
    Task SetPreferredCultureAsync(Guid userId, string culture, CancellationToken ct);

    Task<string?> GetPreferredCultureAsync(string userName, CancellationToken ct);
}
