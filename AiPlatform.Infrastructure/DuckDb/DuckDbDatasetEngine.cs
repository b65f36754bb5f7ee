using System.Data.Common;
using System.Globalization;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using DuckDB.NET.Data;
using DuckDB.NET.Native;

namespace AiPlatform.Infrastructure.DuckDb;

/// <summary>
/// Reads dataset files with an in-memory DuckDB per call. Parse errors (ragged rows, broken quoting, bad encoding)
/// become validation errors that keep DuckDB's line number and reason but not the server's file path.
/// </summary>
/// <param name="dataDirectory">The platform's data folder: console output and errors never show it.</param>
internal sealed class DuckDbDatasetEngine(SqlSettings settings, string? dataDirectory = null) : IDatasetEngine
{
    private readonly DuckDbProfiler _profiler = new(settings);
    private readonly DuckDbSqlRunner _sql = new(dataDirectory);

    public async Task<DatasetInspection> InspectAsync(string path, DatasetFormat format, string? parquetCopyPath, CancellationToken ct)
    {
        await using var connection = await OpenAsync(path, format, ct);
        var columns = await DescribeAsync(connection, path, ct);
        long count;
        if (parquetCopyPath is not null)
        {
            // One parse of the text: write the columnar copy, then count from its metadata.
            await RunAsync(connection, $"SET memory_limit = '{settings.MemoryLimit.Replace("'", string.Empty, StringComparison.Ordinal)}'", path, ct);
            await RunAsync(connection, $"COPY (SELECT * FROM src) TO '{parquetCopyPath.Replace("'", "''", StringComparison.Ordinal)}' (FORMAT parquet)", path, ct);
            count = Convert.ToInt64(await ScalarAsync(connection, $"SELECT COUNT(*) FROM read_parquet('{parquetCopyPath.Replace("'", "''", StringComparison.Ordinal)}')", path, ct), CultureInfo.InvariantCulture);
        }
        else
        {
            count = Convert.ToInt64(await ScalarAsync(connection, "SELECT COUNT(*) FROM src", path, ct), CultureInfo.InvariantCulture);
        }

        if (format is DatasetFormat.Csv or DatasetFormat.Tsv)
        {
            // Rows DuckDB could not parse (ragged rows, bad quoting, invalid UTF-8) are recorded instead of read.
            string? rejected = null;
            await RunAsync(connection, "SELECT line, error_type, error_message FROM reject_errors ORDER BY line LIMIT 1", path, ct, async reader =>
            {
                if (await reader.ReadAsync(ct))
                {
                    rejected = $"Line {reader.GetValue(0)}: {reader.GetValue(2)} ({reader.GetValue(1)}).";
                }
            });
            if (rejected is not null)
            {
                throw new ValidationException("file", "The file could not be read: " + rejected) { MessageKey = "Error.Data.FileUnreadable", MessageArguments = [rejected] };
            }
        }

        return new DatasetInspection(count, columns);
    }

    public Task<IReadOnlyList<ColumnProfile>> ProfileAsync(string path, DatasetFormat format, CancellationToken ct) =>
        _profiler.ProfileAsync(path, format, ct);

    public Task<RowDiff> DiffRowsAsync(string fromPath, DatasetFormat fromFormat, string toPath, DatasetFormat toFormat, string key, IReadOnlyList<string> sharedColumns, CancellationToken ct) =>
        _profiler.DiffRowsAsync(fromPath, fromFormat, toPath, toFormat, key, sharedColumns, ct);

    public Task<SqlResult> QueryAsync(IReadOnlyList<SqlSource> sources, string sql, SqlSettings settings, CancellationToken ct) =>
        _sql.QueryAsync(sources, sql, null, settings, ct);

    public Task<SqlResult> QueryAsync(IReadOnlyList<SqlSource> sources, string sql, IReadOnlyDictionary<string, object?> parameters, SqlSettings settings, CancellationToken ct) =>
        _sql.QueryAsync(sources, sql, parameters, settings, ct);

    public Task ExportParquetAsync(IReadOnlyList<SqlSource> sources, string sql, string outputPath, SqlSettings settings, CancellationToken ct) =>
        _sql.ExportParquetAsync(sources, sql, outputPath, settings, ct);

    public async Task<DatasetRows> ReadAsync(string path, DatasetFormat format, int offset, int limit, string? sortColumn, bool descending, CancellationToken ct)
    {
        await using var connection = await OpenAsync(path, format, ct);
        var columns = await DescribeAsync(connection, path, ct);
        var total = Convert.ToInt64(await ScalarAsync(connection, "SELECT COUNT(*) FROM src", path, ct), CultureInfo.InvariantCulture);
        var order = sortColumn is null ? string.Empty : $" ORDER BY {Identifier(sortColumn)}{(descending ? " DESC" : string.Empty)} NULLS LAST";
        var rows = new List<IReadOnlyList<string?>>();
        await RunAsync(connection, $"SELECT * FROM src{order} LIMIT {limit} OFFSET {offset}", path, ct, async reader =>
        {
            while (await reader.ReadAsync(ct))
            {
                var row = new string?[reader.FieldCount];
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    row[i] = reader.IsDBNull(i) ? null : Text(reader.GetValue(i));
                }

                rows.Add(row);
            }
        });
        return new DatasetRows(columns, rows, total, offset);
    }

    internal static string Source(string path, DatasetFormat format, bool recordRejects = true)
    {
        var literal = "'" + path.Replace("'", "''", StringComparison.Ordinal) + "'";
        var rejects = recordRejects ? ", store_rejects = true" : string.Empty;
        return format switch
        {
            DatasetFormat.Csv => $"read_csv({literal}, header = true, delim = ','{rejects})",
            DatasetFormat.Tsv => $"read_csv({literal}, header = true, delim = '\t'{rejects})",
            DatasetFormat.Parquet => $"read_parquet({literal})",
            DatasetFormat.JsonLines => $"read_json({literal}, format = 'newline_delimited')",
            _ => throw new ArgumentOutOfRangeException(nameof(format)),
        };
    }

    internal static string Identifier(string name) => "\"" + name.Replace("\"", "\"\"", StringComparison.Ordinal) + "\"";

    internal static async Task<DuckDBConnection> OpenAsync(string path, DatasetFormat format, CancellationToken ct)
    {
        var connection = new DuckDBConnection("Data Source=:memory:");
        await connection.OpenAsync(ct);
        await RunAsync(connection, $"CREATE VIEW src AS SELECT * FROM {Source(path, format)}", path, ct);
        return connection;
    }

    internal static async Task<IReadOnlyList<DatasetColumn>> DescribeAsync(DuckDBConnection connection, string path, CancellationToken ct)
    {
        var columns = new List<DatasetColumn>();
        await RunAsync(connection, "DESCRIBE SELECT * FROM src", path, ct, async reader =>
        {
            while (await reader.ReadAsync(ct))
            {
                columns.Add(new DatasetColumn(reader.GetString(0), reader.GetString(1)));
            }
        });
        return columns;
    }

    internal static async Task<object?> ScalarAsync(DuckDBConnection connection, string sql, string path, CancellationToken ct)
    {
        object? value = null;
        await RunAsync(connection, sql, path, ct, async reader =>
        {
            if (await reader.ReadAsync(ct))
            {
                value = reader.GetValue(0);
            }
        });
        return value;
    }

    internal static async Task RunAsync(DuckDBConnection connection, string sql, string path, CancellationToken ct, Func<DbDataReader, Task>? read = null, string field = "file", IReadOnlyDictionary<string, object?>? parameters = null)
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
        foreach (var (name, value) in parameters ?? new Dictionary<string, object?>())
        {
            command.Parameters.Add(new DuckDBParameter(name, value));
        }

        await using var registration = ct.Register(command.Cancel);
        try
        {
            if (read is null)
            {
                await command.ExecuteNonQueryAsync(ct);
            }
            else
            {
                await using var reader = await command.ExecuteReaderAsync(ct);
                await read(reader);
            }
        }
        catch (DuckDBException ex) when (!ct.IsCancellationRequested && !(field == "sql" && ex.ErrorType == DuckDBErrorType.OutOfMemory))
        {
            var message = path.Length == 0 ? ex.Message : ex.Message.Replace(path, Path.GetFileName(path), StringComparison.Ordinal);

            // DuckDB's advice ("Possible fixes/solutions", SET statements) is not the user's to follow, and the
            // excerpt of a statement the platform wrote ("LINE 1: COPY ... TO '<server path>'") is not theirs to see.
            var end = new[] { message.IndexOf("\n\nPossible ", StringComparison.Ordinal), field == "file" ? message.IndexOf("\nLINE ", StringComparison.Ordinal) : -1 }
                .Where(i => i > 0).DefaultIfEmpty(message.Length).Min();
            var text = message[..end].Trim();
            throw field == "file"
                ? new ValidationException(field, "The file could not be read: " + text) { MessageKey = "Error.Data.FileUnreadable", MessageArguments = [text] }
                : new ValidationException(field, text);
        }
    }

    internal static string Text(object value) => value switch
    {
        DateTime d => d.ToString("yyyy-MM-dd HH:mm:ss.FFFFFFF", CultureInfo.InvariantCulture).TrimEnd('.'),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        decimal m => m.ToString(CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? string.Empty,
    };
}
