using System.Data.Common;
using System.Globalization;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using DuckDB.NET.Data;
using DuckDB.NET.Native;
using static AiPlatform.Infrastructure.DuckDb.DuckDbDatasetEngine;

namespace AiPlatform.Infrastructure.DuckDb;

/// <summary>
/// The SQL console's half of the engine: runs one checked, read-only query over dataset views in a locked-down DuckDB
/// (no file system, network, extensions or ATTACH), under row, time and memory limits, and exports a result to Parquet.
/// </summary>
/// <param name="dataDirectory">The platform's data folder: console output and errors never show it.</param>
internal sealed class DuckDbSqlRunner(string? dataDirectory)
{
    /// <summary>
    /// Runs the query on the thread pool: DuckDB.NET executes synchronously, so awaiting it inline would hold the
    /// caller's thread (a Blazor circuit could not even process the Cancel click). <paramref name="ct"/> reaches the
    /// engine as <c>duckdb_interrupt</c>, and a cancelled query ends in <see cref="OperationCanceledException"/>.
    /// </summary>
    /// <param name="parameters">Values for the query's <c>$name</c> placeholders, bound to the prepared statement (never into its text).</param>
    public Task<SqlResult> QueryAsync(IReadOnlyList<SqlSource> sources, string sql, IReadOnlyDictionary<string, object?>? parameters, SqlSettings settings, CancellationToken ct) =>
        OffThreadAsync(() => QueryCoreAsync(sources, sql, parameters, settings, ct), ct);

    /// <summary>As <see cref="QueryAsync"/>: on the thread pool, cancellable through <paramref name="ct"/>.</summary>
    public Task ExportParquetAsync(IReadOnlyList<SqlSource> sources, string sql, string outputPath, SqlSettings settings, CancellationToken ct) =>
        OffThreadAsync(async () =>
        {
            await ExportParquetCoreAsync(sources, sql, outputPath, settings, ct);
            return true;
        }, ct);

    private static async Task<T> OffThreadAsync<T>(Func<Task<T>> work, CancellationToken ct)
    {
        try
        {
            return await Task.Run(work, ct);
        }
        catch (Exception ex) when (ct.IsCancellationRequested && ex is not OperationCanceledException and not PlatformException)
        {
            // An interrupted DuckDB statement may surface as its own "INTERRUPT" error: to the caller it was cancelled.
            throw new OperationCanceledException("The query was cancelled.", ex, ct);
        }
    }

    private async Task<SqlResult> QueryCoreAsync(IReadOnlyList<SqlSource> sources, string sql, IReadOnlyDictionary<string, object?>? parameters, SqlSettings settings, CancellationToken ct)
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
            var described = query.IsExplain ? null : await DescribeTypesAsync(connection, query.Sql, parameters, limit.Token);
            await RunQueryAsync(connection, query.Sql, scrubber, settings, limit.Token, parameters, async reader =>
            {
                for (var i = 0; i < reader.FieldCount; i++)
                {
                    var type = described is { } d && d.Count == reader.FieldCount ? d[i] : TypeName(reader.GetDataTypeName(i));
                    columns.Add(new DatasetColumn(scrubber.Scrub(reader.GetName(i)), type));
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

    private async Task ExportParquetCoreAsync(IReadOnlyList<SqlSource> sources, string sql, string outputPath, SqlSettings settings, CancellationToken ct)
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
            await RunQueryAsync(connection, $"COPY (\n{query.Sql}\n) TO '{outputPath.Replace("'", "''", StringComparison.Ordinal)}' (FORMAT parquet)", scrubber, settings, limit.Token, null, null);
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

    private static async Task RunQueryAsync(DuckDBConnection connection, string sql, PathScrubber scrubber, SqlSettings settings, CancellationToken ct, IReadOnlyDictionary<string, object?>? parameters, Func<DbDataReader, Task>? read)
    {
        try
        {
            await RunAsync(connection, sql, string.Empty, ct, read, "sql", parameters);
        }
        catch (ValidationException ex)
        {
            // DuckDB's own reason (a binder, conversion or runtime error) is the parameter of a localized sentence.
            var detail = scrubber.Scrub(ex.Errors["sql"][0]);
            throw new ValidationException(new Dictionary<string, string[]> { ["sql"] = [detail] }, SqlConsoleService.QueryErrorCode)
            {
                MessageKey = "Error.SqlQueryFailed",
                MessageArguments = [detail],
            };
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

    /// <summary>
    /// The result's column types as DuckDB writes them (<c>VARCHAR</c>, <c>DECIMAL(10,2)</c>, <c>INTEGER[]</c>): the same
    /// names a dataset's columns show. <c>DESCRIBE</c> of a query only binds it; null when DuckDB cannot describe it.
    /// </summary>
    private static async Task<IReadOnlyList<string>?> DescribeTypesAsync(DuckDBConnection connection, string sql, IReadOnlyDictionary<string, object?>? parameters, CancellationToken ct)
    {
        try
        {
            var types = new List<string>();
            await RunAsync(connection, "DESCRIBE " + sql, string.Empty, ct, async reader =>
            {
                while (await reader.ReadAsync(ct))
                {
                    types.Add(reader.GetString(1));
                }
            }, "sql", parameters);
            return types;
        }
        catch (ValidationException)
        {
            // The query itself reports the error, with its own message.
            return null;
        }
    }

    /// <summary>DuckDB.NET's type name (<c>Varchar</c>, <c>UnsignedBigInt</c>, <c>TimestampTz</c>) as DuckDB's SQL name.</summary>
    internal static string TypeName(string name) => name switch
    {
        "TimestampTz" => "TIMESTAMP WITH TIME ZONE",
        "TimeTz" => "TIME WITH TIME ZONE",
        "TimestampS" => "TIMESTAMP_S",
        "TimestampMs" => "TIMESTAMP_MS",
        "TimestampNs" => "TIMESTAMP_NS",
        _ when name.StartsWith("Unsigned", StringComparison.Ordinal) => "U" + name["Unsigned".Length..].ToUpperInvariant(),
        _ => name.ToUpperInvariant(),
    };

    private static ValidationException TimedOut(TimeSpan timeout)
    {
        var seconds = timeout.TotalSeconds.ToString("N0", CultureInfo.InvariantCulture);
        return new ValidationException(new Dictionary<string, string[]> { ["sql"] = [$"The query ran longer than {seconds} s and was stopped."] }, SqlConsoleService.TimeoutCode)
        {
            MessageKey = "Error.SqlTimeout",
            MessageArguments = [seconds],
        };
    }
}
