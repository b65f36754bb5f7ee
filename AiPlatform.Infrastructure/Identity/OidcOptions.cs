namespace AiPlatform.Infrastructure.Identity;

/// <summary>Single sign-on through an OpenID Connect provider such as Keycloak (section <c>Authentication:Oidc</c>).</summary>
public sealed class OidcOptions
{
    public const string Section = "Authentication:Oidc";

    public bool Enabled { get; set; }

    /// <summary>Shown on the sign-in button: "Sign in with …".</summary>
    public string DisplayName { get; set; } = "Keycloak";

    /// <summary>The issuer, e.g. <c>https://keycloak.example.com/realms/aiplatform</c>.</summary>
    public string? Authority { get; set; }

    public string? ClientId { get; set; }

    public string? ClientSecret { get; set; }

    public List<string> Scopes { get; set; } = ["openid", "profile", "email"];

    /// <summary>Dotted path of the claim holding the user's IdP roles; Keycloak's realm roles by default.</summary>
    public string RoleClaimPath { get; set; } = "realm_access.roles";

    /// <summary>IdP role (or group) → platform role name. Users whose IdP roles map to nothing get <see cref="DefaultRole"/>.</summary>
    public Dictionary<string, string> RoleMapping { get; set; } = new(StringComparer.Ordinal);

    public string DefaultRole { get; set; } = "Viewer";

    /// <summary>Audience that bearer tokens for the API must carry (Keycloak client credentials tokens). Empty: the client id.</summary>
    public string? Audience { get; set; }

    public string UserNameClaim { get; set; } = "preferred_username";

    public bool RequireHttpsMetadata { get; set; } = true;

    /// <summary>
    /// How far a bearer token's expiry (and not-before) may be off the platform's clock and still count: room for
    /// clocks that drift apart. Keep it short; an expired token stays usable this long.
    /// </summary>
    public TimeSpan ClockSkew { get; set; } = TimeSpan.FromSeconds(30);
}
