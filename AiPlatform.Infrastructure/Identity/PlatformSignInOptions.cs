namespace AiPlatform.Infrastructure.Identity;

public sealed class PlatformSignInOptions
{
    public const string Section = "Authentication";

    /// <summary>Allow user name + password sign-in (form and HTTP Basic). Turn off when everyone signs in through the identity provider.</summary>
    public bool LocalLoginEnabled { get; set; } = true;
}
