namespace AiPlatform.Core.Data;

/// <summary>Reads from external databases. Errors are reported without the password.</summary>
public interface IDatabaseConnector
{
    /// <summary>Connects and runs a trivial query; throws a validation error saying what went wrong.</summary>
    Task TestAsync(DatabaseConnection connection, CancellationToken ct);

    /// <summary>Tables and views as <c>schema.name</c>.</summary>
    Task<IReadOnlyList<string>> ListTablesAsync(DatabaseConnection connection, CancellationToken ct);

    /// <summary>The format <see cref="ExportAsync"/> writes for a kind of source (CSV for databases and S3, JSON Lines for Kafka).</summary>
    DatasetFormat ExportFormat(DataSourceKind kind);

    /// <summary>Streams a table (<c>schema.name</c>, an S3 prefix, a Kafka topic) or a read-only query to a file; returns the rows written.</summary>
    Task<long> ExportAsync(DatabaseConnection connection, string? table, string? query, string path, IProgress<long> rows, CancellationToken ct);
}
