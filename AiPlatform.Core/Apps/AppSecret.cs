namespace AiPlatform.Core.Apps;

/// <summary>
/// A secret of an app (an API token, a password) that HTTP nodes send in headers as <c>{{secret.NAME}}</c>: stored
/// encrypted, never returned, exported or traced, and sent only to its hosts.
/// </summary>
public sealed class AppSecret
{
    public Guid Id { get; set; }

    public Guid AppId { get; set; }

    /// <summary>Letters, digits and underscores, starting with a letter (<c>{{secret.NAME}}</c>).</summary>
    public required string Name { get; set; }

    /// <summary>The value encrypted with the platform's data-protection keys.</summary>
    public required string ValueProtected { get; set; }

    /// <summary>The hosts the secret may be sent to, one per line: a name (<c>api.example.com</c>) or a domain suffix (<c>.example.com</c>).</summary>
    public required string Hosts { get; set; }

    public Guid UpdatedBy { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}
