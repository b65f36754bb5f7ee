namespace AiPlatform.Core.Access;

public enum SignInStatus
{
    Succeeded,
    RequiresTwoFactor,
    MustChangePassword,
    LockedOut,
    Disabled,
    Failed,
    LocalSignInDisabled,
}
