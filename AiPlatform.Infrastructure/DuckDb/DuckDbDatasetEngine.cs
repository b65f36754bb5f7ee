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
                throw new ValidationException("file", "The file could not be read: " + rejected);
            }
        }

        return new DatasetInspection(count, columns);
    }

    public async Task<IReadOnlyList<ColumnProfile>> ProfileAsync(string path, DatasetFormat format, CancellationToken ct)
    {
        await using var connection = await OpenAsync(path, format, ct);
        var columns = await DescribeAsync(connection, path, ct);

        // Parquet is read in place; text is parsed once into DuckDB's columnar memory (spilling to the scratch folder
        // when large), so every statistic below scans columns instead of re-parsing text.
        await RunAsync(connection, $"SET temp_directory = '{Path.GetDirectoryName(path)!.Replace("'", "''", StringComparison.Ordinal)}'", path, ct);
        await RunAsync(connection, $"SET memory_limit = '{settings.MemoryLimit.Replace("'", string.Empty, StringComparison.Ordinal)}'", path, ct);
        await RunAsync(connection, format == DatasetFormat.Parquet
            ? $"CREATE VIEW profiled AS SELECT * FROM {Source(path, format)}"
            : $"CREATE TABLE profiled AS SELECT * FROM {Source(path, format, recordRejects: false)}", path, ct);
        var summary = new Dictionary<string, Dictionary<string, object?>>(StringComparer.Ordinal);
        await RunAsync(connection, "SUMMARIZE profiled", path, ct, async reader =>
        {
            while (await reader.ReadAsync(ct))
            {
                var row = new Dictionary<string, object?>(StringComparer.Ordinal);
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    row[reader.GetName(i)] = reader.IsDBNull(i) ? null : reader.GetValue(i);
                }

                summary[(string)row["column_name"]!] = row;
            }
        });

        var counts = columns.Select(c => $"COUNT({Identifier(c.Name)})").Prepend("COUNT(*)");
        var nonNull = new long[columns.Count + 1];
        await RunAsync(connection, $"SELECT {string.Join(", ", counts)} FROM profiled", path, ct, async reader =>
        {
            if (await reader.ReadAsync(ct))
            {
                for (var i = 0; i < nonNull.Length; i++)
                {
                    nonNull[i] = Convert.ToInt64(reader.GetValue(i), CultureInfo.InvariantCulture);
                }
            }
        });

        var profiles = new List<ColumnProfile>();
        for (var i = 0; i < columns.Count; i++)
        {
            var column = columns[i];
            var s = summary.GetValueOrDefault(column.Name) ?? [];
            var numeric = IsNumeric(column.Type);
            var top = new List<ValueCount>();
            // Top values mean nothing for numbers (they get a histogram) or for nearly unique columns: skip the scan.
            var approxUnique = Convert.ToInt64(s.GetValueOrDefault("approx_unique") ?? 0L, CultureInfo.InvariantCulture);
            var skipTop = numeric || (approxUnique > 1000 && approxUnique > nonNull[0] / 2);
            await RunAsync(connection, skipTop ? "SELECT NULL, 0 WHERE FALSE" : $"SELECT CAST({Identifier(column.Name)} AS VARCHAR) AS v, COUNT(*) AS c FROM profiled GROUP BY 1 ORDER BY 2 DESC, 1 NULLS LAST LIMIT 5", path, ct, async reader =>
            {
                while (await reader.ReadAsync(ct))
                {
                    top.Add(new ValueCount(reader.IsDBNull(0) ? null : reader.GetString(0), Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture)));
                }
            });
            var min = Number(s.GetValueOrDefault("min"));
            var max = Number(s.GetValueOrDefault("max"));
            var histogram = numeric && min is { } lo && max is { } hi && hi > lo
                ? await HistogramAsync(connection, path, column.Name, lo, hi, ct)
                : [];
            profiles.Add(new ColumnProfile(
                column.Name,
                column.Type,
                nonNull[0],
                nonNull[0] - nonNull[i + 1],
                approxUnique,
                s.GetValueOrDefault("min") is { } mn ? Text(mn) : null,
                s.GetValueOrDefault("max") is { } mx ? Text(mx) : null,
                numeric ? Number(s.GetValueOrDefault("avg")) : null,
                numeric ? Number(s.GetValueOrDefault("std")) : null,
                numeric ? Number(s.GetValueOrDefault("q25")) : null,
                numeric ? Number(s.GetValueOrDefault("q50")) : null,
                numeric ? Number(s.GetValueOrDefault("q75")) : null,
                top,
                histogram));
        }

        return profiles;
    }

    public async Task<RowDiff> DiffRowsAsync(string fromPath, DatasetFormat fromFormat, string toPath, DatasetFormat toFormat, string key, IReadOnlyList<string> sharedColumns, CancellationToken ct)
    {
        await using var connection = new DuckDBConnection("Data Source=:memory:");
        await connection.OpenAsync(ct);
        await RunAsync(connection, $"CREATE VIEW a AS SELECT * FROM {Source(fromPath, fromFormat)}", fromPath, ct);
        await RunAsync(connection, $"CREATE VIEW b AS SELECT * FROM {Source(toPath, toFormat)}", toPath, ct);
        var k = Identifier(key);
        var added = Convert.ToInt64(await ScalarAsync(connection, $"SELECT COUNT(*) FROM b WHERE {k} NOT IN (SELECT {k} FROM a WHERE {k} IS NOT NULL)", toPath, ct), CultureInfo.InvariantCulture);
        var removed = Convert.ToInt64(await ScalarAsync(connection, $"SELECT COUNT(*) FROM a WHERE {k} NOT IN (SELECT {k} FROM b WHERE {k} IS NOT NULL)", fromPath, ct), CultureInfo.InvariantCulture);
        var differs = string.Join(" OR ", sharedColumns.Where(c => c != key).Select(c => $"CAST(a.{Identifier(c)} AS VARCHAR) IS DISTINCT FROM CAST(b.{Identifier(c)} AS VARCHAR)").DefaultIfEmpty("FALSE"));
        var changedRows = $"FROM a JOIN b ON a.{k} = b.{k} WHERE {differs}";
        var changed = Convert.ToInt64(await ScalarAsync(connection, $"SELECT COUNT(*) {changedRows}", fromPath, ct), CultureInfo.InvariantCulture);
        var sample = new List<string>();
        await RunAsync(connection, $"SELECT CAST(a.{k} AS VARCHAR) {changedRows} ORDER BY 1 LIMIT 10", fromPath, ct, async reader =>
        {
            while (await reader.ReadAsync(ct))
            {
                sample.Add(reader.GetString(0));
            }
        });
        return new RowDiff(added, removed, changed, sample);
    }

    public async Task<SqlResult> QueryAsync(IReadOnlyList<SqlSource> sources, string sql, SqlSettings settings, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(settings.Timeout);
        var watch = System.Diagnostics.Stopwatch.StartNew();
        var scrubber = new PathScrubber(sources, dataDirectory);
        try
        {
            var query = await CheckAsync(sources, sql, scrubber, limit.Token);
            await using var connection = await OpenLockedAsync(sources, null, settings, limit.Token);
            var columns = new List<DatasetColumn>();
            var rows = new List<IReadOnlyList<string?>>();
            var truncated = false;
            await RunQueryAsync(connection, query.Sql, scrubber, settings, limit.Token, async reader =>
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    columns.Add(new DatasetColumn(scrubber.Scrub(reader.GetName(i)), reader.GetDataTypeName(i)));
                }

                while (await reader.ReadAsync(limit.Token))
                {
                    if (rows.Count == settings.MaxRows)
                    {
                        truncated = true;
                        break;
                    }

                    var row = new string?[reader.FieldCount];
                    for (var i = 0; i < reader.FieldCount; i++)
                    {
                        row[i] = reader.IsDBNull(i) ? null : scrubber.Scrub(Text(reader.GetValue(i)));
                    }

                    rows.Add(row);
                }
            });
            return new SqlResult(columns, rows, truncated, watch.ElapsedMilliseconds, sources.Select(s => s.ViewName).ToList());
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw TimedOut(settings.Timeout);
        }
    }

    public async Task ExportParquetAsync(IReadOnlyList<SqlSource> sources, string sql, string outputPath, SqlSettings settings, CancellationToken ct)
    {
        using var limit = CancellationTokenSource.CreateLinkedTokenSource(ct);
        limit.CancelAfter(settings.Timeout * 4);
        var scrubber = new PathScrubber(sources, dataDirectory, outputPath);
        try
        {
            var query = await CheckAsync(sources, sql, scrubber, limit.Token);
            if (query.IsExplain)
            {
                throw DuckDbQueryGuard.NotReadOnly("A plan cannot be saved or exported; run EXPLAIN in the console.", "Error.SqlPlanNotSaved");
            }

            await using var connection = await OpenLockedAsync(sources, outputPath, settings, limit.Token);
            await RunQueryAsync(connection, $"COPY (\n{query.Sql}\n) TO '{outputPath.Replace("'", "''", StringComparison.Ordinal)}' (FORMAT parquet)", scrubber, settings, limit.Token, null);
        }
        catch (OperationCanceledException) when (limit.IsCancellationRequested && !ct.IsCancellationRequested)
        {
            throw TimedOut(settings.Timeout * 4);
        }
    }

    /// <summary>DuckDB's parser decides that the SQL is one read-only query over these views (see <see cref="DuckDbQueryGuard"/>); its messages are scrubbed too.</summary>
    private static async Task<CheckedQuery> CheckAsync(IReadOnlyList<SqlSource> sources, string sql, PathScrubber scrubber, CancellationToken ct)
    {
        try
        {
            return await DuckDbQueryGuard.CheckAsync(sql, sources.Select(s => s.ViewName), ct);
        }
        catch (ValidationException ex)
        {
            throw new ValidationException(ex.Errors.ToDictionary(e => e.Key, e => e.Value.Select(scrubber.Scrub).ToArray()), ex.Code)
            {
                MessageKey = ex.MessageKey,
                MessageArguments = [.. ex.MessageArguments.Select(a => a is string text ? scrubber.Scrub(text) : a)],
            };
        }
    }

    /// <summary>
    /// One view per source, then file-system, network and extension access off, limited to the sources' files, and
    /// locked. The source files are made read-only first: even if a statement got past the guard, a platform that does
    /// not run as root could not overwrite a stored version.
    /// </summary>
    private static async Task<DuckDBConnection> OpenLockedAsync(IReadOnlyList<SqlSource> sources, string? outputPath, SqlSettings settings, CancellationToken ct)
    {
        var connection = new DuckDBConnection("Data Source=:memory:");
        await connection.OpenAsync(ct);
        foreach (var source in sources)
        {
            MakeReadOnly(source.Path);
            await RunAsync(connection, $"CREATE VIEW {Identifier(source.ViewName)} AS SELECT * FROM {Source(source.Path, source.Format)}", source.Path, ct);
        }

        var allowed = sources.Select(s => s.Path).Append(outputPath).OfType<string>().Select(p => "'" + p.Replace("'", "''", StringComparison.Ordinal) + "'");
        foreach (var setting in new[]
        {
            $"SET memory_limit = '{settings.MemoryLimit.Replace("'", string.Empty, StringComparison.Ordinal)}'",
            "SET autoinstall_known_extensions = false",
            "SET autoload_known_extensions = false",
            "SET allowed_directories = []",
            $"SET allowed_paths = [{string.Join(", ", allowed)}]",
            "SET enable_external_access = false",
            "SET lock_configuration = true",
        })
        {
            await RunAsync(connection, setting, string.Empty, ct);
        }

        return connection;
    }

    private static void MakeReadOnly(string path)
    {
        if (OperatingSystem.IsWindows())
        {
            return;
        }

        try
        {
            var mode = File.GetUnixFileMode(path);
            const UnixFileMode write = UnixFileMode.UserWrite | UnixFileMode.GroupWrite | UnixFileMode.OtherWrite;
            if ((mode & write) != 0)
            {
                File.SetUnixFileMode(path, mode & ~write);
            }
        }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException)
        {
            // Not the owner: the file is not ours to change, and not writable by us either unless the owner allows it.
        }
    }

    private static async Task RunQueryAsync(DuckDBConnection connection, string sql, PathScrubber scrubber, SqlSettings settings, CancellationToken ct, Func<DbDataReader, Task>? read)
    {
        try
        {
            await RunAsync(connection, sql, string.Empty, ct, read, "sql");
        }
        catch (ValidationException ex)
        {
            throw new ValidationException("sql", scrubber.Scrub(ex.Errors["sql"][0]));
        }
        catch (DuckDBException ex) when (ex.ErrorType == DuckDBErrorType.OutOfMemory && !ct.IsCancellationRequested)
        {
            // DuckDB's own text suggests raising memory_limit, which the console's user cannot do.
            var limit = settings.MemoryLimit;
            throw new ValidationException(new Dictionary<string, string[]> { ["sql"] = [$"The query needed more memory than the console allows ({limit}) and was stopped. Read fewer rows or columns, or aggregate first."] }, SqlConsoleService.MemoryLimitCode)
            {
                MessageKey = "Error.SqlMemoryLimit",
                MessageArguments = [limit],
            };
        }
    }

    private static ValidationException TimedOut(TimeSpan timeout)
    {
        var seconds = timeout.TotalSeconds.ToString("N0", CultureInfo.InvariantCulture);
        return new ValidationException(new Dictionary<string, string[]> { ["sql"] = [$"The query ran longer than {seconds} s and was stopped."] }, SqlConsoleService.TimeoutCode)
        {
            MessageKey = "Error.SqlTimeout",
            MessageArguments = [seconds],
        };
    }

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

    private static async Task<IReadOnlyList<HistogramBin>> HistogramAsync(DuckDBConnection connection, string path, string column, double min, double max, CancellationToken ct)
    {
        const int bins = 10;
        var width = (max - min) / bins;
        var counts = new long[bins];
        var value = $"CAST({Identifier(column)} AS DOUBLE)";
        var sql = string.Create(CultureInfo.InvariantCulture, $"SELECT LEAST(CAST(FLOOR(({value} - {min:R}) / {width:R}) AS BIGINT), {bins - 1}) AS b, COUNT(*) FROM profiled WHERE {Identifier(column)} IS NOT NULL GROUP BY 1");
        await RunAsync(connection, sql, path, ct, async reader =>
        {
            while (await reader.ReadAsync(ct))
            {
                var bin = Convert.ToInt32(reader.GetValue(0), CultureInfo.InvariantCulture);
                counts[Math.Clamp(bin, 0, bins - 1)] += Convert.ToInt64(reader.GetValue(1), CultureInfo.InvariantCulture);
            }
        });
        return Enumerable.Range(0, bins).Select(i => new HistogramBin(min + (i * width), min + ((i + 1) * width), counts[i])).ToList();
    }

    private static bool IsNumeric(string type) =>
        type.StartsWith("DECIMAL", StringComparison.Ordinal) || type is "TINYINT" or "SMALLINT" or "INTEGER" or "BIGINT" or "HUGEINT" or "UTINYINT" or "USMALLINT" or "UINTEGER" or "UBIGINT" or "FLOAT" or "DOUBLE";

    private static double? Number(object? value) =>
        value switch
        {
            null => null,
            double d => d,
            float f => f,
            decimal m => (double)m,
            IConvertible c when double.TryParse(c.ToString(CultureInfo.InvariantCulture), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) => parsed,
            _ => null,
        };

    /// <param name="recordRejects">Record unparsable CSV rows (with their line) instead of failing; off once a file has been validated.</param>
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

    private static async Task<DuckDBConnection> OpenAsync(string path, DatasetFormat format, CancellationToken ct)
    {
        var connection = new DuckDBConnection("Data Source=:memory:");
        await connection.OpenAsync(ct);
        await RunAsync(connection, $"CREATE VIEW src AS SELECT * FROM {Source(path, format)}", path, ct);
        return connection;
    }

    private static async Task<IReadOnlyList<DatasetColumn>> DescribeAsync(DuckDBConnection connection, string path, CancellationToken ct)
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

    private static async Task<object?> ScalarAsync(DuckDBConnection connection, string sql, string path, CancellationToken ct)
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

    private static async Task RunAsync(DuckDBConnection connection, string sql, string path, CancellationToken ct, Func<DbDataReader, Task>? read = null, string field = "file")
    {
        await using var command = connection.CreateCommand();
        command.CommandText = sql;
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
            throw new ValidationException(field, field == "file" ? "The file could not be read: " + text : text);
        }
    }

    private static string Text(object value) => value switch
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
