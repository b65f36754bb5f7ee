using System.Text.RegularExpressions;
using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Storage;

namespace AiPlatform.Core.Data;

/// <summary>
/// The SQL console: read-only queries over the datasets the caller may read, addressed by name (latest version).
/// Which statements may run is decided by the engine with DuckDB's own parser (one SELECT, WITH, VALUES, DESCRIBE,
/// SUMMARIZE or EXPLAIN without ANALYZE, reading only those datasets), never here by the text; the engine also runs
/// DuckDB with external access off, extensions off and its configuration locked.
/// </summary>
public sealed class SqlConsoleService(
    AccessService access,
    IDatasetStore store,
    IObjectStore objects,
    IDatasetEngine engine,
    IScratchSpace scratch,
    SqlSettings settings)
{
    public const int MaxSqlLength = 20_000;

    /// <summary>Problem code of SQL that is not one read-only query (a 400, like any validation error).</summary>
    public const string NotReadOnlyCode = "sql-not-read-only";

    /// <summary>Problem code of SQL that DuckDB cannot parse, e.g. <c>SELEC 1</c> (a 400); the detail is DuckDB's reason.</summary>
    public const string SyntaxErrorCode = "sql-syntax-error";

    /// <summary>Problem code of a query DuckDB refused or failed while binding or running it (a 400); the detail is DuckDB's reason.</summary>
    public const string QueryErrorCode = "sql-query-error";

    /// <summary>Problem code of a query stopped after <see cref="SqlSettings.Timeout"/> (a 400).</summary>
    public const string TimeoutCode = "sql-timeout";

    /// <summary>Problem code of a query stopped at <see cref="SqlSettings.MemoryLimit"/> (a 400).</summary>
    public const string MemoryLimitCode = "sql-memory-limit";

    public async Task<SqlResult> RunAsync(string sql, CancellationToken ct)
    {
        var statement = Validate(sql);
        var (sources, cleanup) = await ResolveAsync(statement, ct);
        try
        {
            return await engine.QueryAsync(sources, statement, settings, ct);
        }
        finally
        {
            await cleanup();
        }
    }

    /// <summary>
    /// A query over the listed datasets only (an app's SQL node), each by id at its latest version and read with the
    /// caller's rights — one the caller cannot read is a <see cref="NotFoundException"/> for it, one without a version a
    /// validation error — under the console's sandbox, with <c>$name</c> placeholders bound to
    /// <paramref name="parameters"/> as values, and at most <paramref name="maxRows"/> rows (never more than the console's).
    /// </summary>
    public async Task<SqlResult> RunOnAsync(IReadOnlyList<Guid> datasetIds, string sql, IReadOnlyDictionary<string, object?> parameters, int maxRows, CancellationToken ct)
    {
        var statement = Validate(sql);
        var files = new List<LocalObjectFile>();
        try
        {
            var sources = new List<SqlSource>();
            foreach (var id in datasetIds.Distinct())
            {
                var dataset = await store.FindAsync(id, ct);
                if (dataset is null || await access.GetLevelAsync(SecurableTypes.Dataset, id, dataset.OwnerId, ct) is null)
                {
                    throw new NotFoundException("Dataset", id);
                }

                if ((await store.ListVersionsAsync(dataset.Id, ct)).FirstOrDefault() is not { } latest)
                {
                    throw new ValidationException("datasets", $"The dataset '{dataset.Name}' has no version yet.") { MessageKey = "Error.Sql.DatasetNoVersion", MessageArguments = [dataset.Name] };
                }

                var (key, format) = latest.ColumnarKey is { } columnar ? (columnar, DatasetFormat.Parquet) : (latest.ObjectKey, latest.Format);
                var file = await LocalObjectFile.OpenAsync(objects, scratch, ObjectKey.Parse(key), format.Extension(), ct);
                files.Add(file);
                sources.Add(new SqlSource(dataset.Name, file.Path, format));
            }

            return await engine.QueryAsync(sources, statement, parameters, settings with { MaxRows = Math.Clamp(maxRows, 1, settings.MaxRows) }, ct);
        }
        finally
        {
            foreach (var file in files)
            {
                await file.DisposeAsync();
            }
        }
    }

    /// <summary>Runs the query and writes all its rows to a Parquet scratch file; the caller deletes it.</summary>
    public async Task<(string Path, IReadOnlyList<SqlSource> Sources)> ExportAsync(string sql, CancellationToken ct)
    {
        var statement = Validate(sql);
        var (sources, cleanup) = await ResolveAsync(statement, ct);
        var output = scratch.NewFilePath("parquet");
        try
        {
            await engine.ExportParquetAsync(sources, statement, output, settings, ct);
            return (output, sources);
        }
        catch
        {
            File.Delete(output);
            throw;
        }
        finally
        {
            await cleanup();
        }
    }

    /// <summary>Some SQL within the length limit, without a trailing semicolon; the engine decides whether it is one read-only query.</summary>
    internal static string Validate(string? sql)
    {
        var text = (sql ?? string.Empty).Trim().TrimEnd(';').Trim();
        if (text.Length == 0)
        {
            throw new ValidationException("sql", "Write a query.") { MessageKey = "Error.SqlEmpty" };
        }

        if (text.Length > MaxSqlLength)
        {
            throw new ValidationException("sql", $"A query has at most {MaxSqlLength} characters.") { MessageKey = "Error.SqlTooLong", MessageArguments = [MaxSqlLength] };
        }

        return text;
    }

    private async Task<(IReadOnlyList<SqlSource> Sources, Func<Task> Cleanup)> ResolveAsync(string sql, CancellationToken ct)
    {
        var context = await access.RequireContextAsync(ct);
        var readable = await store.ListReadableAsync(context, null, null, new PageRequest(0, PageRequest.DefaultMaxPageSize), ct);
        var sources = new List<SqlSource>();
        var files = new List<LocalObjectFile>();
        foreach (var dataset in readable.Items.Where(d => Mentions(sql, d.Name)))
        {
            if ((await store.ListVersionsAsync(dataset.Id, ct)).FirstOrDefault() is not { } latest)
            {
                continue;
            }

            var (key, format) = latest.ColumnarKey is { } columnar ? (columnar, DatasetFormat.Parquet) : (latest.ObjectKey, latest.Format);
            var file = await LocalObjectFile.OpenAsync(objects, scratch, ObjectKey.Parse(key), format.Extension(), ct);
            files.Add(file);
            sources.Add(new SqlSource(dataset.Name, file.Path, format));
        }

        return (sources, async () =>
        {
            foreach (var file in files)
            {
                await file.DisposeAsync();
            }
        });
    }

    private static bool Mentions(string sql, string name) =>
        sql.Contains('"' + name + '"', StringComparison.OrdinalIgnoreCase)
        || Regex.IsMatch(sql, $@"(?<![\w""]){Regex.Escape(name)}(?![\w""])", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
}
