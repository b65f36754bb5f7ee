namespace AiPlatform.Core.Data;

/// <summary>Reads from external databases. Errors are reported without the password.</summary>
public interface IDatabaseConnector
{
    /// <summary>Connects and runs a trivial query; throws a validation error saying what went wrong.</summary>
    Task TestAsync(DatabaseConnection connection, CancellationToken ct);

    /// <summary>Tables and views as <c>schema.name</c>.</summary>
    Task<IReadOnlyList<string>> ListTablesAsync(DatabaseConnection connection, CancellationToken ct);

    /// <summary>Streams a table (<c>schema.name</c>) or a read-only query to a CSV file with a header; returns the rows written.</summary>
    Task<long> ExportCsvAsync(DatabaseConnection connection, string? table, string? query, string path, IProgress<long> rows, CancellationToken ct);
}
