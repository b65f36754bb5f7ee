using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Core.Jobs;

namespace AiPlatform.Core.Data;

/// <summary>External databases to import datasets from. Passwords are encrypted at rest and never returned or logged.</summary>
public sealed class DataSourceService(
    AccessService access,
    IDataSourceStore store,
    IDatabaseConnector connector,
    ISecretProtector secrets,
    DatasetService datasets,
    JobService jobs,
    IRecurringScheduler scheduler,
    IAccessStore accessStore,
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
            Port = input.Port is > 0 and < 65536 ? input.Port : throw new ValidationException("port", "The port is 1 to 65535."),
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
        source.Port = input.Port is > 0 and < 65536 ? input.Port : throw new ValidationException("port", "The port is 1 to 65535.");
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

    /// <summary>Queues an import of a table or a read-only query into a new version of a dataset the caller may write.</summary>
    public async Task<JobRecord> ImportAsync(Guid id, Guid datasetId, string? table, string? query, string? message, CancellationToken ct)
    {
        var (source, _) = await GetAsync(id, ct);
        var (dataset, _) = await datasets.GetAsync(datasetId, ct);
        await access.RequireLevelAsync(SecurableTypes.Dataset, datasetId, dataset.OwnerId, PermissionLevel.Write, ct);
        RequireTarget(source.Kind, table, query);

        var context = await access.RequireContextAsync(ct);
        var parameters = new ImportDatasetHandler.ImportParameters(source.Id, dataset.Id, table?.Trim(), query?.Trim(), message);
        var entry = await audit.EntryAsync("datasource.import", ObjectType, source.Id, new { dataset = dataset.Name, table = parameters.Table, query = parameters.Query is { Length: > 1000 } q ? q[..1000] + "…" : parameters.Query }, ct);
        return await jobs.EnqueueAsync(
            new JobRequest(ImportDatasetHandler.JobKind, $"{source.Name} → {dataset.Name}", SecurableTypes.Dataset, dataset.Id.ToString(), JsonSerializer.SerializeToElement(parameters)),
            context.UserName,
            entry,
            ct);
    }

    public async Task<IReadOnlyList<ScheduledImport>> ListSchedulesAsync(Guid id, CancellationToken ct)
    {
        await GetAsync(id, ct);
        return await store.ListSchedulesAsync(id, ct);
    }

    /// <summary>
    /// Re-imports a table or query on a cron schedule (UTC); each run makes a version only when the content changed.
    /// A schedule changes the source's state (deleting one needs Write), so creating one needs Write on the source too.
    /// </summary>
    public async Task<ScheduledImport> ScheduleAsync(Guid id, Guid datasetId, string? table, string? query, string cron, CancellationToken ct)
    {
        var (source, _) = await GetAsync(id, ct);
        await access.RequireLevelAsync(ObjectType, id, source.OwnerId, PermissionLevel.Write, ct);
        var (dataset, _) = await datasets.GetAsync(datasetId, ct);
        await access.RequireLevelAsync(SecurableTypes.Dataset, datasetId, dataset.OwnerId, PermissionLevel.Write, ct);
        RequireTarget(source.Kind, table, query);

        var context = await access.RequireContextAsync(ct);
        var schedule = new ScheduledImport
        {
            Id = Guid.CreateVersion7(time.GetUtcNow()),
            SourceId = source.Id,
            DatasetId = dataset.Id,
            Table = table?.Trim(),
            Query = query?.Trim(),
            Cron = (cron ?? string.Empty).Trim(),
            CreatedById = context.UserId,
            CreatedBy = context.UserName,
            CreatedAt = time.GetUtcNow(),
        };
        scheduler.ScheduleImport(schedule.Id, schedule.Cron);
        try
        {
            await store.AddScheduleAsync(schedule, await audit.EntryAsync("datasource.schedule.create", ObjectType, id, new { dataset = dataset.Name, schedule.Table, schedule.Cron }, ct), ct);
        }
        catch
        {
            scheduler.Remove(schedule.Id);
            throw;
        }

        return schedule;
    }

    public async Task DeleteScheduleAsync(Guid id, Guid scheduleId, CancellationToken ct)
    {
        var (source, _) = await GetAsync(id, ct);
        await access.RequireLevelAsync(ObjectType, id, source.OwnerId, PermissionLevel.Write, ct);
        if (await store.FindScheduleAsync(scheduleId, ct) is not { } schedule || schedule.SourceId != id)
        {
            throw new NotFoundException("Schedule", scheduleId);
        }

        await store.DeleteScheduleAsync(scheduleId, await audit.EntryAsync("datasource.schedule.delete", ObjectType, id, new { scheduleId }, ct), ct);
        scheduler.Remove(scheduleId);
    }

    /// <summary>
    /// One tick of a schedule (called by the executor): queues an import with the rights of the schedule's creator,
    /// checked again now; a creator who lost access (or a deleted dataset or source) ends nothing but this run.
    /// </summary>
    public async Task<JobRecord?> RunScheduleAsync(Guid scheduleId, CancellationToken ct)
    {
        if (await store.FindScheduleAsync(scheduleId, ct) is not { } schedule)
        {
            scheduler.Remove(scheduleId);
            return null;
        }

        var context = await accessStore.LoadContextAsync(schedule.CreatedById, ct);
        var dataset = await datasets.FindForScheduleAsync(schedule.DatasetId, ct);
        var source = await store.FindAsync(schedule.SourceId, ct);
        if (context is null || dataset is null || source is null
            || !(context.SeesEverything || dataset.OwnerId == context.UserId || await accessStore.GetGrantedLevelAsync(context, SecurableTypes.Dataset, dataset.Id, ct) >= PermissionLevel.Write)
            || !(context.SeesEverything || source.OwnerId == context.UserId || await accessStore.GetGrantedLevelAsync(context, ObjectType, source.Id, ct) >= PermissionLevel.Write))
        {
            return null;
        }

        var parameters = new ImportDatasetHandler.ImportParameters(source.Id, dataset.Id, schedule.Table, schedule.Query, $"Scheduled import ({schedule.Cron})");
        return await jobs.EnqueueAsync(
            new JobRequest(ImportDatasetHandler.JobKind, $"{source.Name} → {dataset.Name} (scheduled)", SecurableTypes.Dataset, dataset.Id.ToString(), JsonSerializer.SerializeToElement(parameters)),
            schedule.CreatedBy,
            ct);
    }

    /// <summary>Registers every stored schedule with the executor (at start: in-memory executors forget them).</summary>
    public async Task RegisterSchedulesAsync(CancellationToken ct)
    {
        foreach (var schedule in await store.ListSchedulesAsync(null, ct))
        {
            scheduler.ScheduleImport(schedule.Id, schedule.Cron);
        }
    }

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
            : throw new ValidationException("host", "Give one host name or IP address (no socket path, list or port).");
    }

    private static DataSourceTls Tls(DataSourceKind kind, DataSourceTls tls) => (kind, tls) switch
    {
        (DataSourceKind.Kafka, DataSourceTls.Prefer) => throw new ValidationException("tls", "Kafka has no Prefer mode: choose VerifyFull, VerifyCA, Require or Disable."),
        (DataSourceKind.S3, DataSourceTls.Prefer or DataSourceTls.VerifyCA) => throw new ValidationException("tls", "S3 takes VerifyFull (https), Require (https without certificate checks) or Disable (http)."),
        _ when Enum.IsDefined(tls) => tls,
        _ => throw new ValidationException("tls", "Unknown TLS mode."),
    };

    /// <summary>A table (or query) for databases; an object or prefix for S3; a topic (and optionally a start time) for Kafka.</summary>
    private static void RequireTarget(DataSourceKind kind, string? table, string? query)
    {
        if (kind == DataSourceKind.Kafka ? string.IsNullOrWhiteSpace(table) : string.IsNullOrWhiteSpace(table) == string.IsNullOrWhiteSpace(query))
        {
            throw new ValidationException("table", kind == DataSourceKind.Kafka ? "Choose a topic." : "Give either a table or a query.");
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
        return trimmed.Length is > 0 && trimmed.Length <= max ? trimmed : throw new ValidationException(field, $"Required, at most {max} characters.");
    }
}

/// <param name="Password">On update: null keeps the stored one (unless the endpoint changes), empty removes it.</param>
/// <param name="Tls">How the connection is secured; verified TLS unless plaintext is chosen.</param>
public sealed record DataSourceInput(string? Name, DataSourceKind Kind, string? Host, int Port, string? Database, string? UserName, string? Password, DataSourceTls Tls = DataSourceTls.VerifyFull);
