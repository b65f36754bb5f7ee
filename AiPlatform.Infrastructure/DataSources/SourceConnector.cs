using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using Npgsql;

namespace AiPlatform.Infrastructure.DataSources;

/// <summary>
/// External sources: S3/MinIO prefixes go to <see cref="S3SourceConnector"/>; PostgreSQL sources go through Npgsql: tables and read-only queries streamed with <c>COPY … TO STDOUT (FORMAT csv)</c>
/// inside a READ ONLY transaction, so an import can never change the source.
/// </summary>
internal sealed class SourceConnector(S3SourceConnector s3, KafkaSourceConnector kafka) : IDatabaseConnector
{
    public async Task TestAsync(DatabaseConnection connection, CancellationToken ct)
    {
        if (connection.Kind == DataSourceKind.S3)
        {
            await s3.TestAsync(connection, ct);
            return;
        }

        if (connection.Kind == DataSourceKind.Kafka)
        {
            await kafka.TestAsync(connection, ct);
            return;
        }

        await using var db = await OpenAsync(connection, ct);
        await using var command = new NpgsqlCommand("SELECT 1", db);
        await command.ExecuteScalarAsync(ct);
    }

    public async Task<IReadOnlyList<string>> ListTablesAsync(DatabaseConnection connection, CancellationToken ct)
    {
        if (connection.Kind == DataSourceKind.S3)
        {
            return await s3.ListTablesAsync(connection, ct);
        }

        if (connection.Kind == DataSourceKind.Kafka)
        {
            return await kafka.ListTablesAsync(connection, ct);
        }

        await using var db = await OpenAsync(connection, ct);
        await using var command = new NpgsqlCommand(
            "SELECT table_schema || '.' || table_name FROM information_schema.tables WHERE table_schema NOT IN ('pg_catalog', 'information_schema') ORDER BY 1",
            db);
        var tables = new List<string>();
        await using var reader = await command.ExecuteReaderAsync(ct);
        while (await reader.ReadAsync(ct))
        {
            tables.Add(reader.GetString(0));
        }

        return tables;
    }

    public DatasetFormat ExportFormat(DataSourceKind kind) => kind == DataSourceKind.Kafka ? DatasetFormat.JsonLines : DatasetFormat.Csv;

    public async Task<long> ExportAsync(DatabaseConnection connection, string? table, string? query, string path, IProgress<long> rows, CancellationToken ct)
    {
        if (connection.Kind == DataSourceKind.Kafka)
        {
            return await kafka.ExportJsonLinesAsync(connection, table ?? throw new ValidationException("table", "Choose a topic."), query, path, rows, ct);
        }

        if (connection.Kind == DataSourceKind.S3)
        {
            return query is null ? await s3.ExportCsvAsync(connection, table, path, rows, ct) : throw new ValidationException("query", "An S3 source imports the objects under a prefix, not a query.");
        }

        string select;
        if (!string.IsNullOrWhiteSpace(table))
        {
            if (!(await ListTablesAsync(connection, ct)).Contains(table, StringComparer.Ordinal))
            {
                throw new ValidationException("table", $"The source has no table '{table}'.");
            }

            var dot = table.IndexOf('.', StringComparison.Ordinal);
            select = $"SELECT * FROM {Quote(table[..dot])}.{Quote(table[(dot + 1)..])}";
        }
        else
        {
            select = (query ?? string.Empty).Trim().TrimEnd(';');
        }

        await using var db = await OpenAsync(connection, ct);
        await using var transaction = await db.BeginTransactionAsync(ct);
        await using (var readOnly = new NpgsqlCommand("SET TRANSACTION READ ONLY", db, transaction))
        {
            await readOnly.ExecuteNonQueryAsync(ct);
        }

        long lines = 0;
        try
        {
            using var reader = await db.BeginTextExportAsync($"COPY ({select}) TO STDOUT WITH (FORMAT csv, HEADER true)", ct);
            await using var writer = new StreamWriter(path, append: false, new System.Text.UTF8Encoding(false), 1 << 16);
            var buffer = new char[1 << 16];
            int read;
            while ((read = await reader.ReadAsync(buffer, ct)) > 0)
            {
                await writer.WriteAsync(buffer.AsMemory(0, read), ct);
                lines += buffer.AsSpan(0, read).Count('\n');
                rows.Report(Math.Max(0, lines - 1));
            }
        }
        catch (PostgresException ex)
        {
            throw new ValidationException(table is null ? "query" : "table", $"The source refused the {(table is null ? "query" : "export")}: {ex.MessageText}");
        }

        return Math.Max(0, lines - 1);
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private static async Task<NpgsqlConnection> OpenAsync(DatabaseConnection connection, CancellationToken ct)
    {
        var builder = new NpgsqlConnectionStringBuilder
        {
            Host = connection.Host,
            Port = connection.Port,
            Database = connection.Database,
            Username = connection.UserName,
            Password = connection.Password,
            Timeout = 10,
            CommandTimeout = 0,
            Pooling = false,
            ApplicationName = "AiPlatform import",
        };
        var db = new NpgsqlConnection(builder.ConnectionString);
        try
        {
            await db.OpenAsync(ct);
            return db;
        }
        catch (Exception ex) when (ex is NpgsqlException or System.Net.Sockets.SocketException or TimeoutException)
        {
            await db.DisposeAsync();
            var reason = ex is PostgresException pg ? pg.MessageText : ex.Message;
            if (connection.Password is { Length: > 0 } password)
            {
                reason = reason.Replace(password, "***", StringComparison.Ordinal);
            }

            throw new ValidationException("connection", $"Cannot connect to {connection}: {reason}");
        }
    }
}
