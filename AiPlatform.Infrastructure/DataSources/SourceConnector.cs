using System.Net;
using System.Net.Sockets;
using System.Security.Authentication;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Infrastructure.Network;
using Npgsql;

namespace AiPlatform.Infrastructure.DataSources;

/// <summary>
/// External sources: S3/MinIO prefixes go to <see cref="S3SourceConnector"/>; PostgreSQL sources go through Npgsql: tables and read-only queries streamed with <c>COPY … TO STDOUT (FORMAT csv)</c>
/// inside a READ ONLY transaction, so an import can never change the source. Every connection goes to an address the
/// <see cref="OutboundHostGuard"/> checked.
/// </summary>
internal sealed class SourceConnector(S3SourceConnector s3, KafkaSourceConnector kafka, OutboundHostGuard guard) : IDatabaseConnector
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
            return await kafka.ExportJsonLinesAsync(connection, table ?? throw new ValidationException("table", "Choose a topic.") { MessageKey = "Error.Data.ChooseTopic" }, query, path, rows, ct);
        }

        if (connection.Kind == DataSourceKind.S3)
        {
            return query is null ? await s3.ExportCsvAsync(connection, table, path, rows, ct) : throw new ValidationException("query", "An S3 source imports the objects under a prefix, not a query.") { MessageKey = "Error.Data.S3NoQuery" };
        }

        string select;
        if (!string.IsNullOrWhiteSpace(table))
        {
            if (!(await ListTablesAsync(connection, ct)).Contains(table, StringComparer.Ordinal))
            {
                throw new ValidationException("table", $"The source has no table '{table}'.") { MessageKey = "Error.Data.NoTable", MessageArguments = [table] };
            }

            var dot = table.IndexOf('.', StringComparison.Ordinal);
            select = $"SELECT * FROM {Quote(table[..dot])}.{Quote(table[(dot + 1)..])}";
        }
        else
        {
            select = SourceQuery.Check(query ?? string.Empty);
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
            if (string.IsNullOrWhiteSpace(table))
            {
                await RequireOneQueryAsync(db, transaction, select, ct);
            }

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
            throw new ValidationException(table is null ? "query" : "table", $"The source refused the {(table is null ? "query" : "export")}: {ex.MessageText}")
            {
                MessageKey = table is null ? "Error.Data.SourceRefusedQuery" : "Error.Data.SourceRefusedExport",
                MessageArguments = [ex.MessageText],
            };
        }

        return Math.Max(0, lines - 1);
    }

    /// <summary>
    /// Has PostgreSQL parse the query alone in one extended-protocol Parse message (described, never executed): the
    /// server refuses several commands there ("cannot insert multiple commands into a prepared statement") and a text
    /// that is no complete query, so nothing can close the COPY around it. A batch command's text is sent as it is
    /// (Npgsql does not split it on semicolons).
    /// </summary>
    internal static async Task RequireOneQueryAsync(NpgsqlConnection db, NpgsqlTransaction? transaction, string select, CancellationToken ct)
    {
        await using var batch = new NpgsqlBatch(db, transaction) { BatchCommands = { new NpgsqlBatchCommand(select) } };
        try
        {
            await using var described = await batch.ExecuteReaderAsync(System.Data.CommandBehavior.SchemaOnly, ct);
            while (await described.NextResultAsync(ct))
            {
            }
        }
        catch (NotSupportedException)
        {
            throw new ValidationException("query", "The source refused the query: give one query.") { MessageKey = "Error.Data.Query.OneQuery" };
        }
    }

    private static string Quote(string identifier) => "\"" + identifier.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    private async Task<NpgsqlConnection> OpenAsync(DatabaseConnection connection, CancellationToken ct)
    {
        var addresses = await guard.ResolveAsync(connection.Host, ct);
        var builder = new NpgsqlConnectionStringBuilder
        {
            // Always the checked address: Npgsql never resolves the name again, so a rebinding DNS server cannot move the
            // connection. Full verification still checks the certificate against the name (the TLS target host below).
            Host = Preferred(addresses).ToString(),
            Port = connection.Port,
            Database = connection.Database,
            Username = connection.UserName,
            SslMode = connection.Tls switch
            {
                DataSourceTls.VerifyFull => SslMode.VerifyFull,
                DataSourceTls.VerifyCA => SslMode.VerifyCA,
                DataSourceTls.Require => SslMode.Require,
                DataSourceTls.Prefer => SslMode.Prefer,
                _ => SslMode.Disable,
            },
            Timeout = 10,
            CommandTimeout = 0,
            Pooling = false,
            ApplicationName = "AiPlatform import",
        };
        var sources = new NpgsqlDataSourceBuilder(builder.ConnectionString);
        if (VerifiesName(connection))
        {
            // SNI and the certificate's name check use the host the user entered, not the address connected to.
            var name = connection.Host.Trim().TrimEnd('.');
            sources.UseSslClientAuthenticationOptionsCallback(options => options.TargetHost = name);
        }

        // The stored password or nothing: never one of the platform's own (PGPASSWORD, ~/.pgpass) in its place.
        sources.UsePasswordProvider(_ => connection.Password ?? string.Empty, (_, _) => ValueTask.FromResult(connection.Password ?? string.Empty));
        var db = sources.Build().CreateConnection();
        try
        {
            await db.OpenAsync(ct);
            return db;
        }
        catch (Exception ex) when (ex is NpgsqlException or SocketException or TimeoutException or IOException or AuthenticationException)
        {
            await db.DisposeAsync();
            var (reason, key) = Reason(ex, connection.Tls);
            throw new ValidationException("connection", $"Cannot connect to {connection}: {reason}.")
            {
                MessageKey = $"Error.CannotConnect.{key}",
                MessageArguments = [connection.ToString()],
            };
        }
    }

    /// <summary>Whether TLS checks the certificate against a host name (full verification of a source given by name).</summary>
    internal static bool VerifiesName(DatabaseConnection connection) =>
        connection.Tls == DataSourceTls.VerifyFull && !IPAddress.TryParse(connection.Host.Trim('[', ']'), out _);

    internal static IPAddress Preferred(IPAddress[] addresses) =>
        addresses.FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork) ?? addresses[0];

    /// <summary>
    /// What failed, in the platform's words (and the UI resource that says it in the user's language): never the
    /// server's own text, which could be anything a non-database answers.
    /// </summary>
    internal static (string Text, string Key) Reason(Exception ex, DataSourceTls tls)
    {
        for (var e = ex; e is not null; e = e.InnerException)
        {
            switch (e)
            {
                case PostgresException { SqlState: "28P01" or "28000" }:
                    return ("authentication failed (check the user name and password)", "AuthenticationFailed");
                case PostgresException { SqlState: "3D000" }:
                    return ("the database does not exist", "NoDatabase");
                case PostgresException pg:
                    return ($"the server refused the connection (SQLSTATE {pg.SqlState})", "ServerRefused");
                case AuthenticationException:
                    return ("the TLS handshake failed (the certificate is not trusted or not for this host)", "TlsFailed");
                case SocketException { SocketErrorCode: SocketError.ConnectionRefused }:
                    return ("the connection was refused", "Refused");
                case SocketException { SocketErrorCode: SocketError.TimedOut } or TimeoutException:
                    return ("the connection timed out", "TimedOut");
                case SocketException { SocketErrorCode: SocketError.HostUnreachable or SocketError.NetworkUnreachable }:
                    return ("the host is unreachable", "Unreachable");
            }
        }

        return tls is DataSourceTls.Disable or DataSourceTls.Prefer
            ? ("the server did not answer as PostgreSQL does", "NotPostgres")
            : ("TLS could not be set up, or the server did not answer as PostgreSQL does", "TlsOrNotPostgres");
    }
}
