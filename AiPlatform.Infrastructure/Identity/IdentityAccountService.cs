using System.Text.Encodings.Web;
using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using Microsoft.AspNetCore.Identity;
using Microsoft.Extensions.Options;

namespace AiPlatform.Infrastructure.Identity;

internal sealed class IdentityAccountService(
    SignInManager<PlatformUser> signIn,
    UserManager<PlatformUser> users,
    IAuditStore audit,
    ICurrentUser currentUser,
    IOptions<PlatformSignInOptions> options,
    TimeProvider time) : IAccountService
{
    public async Task<SignInStatus> PasswordSignInAsync(string userName, string password, bool remember, CancellationToken ct)
    {
        if (!options.Value.LocalLoginEnabled)
        {
            return SignInStatus.LocalSignInDisabled;
        }

        var user = await users.FindByNameAsync(userName ?? string.Empty);
        if (user is null || user.IsExternal)
        {
            await AuditAsync("signin.failed", userName, null, "unknown user", ct);
            return SignInStatus.Failed;
        }

        if (user.IsDisabled)
        {
            await AuditAsync("signin.failed", user.UserName, user.Id, "disabled", ct);
            return SignInStatus.Disabled;
        }

        var result = await signIn.PasswordSignInAsync(user, password ?? string.Empty, remember, lockoutOnFailure: true);
        var status = Map(result, user);
        await AuditAsync(status == SignInStatus.Succeeded ? "signin" : status == SignInStatus.RequiresTwoFactor ? "signin.password-ok" : "signin.failed", user.UserName, user.Id, status.ToString(), ct);
        return status;
    }

    public async Task<SignInStatus> TwoFactorSignInAsync(string code, bool isRecoveryCode, bool remember, CancellationToken ct)
    {
        var user = await signIn.GetTwoFactorAuthenticationUserAsync();
        if (user is null)
        {
            return SignInStatus.Failed;
        }

        var clean = (code ?? string.Empty).Replace(" ", string.Empty).Replace("-", string.Empty);
        var result = isRecoveryCode
            ? await signIn.TwoFactorRecoveryCodeSignInAsync(code?.Trim() ?? string.Empty)
            : await signIn.TwoFactorAuthenticatorSignInAsync(clean, remember, rememberClient: false);
        var status = Map(result, user);
        await AuditAsync(status == SignInStatus.Succeeded ? "signin" : "signin.failed", user.UserName, user.Id, isRecoveryCode ? $"recovery code: {status}" : $"authenticator: {status}", ct);
        return status;
    }

    public async Task SignOutAsync(CancellationToken ct)
    {
        var caller = await currentUser.GetAsync(ct);
        await signIn.SignOutAsync();
        if (caller is not null)
        {
            await AuditAsync("signout", caller.UserName, caller.Id, null, ct);
        }
    }

    public async Task<CallerIdentity?> CheckPasswordAsync(string userName, string password, CancellationToken ct)
    {
        if (!options.Value.LocalLoginEnabled)
        {
            return null;
        }

        var user = await users.FindByNameAsync(userName ?? string.Empty);
        if (user is null || user.IsDisabled || user.IsExternal)
        {
            return null;
        }

        var result = await signIn.CheckPasswordSignInAsync(user, password ?? string.Empty, lockoutOnFailure: true);
        if (!result.Succeeded)
        {
            await AuditAsync("signin.failed", user.UserName, user.Id, result.IsLockedOut ? "basic: locked out" : "basic: wrong password", ct);
            return null;
        }

        // HTTP Basic has no second factor: an account with MFA must use a personal access token instead.
        return user.TwoFactorEnabled ? null : new CallerIdentity(user.Id, user.UserName!);
    }

    public async Task ChangePasswordAsync(Guid userId, string currentPassword, string newPassword, CancellationToken ct)
    {
        var user = await RequireAsync(userId);
        if (string.Equals(currentPassword, newPassword, StringComparison.Ordinal))
        {
            throw new ValidationException("newPassword", "Choose a password different from the current one.");
        }

        var result = await users.ChangePasswordAsync(user, currentPassword ?? string.Empty, newPassword ?? string.Empty);
        if (!result.Succeeded && result.Errors.Any(e => e.Code == "PasswordMismatch"))
        {
            throw new ValidationException("currentPassword", "The current password is not correct.");
        }

        IdentityUserDirectory.Check(result);
        user.MustChangePassword = false;
        IdentityUserDirectory.Check(await users.UpdateAsync(user));
        await AuditAsync("user.password.change", user.UserName, user.Id, null, ct);
        await signIn.RefreshSignInAsync(user);
    }

    public async Task<MfaSetup> BeginMfaSetupAsync(Guid userId, CancellationToken ct)
    {
        var user = await RequireAsync(userId);
        if (user.TwoFactorEnabled)
        {
            throw new ConflictException("Two-factor authentication is already on. Turn it off first.");
        }

        IdentityUserDirectory.Check(await users.ResetAuthenticatorKeyAsync(user));
        var key = await users.GetAuthenticatorKeyAsync(user) ?? throw new InvalidOperationException("No authenticator key was generated.");
        var uri = $"otpauth://totp/{UrlEncoder.Default.Encode("AiPlatform")}:{UrlEncoder.Default.Encode(user.UserName!)}?secret={key}&issuer={UrlEncoder.Default.Encode("AiPlatform")}&digits=6";
        return new MfaSetup(FormatKey(key), uri);
    }

    public async Task<IReadOnlyList<string>> EnableMfaAsync(Guid userId, string code, CancellationToken ct)
    {
        var user = await RequireAsync(userId);
        var clean = (code ?? string.Empty).Replace(" ", string.Empty).Replace("-", string.Empty);
        if (!await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, clean))
        {
            throw new ValidationException("code", "The code is not valid. Check the time on your device and try the newest code.");
        }

        IdentityUserDirectory.Check(await users.SetTwoFactorEnabledAsync(user, true));
        var codes = (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 10))?.ToList() ?? [];
        await AuditAsync("user.mfa.enable", user.UserName, user.Id, null, ct);
        return codes;
    }

    public async Task DisableMfaAsync(Guid userId, Reauthentication proof, CancellationToken ct)
    {
        var user = await RequireAsync(userId);
        await RequireReauthenticationAsync(user, proof, "user.mfa.disable", ct);
        IdentityUserDirectory.Check(await users.SetTwoFactorEnabledAsync(user, false));
        IdentityUserDirectory.Check(await users.ResetAuthenticatorKeyAsync(user));
        await AuditAsync("user.mfa.disable", user.UserName, user.Id, null, ct);
    }

    public async Task<IReadOnlyList<string>> RegenerateRecoveryCodesAsync(Guid userId, Reauthentication proof, CancellationToken ct)
    {
        var user = await RequireAsync(userId);
        if (!user.TwoFactorEnabled)
        {
            throw new ConflictException("Turn on two-factor authentication first.");
        }

        await RequireReauthenticationAsync(user, proof, "user.mfa.recovery-codes", ct);

        var codes = (await users.GenerateNewTwoFactorRecoveryCodesAsync(user, 10))?.ToList() ?? [];
        await AuditAsync("user.mfa.recovery-codes", user.UserName, user.Id, null, ct);
        return codes;
    }

    public async Task SetPreferredCultureAsync(Guid userId, string culture, CancellationToken ct)
    {
        var user = await RequireAsync(userId);
        user.PreferredCulture = culture;
        IdentityUserDirectory.Check(await users.UpdateAsync(user));
    }

    public async Task<string?> GetPreferredCultureAsync(string userName, CancellationToken ct) =>
        (await users.FindByNameAsync(userName ?? string.Empty))?.PreferredCulture;

    /// <summary>
    /// The current password or an authenticator code, both counted toward lockout like a sign-in. An account with neither
    /// (single sign-on without MFA) cannot confirm here and is told so. The password is checked with UserManager, not
    /// SignInManager: the latter reads the two-factor "remember this browser" cookie, which needs a live request, and
    /// re-authentication also runs in a Blazor circuit whose request has long been answered.
    /// </summary>
    private async Task RequireReauthenticationAsync(PlatformUser user, Reauthentication proof, string action, CancellationToken ct)
    {
        var hasPassword = await users.HasPasswordAsync(user);
        if (!hasPassword && !user.TwoFactorEnabled)
        {
            throw new ReauthenticationRequiredException("This account signs in through single sign-on and has no password or authenticator to confirm this change with. Ask an administrator.");
        }

        // A locked-out account proves nothing here (not even with a right code), and every failed proof — password or
        // authenticator code — counts toward the lockout, so neither can be guessed through these routes.
        if (await users.IsLockedOutAsync(user))
        {
            await AuditAsync(action + ".denied", user.UserName, user.Id, "re-authentication refused: locked out", ct);
            throw new ReauthenticationRequiredException("Too many failed attempts: this account is locked for a while. Try again later.")
            {
                MessageKey = "Error.ReauthLockedOut",
            };
        }

        var attempted = false;
        if (hasPassword && !string.IsNullOrEmpty(proof.Password))
        {
            attempted = true;
            if (await users.CheckPasswordAsync(user, proof.Password))
            {
                await users.ResetAccessFailedCountAsync(user);
                return;
            }
        }

        if (user.TwoFactorEnabled && !string.IsNullOrWhiteSpace(proof.Code))
        {
            attempted = true;
            if (await users.VerifyTwoFactorTokenAsync(user, users.Options.Tokens.AuthenticatorTokenProvider, proof.Code.Replace(" ", string.Empty).Replace("-", string.Empty)))
            {
                await users.ResetAccessFailedCountAsync(user);
                return;
            }
        }

        if (attempted)
        {
            await users.AccessFailedAsync(user);
        }

        await AuditAsync(action + ".denied", user.UserName, user.Id, "re-authentication failed", ct);
        throw new ReauthenticationRequiredException(hasPassword
            ? "Confirm this change with your current password" + (user.TwoFactorEnabled ? " or a code from your authenticator app." : ".")
            : "Confirm this change with a code from your authenticator app.")
        {
            MessageKey = hasPassword ? (user.TwoFactorEnabled ? "Error.ReauthPasswordOrCode" : "Error.ReauthPassword") : "Error.ReauthCode",
        };
    }

    private static SignInStatus Map(Microsoft.AspNetCore.Identity.SignInResult result, PlatformUser user) =>
        result.Succeeded ? (user.MustChangePassword ? SignInStatus.MustChangePassword : SignInStatus.Succeeded)
        : result.RequiresTwoFactor ? SignInStatus.RequiresTwoFactor
        : result.IsLockedOut ? SignInStatus.LockedOut
        : result.IsNotAllowed ? SignInStatus.Disabled
        : SignInStatus.Failed;

    private static string FormatKey(string key) =>
        string.Join(' ', Enumerable.Range(0, (key.Length + 3) / 4).Select(i => key.Substring(i * 4, Math.Min(4, key.Length - (i * 4))))).ToLowerInvariant();

    private async Task<PlatformUser> RequireAsync(Guid userId) =>
        await users.FindByIdAsync(userId.ToString()) ?? throw new NotFoundException("User", userId);

    private Task AuditAsync(string action, string? userName, Guid? userId, string? detail, CancellationToken ct) =>
        audit.AddAsync(new AuditEntry
        {
            At = time.GetUtcNow(),
            ActorId = userId,
            ActorName = userName ?? "(unknown)",
            Action = action,
            ObjectType = "user",
            ObjectId = userId?.ToString() ?? userName,
            Summary = detail is null ? null : System.Text.Json.JsonSerializer.Serialize(new { detail }),
            ClientIp = currentUser.ClientIp,
            CorrelationId = currentUser.CorrelationId,
        }, ct);
}
