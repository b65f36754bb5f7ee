using AiPlatform.Core.Access;

namespace AiPlatform.Core.Data;

/// <summary>
/// A database the platform imports from (PostgreSQL today). A securable object: its owner and grantees may import
/// from it. The password is stored encrypted and never leaves the platform.
/// </summary>
public sealed class DataSource : IOwnedObject
{
    public Guid Id { get; set; }

    public required string Name { get; set; }

    public DataSourceKind Kind { get; set; }

    public required string Host { get; set; }

    public int Port { get; set; }

    public required string Database { get; set; }

    public required string UserName { get; set; }

    /// <summary>How the connection is secured (TLS and certificate checks).</summary>
    public DataSourceTls Tls { get; set; }

    /// <summary>
    /// The password, bound to the endpoint it was entered for: a change of host, port, database (bucket), user or TLS
    /// mode clears it unless it is entered again. Encrypted with ASP.NET Data Protection (keys kept with the platform).</summary>
    public string? ProtectedPassword { get; set; }

    public Guid OwnerId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
