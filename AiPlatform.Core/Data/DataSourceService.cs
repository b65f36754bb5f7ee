using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Data;

/// <summary>External databases to import datasets from. Passwords are encrypted at rest and never returned or logged.</summary>
/// <remarks>Imports are <see cref="DataSourceImportService"/>'s, schedules <see cref="ImportScheduleService"/>'s and <see cref="ScheduledImportRunner"/>'s.</remarks>
public sealed class DataSourceService(
    AccessService access,
    IDataSourceStore store,
    IDatabaseConnector connector,
    ISecretProtector secrets,
    AuditRecorder audit,
    TimeProvider time) : ISecurableLookup
{
    public string ObjectType => SecurableTypes.DataSource;

    public async Task<IReadOnlyList<DataSource>> ListAsync(CancellationToken ct) =>
        await store.ListReadableAsync(await access.RequireContextAsync(ct), ct);

    public async Task<(DataSource Source, PermissionLevel Level)> GetAsync(Guid id, CancellationToken ct)
    {
        var source = await store.FindAsync(id, ct);
        var level = source is null ? null : await access.GetLevelAsync(ObjectType, id, source.OwnerId, ct);
        return source is not null && level is { } l ? (source, l) : throw new NotFoundException("Data source", id);
    }

    public async Task<DataSource> CreateAsync(DataSourceInput input, CancellationToken ct)
    {
        var context = await access.RequireCapabilityAsync(Capabilities.DatasetsCreate, ct);
        var source = new DataSource
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            Name = Required(input.Name, "name", 100),
            Kind = input.Kind,
            Host = Host(input.Host),
            Port = input.Port is > 0 and < 65536 ? input.Port : throw new ValidationException("port", "The port is 1 to 65535.") { MessageKey = "Error.Data.Port" },
            Database = input.Kind == DataSourceKind.Kafka ? (input.Database ?? string.Empty).Trim() : Required(input.Database, "database", 128),
            UserName = Optional(input.Kind, input.UserName),
            Tls = Tls(input.Kind, input.Tls),
            ProtectedPassword = string.IsNullOrEmpty(input.Password) ? null : secrets.Protect(input.Password),
            OwnerId = context.UserId,
            CreatedAt = time.GetUtcNow(),
        };
        await store.AddAsync(source, await audit.EntryAsync("datasource.create", ObjectType, source.Id, Describe(source), ct), ct);
        return source;
    }

    public async Task<DataSource> UpdateAsync(Guid id, DataSourceInput input, CancellationToken ct)
    {
        var (source, _) = await GetAsync(id, ct);
        await access.RequireLevelAsync(ObjectType, id, source.OwnerId, PermissionLevel.Write, ct);
        var endpoint = Endpoint(source);
        source.Name = Required(input.Name, "name", 100);
        source.Host = Host(input.Host);
        source.Port = input.Port is > 0 and < 65536 ? input.Port : throw new ValidationException("port", "The port is 1 to 65535.") { MessageKey = "Error.Data.Port" };
        source.Database = source.Kind == DataSourceKind.Kafka ? (input.Database ?? string.Empty).Trim() : Required(input.Database, "database", 128);
        source.UserName = Optional(source.Kind, input.UserName);
        source.Tls = Tls(source.Kind, input.Tls);

        // The secret was entered for one endpoint: re-pointing the source (a Write grantee may) must not take it along.
        var secretCleared = input.Password is null && source.ProtectedPassword is not null && Endpoint(source) != endpoint;
        if (input.Password is not null || secretCleared)
        {
            source.ProtectedPassword = string.IsNullOrEmpty(input.Password) ? null : secrets.Protect(input.Password);
        }

        await store.UpdateAsync(source, await audit.EntryAsync("datasource.update", ObjectType, id, new { after = Describe(source), passwordChanged = input.Password is not null, secretCleared }, ct), ct);
        return source;
    }

    public async Task DeleteAsync(Guid id, CancellationToken ct)
    {
        var (source, _) = await GetAsync(id, ct);
        await access.RequireLevelAsync(ObjectType, id, source.OwnerId, PermissionLevel.Manage, ct);
        await store.DeleteAsync(id, await audit.EntryAsync("datasource.delete", ObjectType, id, new { source.Name }, ct), ct);
    }

    public async Task TestAsync(Guid id, CancellationToken ct) => await connector.TestAsync(Connection((await GetAsync(id, ct)).Source), ct);

    public async Task<IReadOnlyList<string>> ListTablesAsync(Guid id, CancellationToken ct) =>
        await connector.ListTablesAsync(Connection((await GetAsync(id, ct)).Source), ct);

    /// <summary>The connection with the decrypted password, for this call only.</summary>
    internal DatabaseConnection Connection(DataSource source) =>
        new(source.Kind, source.Host, source.Port, source.Database, source.UserName, source.ProtectedPassword is null ? null : secrets.Unprotect(source.ProtectedPassword), source.Tls);

    async Task<SecurableObject?> ISecurableLookup.FindAsync(Guid id, CancellationToken ct) =>
        await store.FindAsync(id, ct) is { } s ? new SecurableObject(ObjectType, s.Id, s.Name, s.OwnerId) : null;

    private static object Describe(DataSource s) => new { s.Name, s.Kind, s.Host, s.Port, s.Database, s.UserName, s.Tls };

    /// <summary>What the secret is bound to: where it is sent and how.</summary>
    private static (string Host, int Port, string Database, string UserName, DataSourceTls Tls) Endpoint(DataSource s) =>
        (s.Host.ToLowerInvariant(), s.Port, s.Database, s.UserName, s.Tls);

    /// <summary>One host name or IP address: no socket paths, host lists or ports (the outbound policy checks where it leads at connect time).</summary>
    private static string Host(string? value)
    {
        var host = Required(value, "host", 255);
        var bare = host.StartsWith('[') && host.EndsWith(']') ? host[1..^1] : host;
        return Uri.CheckHostName(bare) is UriHostNameType.Dns or UriHostNameType.IPv4 or UriHostNameType.IPv6
            ? host
            : throw new ValidationException("host", "Give one host name or IP address (no socket path, list or port).") { MessageKey = "Error.Data.Host" };
    }

    private static DataSourceTls Tls(DataSourceKind kind, DataSourceTls tls) => (kind, tls) switch
    {
        (DataSourceKind.Kafka, DataSourceTls.Prefer) => throw new ValidationException("tls", "Kafka has no Prefer mode: choose VerifyFull, VerifyCA, Require or Disable.") { MessageKey = "Error.Data.KafkaTls" },
        (DataSourceKind.S3, DataSourceTls.Prefer or DataSourceTls.VerifyCA) => throw new ValidationException("tls", "S3 takes VerifyFull (https), Require (https without certificate checks) or Disable (http).") { MessageKey = "Error.Data.S3Tls" },
        _ when Enum.IsDefined(tls) => tls,
        _ => throw new ValidationException("tls", "Unknown TLS mode.") { MessageKey = "Error.Data.UnknownTls" },
    };

    /// <summary>A table (or query) for databases; an object or prefix for S3; a topic (and optionally a start time) for Kafka.</summary>
    internal static void RequireTarget(DataSourceKind kind, string? table, string? query)
    {
        if (kind == DataSourceKind.Kafka ? string.IsNullOrWhiteSpace(table) : string.IsNullOrWhiteSpace(table) == string.IsNullOrWhiteSpace(query))
        {
            throw new ValidationException("table", kind == DataSourceKind.Kafka ? "Choose a topic." : "Give either a table or a query.") { MessageKey = kind == DataSourceKind.Kafka ? "Error.Data.ChooseTopic" : "Error.Data.TableOrQuery" };
        }

        if (kind == DataSourceKind.Postgres && string.IsNullOrWhiteSpace(table))
        {
            SourceQuery.Check(query!);
        }
    }

    /// <summary>Kafka may run without SASL credentials; databases and buckets need a user (access key).</summary>
    private static string Optional(DataSourceKind kind, string? userName) =>
        kind == DataSourceKind.Kafka ? (userName ?? string.Empty).Trim() : Required(userName, "userName", 128);

    private static string Required(string? value, string field, int max)
    {
        var trimmed = value?.Trim() ?? string.Empty;
        return trimmed.Length is > 0 && trimmed.Length <= max ? trimmed : throw new ValidationException(field, $"Required, at most {max} characters.") { MessageKey = "Error.Data.RequiredText", MessageArguments = [max] };
    }
}

/// <param name="Password">On update: null keeps the stored one (unless the endpoint changes), empty removes it.</param>
/// <param name="Tls">How the connection is secured; verified TLS unless plaintext is chosen.</param>
public sealed record DataSourceInput(string? Name, DataSourceKind Kind, string? Host, int Port, string? Database, string? UserName, string? Password, DataSourceTls Tls = DataSourceTls.VerifyFull);
