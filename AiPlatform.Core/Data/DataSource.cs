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

    /// <summary>The password, encrypted with ASP.NET Data Protection (keys kept with the platform).</summary>
    public string? ProtectedPassword { get; set; }

    public Guid OwnerId { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
