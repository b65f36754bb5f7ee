using System.Text;
using System.Text.RegularExpressions;
using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Storage;

namespace AiPlatform.Core.Data;

/// <summary>
/// The SQL console: read-only queries over the datasets the caller may read, addressed by name (latest version).
/// Nothing else is reachable: DuckDB runs with external access off and its configuration locked.
/// </summary>
public sealed partial class SqlConsoleService(
    AccessService access,
    IDatasetStore store,
    IObjectStore objects,
    IDatasetEngine engine,
    IScratchSpace scratch,
    SqlSettings settings)
{
    public const int MaxSqlLength = 20_000;

    private static readonly string[] ReadOnlyStarts = ["SELECT", "WITH", "FROM", "VALUES", "DESCRIBE", "SUMMARIZE", "EXPLAIN", "PIVOT", "UNPIVOT", "TABLE"];

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

    /// <summary>One read-only statement, without a trailing semicolon.</summary>
    internal static string Validate(string? sql)
    {
        var text = (sql ?? string.Empty).Trim().TrimEnd(';').Trim();
        if (text.Length == 0)
        {
            throw new ValidationException("sql", "Write a query.");
        }

        if (text.Length > MaxSqlLength)
        {
            throw new ValidationException("sql", $"A query has at most {MaxSqlLength} characters.");
        }

        if (HasSemicolonOutsideQuotes(text))
        {
            throw new ValidationException("sql", "Run one statement at a time.");
        }

        var first = FirstWord().Match(StripComments(text)).Value.ToUpperInvariant();
        if (!ReadOnlyStarts.Contains(first))
        {
            throw new ValidationException("sql", "The console runs read-only queries (SELECT, WITH, FROM, DESCRIBE, SUMMARIZE, …).");
        }

        return text;
    }

    private async Task<(IReadOnlyList<SqlSource> Sources, Func<Task> Cleanup)> ResolveAsync(string sql, CancellationToken ct)
    {
        var context = await access.RequireContextAsync(ct);
        var readable = await store.ListReadableAsync(context, null, null, new PageRequest(0, PageRequest.MaxPageSize), ct);
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

    private static bool HasSemicolonOutsideQuotes(string text)
    {
        var quote = '\0';
        foreach (var c in text)
        {
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
            }
            else if (c is '\'' or '"')
            {
                quote = c;
            }
            else if (c == ';')
            {
                return true;
            }
        }

        return false;
    }

    private static string StripComments(string text)
    {
        var builder = new StringBuilder();
        foreach (var line in text.Split('\n'))
        {
            var trimmed = line.TrimStart();
            if (!trimmed.StartsWith("--", StringComparison.Ordinal))
            {
                builder.AppendLine(line);
            }
        }

        return builder.ToString().TrimStart();
    }

    [GeneratedRegex(@"^\w+", RegexOptions.CultureInvariant)]
    private static partial Regex FirstWord();
}
