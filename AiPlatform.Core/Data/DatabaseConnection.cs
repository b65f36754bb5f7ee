namespace AiPlatform.Core.Data;

/// <summary>What a connector needs to reach a database; built from a <see cref="DataSource"/> with its password decrypted, never stored or logged.</summary>
public sealed record DatabaseConnection(DataSourceKind Kind, string Host, int Port, string Database, string UserName, string? Password, DataSourceTls Tls)
{
    public override string ToString() => $"{Kind} {UserName}@{Host}:{Port}/{Database}";
}
