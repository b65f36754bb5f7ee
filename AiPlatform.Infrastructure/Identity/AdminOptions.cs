namespace AiPlatform.Infrastructure.Identity;

public sealed class AdminOptions
{
    public const string Section = "Admin";

    /// <summary>User name of the administrator created on first start.</summary>
    public string UserName { get; set; } = "admin";

    /// <summary>Its password; when empty one is generated, printed once to the console, and must be changed at first sign-in.</summary>
    public string? InitialPassword { get; set; }
}
