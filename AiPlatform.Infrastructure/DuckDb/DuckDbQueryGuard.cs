using System.Collections.Frozen;
using System.Collections.Immutable;
using System.Text.Json;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using DuckDB.NET.Data;
using DuckDB.NET.Native;

namespace AiPlatform.Infrastructure.DuckDb;

/// <summary>
/// Decides with DuckDB's own parser, on a separate locked-down connection that holds nothing, whether console SQL is
/// one read-only query over the dataset views: <c>duckdb_extract_statements</c> counts the statements and
/// <c>json_serialize_sql</c> (which serializes SELECT statements only, DESCRIBE and SUMMARIZE included) gives the
/// syntax tree, whose tables and functions are then checked. EXPLAIN is accepted only as <c>EXPLAIN</c> followed by
/// such a query, and what runs is <c>EXPLAIN</c> plus the checked query; EXPLAIN ANALYZE executes, so it is refused.
/// </summary>
internal static class DuckDbQueryGuard
{
    /// <summary>Table functions that read nothing but their arguments.</summary>
    private static readonly FrozenSet<string> TableFunctions = new[] { "range", "generate_series", "unnest" }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>Functions that read files, run SQL text, or show the catalog, settings or paths.</summary>
    private static readonly string[] DeniedPrefixes = ["duckdb_", "pragma_", "pg_", "read_", "parquet_", "sniff_", "glob", "sqlite_", "json_execute", "json_serialize", "json_deserialize", "iceberg_", "delta_", "icu_"];

    private static readonly FrozenSet<string> DeniedFunctions = new[] { "current_setting", "getenv", "getvariable", "which_secret", "query", "query_table", "checkpoint", "force_checkpoint", "col_description", "obj_description", "shobj_description" }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    private static readonly FrozenSet<string> AllowedDespitePrefix = new[] { "pg_typeof" }.ToFrozenSet(StringComparer.OrdinalIgnoreCase);

    /// <summary>
    /// An empty in-memory database that only parses: external access and extensions off, configuration locked. Each
    /// check gets its own connection to it (a new database costs hundreds of milliseconds, a connection almost nothing).
    /// </summary>
    private static readonly Lazy<DuckDBConnection> ParserDatabase = new(() =>
    {
        var connection = new DuckDBConnection("Data Source=:memory:");
        connection.Open();
        using var lockdown = connection.CreateCommand();
        lockdown.CommandText = "SET autoinstall_known_extensions = false; SET autoload_known_extensions = false; SET enable_external_access = false; SET lock_configuration = true";
        lockdown.ExecuteNonQuery();
        return connection;
    });

    private static readonly Lock ParserLock = new();

    internal const string ReadOnlyHelp = "The console runs one read-only query: SELECT, WITH, VALUES, DESCRIBE, SUMMARIZE or EXPLAIN (without ANALYZE).";

    /// <summary>The SQL to run for <paramref name="sql"/>, or a validation error (problem type <c>sql-not-read-only</c> for anything that is not one read-only query).</summary>
    /// <param name="views">The names the query may read: the views of the datasets the caller may read.</param>
    public static async Task<CheckedQuery> CheckAsync(string sql, IEnumerable<string> views, CancellationToken ct)
    {
        await using var parser = OpenParser();
        var names = views.ToImmutableHashSet(StringComparer.OrdinalIgnoreCase);

        // Parse first, classify after: a typo ("SELEC 1") is a syntax error with DuckDB's reason, never "not read-only".
        if (CountStatements(parser, sql) != 1)
        {
            throw NotReadOnly("Run one statement at a time. " + ReadOnlyHelp, "Error.SqlOneStatement");
        }

        if (await SerializeAsync(parser, sql, ct) is { } query)
        {
            Inspect(query, names);
            return new CheckedQuery(sql, IsExplain: false);
        }

        if (AfterKeyword(sql, "EXPLAIN") is { } inner)
        {
            if (AfterKeyword(inner, "ANALYZE") is not null || AfterKeyword(inner, "ANALYSE") is not null || inner.TrimStart().StartsWith('('))
            {
                throw NotReadOnly("EXPLAIN ANALYZE runs the statement; use EXPLAIN alone. " + ReadOnlyHelp, "Error.SqlExplainAnalyze");
            }

            if (CountStatements(parser, inner) == 1 && await SerializeAsync(parser, inner, ct) is { } explained)
            {
                Inspect(explained, names);
                return new CheckedQuery("EXPLAIN " + inner, IsExplain: true);
            }
        }

        throw NotReadOnly(ReadOnlyHelp, "Error.SqlReadOnly");
    }

    private static DuckDBConnection OpenParser()
    {
        lock (ParserLock)
        {
            var connection = ParserDatabase.Value.Duplicate();
            connection.Open();
            return connection;
        }
    }

    /// <summary>
    /// A statement DuckDB could not parse (problem type <c>sql-syntax-error</c>): DuckDB's reason, without its
    /// "Parser Error:" prefix and source excerpt, is the localized message's parameter.
    /// </summary>
    internal static ValidationException SyntaxError(string parserMessage)
    {
        var detail = parserMessage.Split('\n', 2)[0].Trim();
        const string prefix = "Parser Error:";
        if (detail.StartsWith(prefix, StringComparison.OrdinalIgnoreCase))
        {
            detail = detail[prefix.Length..].Trim();
        }

        if (detail.Length == 0)
        {
            detail = "syntax error";
        }

        return new(new Dictionary<string, string[]> { ["sql"] = [$"DuckDB could not parse the query: {detail}."] }, SqlConsoleService.SyntaxErrorCode)
        {
            MessageKey = "Error.SqlSyntax",
            MessageArguments = [detail],
        };
    }

    internal static ValidationException NotReadOnly(string message, string messageKey, params object[] arguments) =>
        new(new Dictionary<string, string[]> { ["sql"] = [message] }, SqlConsoleService.NotReadOnlyCode) { MessageKey = messageKey, MessageArguments = arguments };

    /// <summary>Statements in the text by DuckDB's parser (<c>duckdb_extract_statements</c>); a syntax error is reported as such.</summary>
    private static int CountStatements(DuckDBConnection parser, string sql)
    {
        using var extracted = new DuckDBExtractedStatementsHolder(parser, sql);
        return extracted.Count;
    }

    /// <summary>The single SELECT statement's syntax tree, or null when DuckDB cannot serialize it (it is not a SELECT).</summary>
    private static async Task<JsonElement?> SerializeAsync(DuckDBConnection parser, string sql, CancellationToken ct)
    {
        await using var command = parser.CreateCommand();
        command.CommandText = "SELECT json_serialize_sql(CAST($sql AS VARCHAR), skip_null := true, skip_empty := true)";
        command.Parameters.Add(new DuckDBParameter("sql", sql));
        var json = (string)(await command.ExecuteScalarAsync(ct))!;
        using var document = JsonDocument.Parse(json);
        var root = document.RootElement;
        if (root.GetProperty("error").GetBoolean())
        {
            // A parser error is the user's syntax; anything else ("Only SELECT statements can be serialized") means
            // the statement parsed but is not a query, which the caller classifies.
            if (Text(root, "error_type") == "parser")
            {
                throw SyntaxError(Text(root, "error_message") ?? string.Empty);
            }

            return null;
        }

        var statements = root.GetProperty("statements");
        if (statements.GetArrayLength() != 1)
        {
            throw NotReadOnly("Run one statement at a time. " + ReadOnlyHelp, "Error.SqlOneStatement");
        }

        return statements[0].Clone();
    }

    /// <summary>Every table is a dataset view or a common table expression in scope; every function is one that reads nothing else.</summary>
    private static void Inspect(JsonElement node, ImmutableHashSet<string> names)
    {
        if (node.ValueKind == JsonValueKind.Array)
        {
            foreach (var item in node.EnumerateArray())
            {
                Inspect(item, names);
            }

            return;
        }

        if (node.ValueKind != JsonValueKind.Object)
        {
            return;
        }

        var hasCtes = node.TryGetProperty("cte_map", out var ctes) && ctes.TryGetProperty("map", out _);
        if (hasCtes)
        {
            names = InspectCtes(ctes.GetProperty("map"), names);
        }

        switch (Text(node, "type"))
        {
            case "BASE_TABLE":
                var table = Text(node, "table_name") ?? string.Empty;
                if (Text(node, "catalog_name") is { Length: > 0 } || Text(node, "schema_name") is { Length: > 0 })
                {
                    throw NotReadOnly("Only the datasets you may read can be queried, by name; catalogs and schemas cannot.", "Error.SqlDatasetsOnly");
                }

                if (!names.Contains(table))
                {
                    // A name that looks like a file (a replacement scan) is not echoed: it may be a server path.
                    var shown = table.IndexOfAny(['/', '\\', '.', ':']) < 0 ? $"\"{table}\"" : "with that name";
                    throw new ValidationException("sql", $"Table {shown} does not exist, or you may not read it; the console reads the datasets you may read, by name.")
                    {
                        MessageKey = "Error.SqlUnknownTable",
                        MessageArguments = [shown == "with that name" ? "?" : table],
                    };
                }

                break;
            case "SHOW_REF" when !node.TryGetProperty("query", out _):
                throw NotReadOnly("SHOW is not available; the datasets you may read are listed beside the editor. " + ReadOnlyHelp, "Error.SqlShow");
            case "TABLE_FUNCTION":
                var function = node.TryGetProperty("function", out var call) ? Text(call, "function_name") : null;
                if (function is null || !TableFunctions.Contains(function))
                {
                    throw NotReadOnly($"The table function {function} is not available: the console reads only the datasets you may read, by name.", "Error.SqlTableFunction", function ?? "?");
                }

                break;
        }

        if (Text(node, "function_name") is { } name && IsDenied(name))
        {
            throw NotReadOnly($"The function {name} is not available in the console.", "Error.SqlFunction", name);
        }

        foreach (var property in node.EnumerateObject())
        {
            if (!(hasCtes && property.NameEquals("cte_map")))
            {
                Inspect(property.Value, names);
            }
        }
    }

    /// <summary>
    /// Checks the common table expressions of one WITH as DuckDB binds them, and returns the names the rest of the query
    /// sees. A CTE body sees only the CTEs before it (and itself when it is recursive): DuckDB binds its own name and a
    /// later sibling's name to the catalog, so <c>WITH a AS (FROM sqlite_master), sqlite_master AS (SELECT 1)</c> would
    /// read the real <c>sqlite_master</c>. A CTE may not be named like a catalog object either, so no scoping subtlety
    /// can turn such a name into a read of the catalog.
    /// </summary>
    private static ImmutableHashSet<string> InspectCtes(JsonElement map, ImmutableHashSet<string> names)
    {
        var scope = names;
        foreach (var entry in map.EnumerateArray())
        {
            var cte = entry.GetProperty("key").GetString() ?? string.Empty;
            if (IsSystemName(cte))
            {
                throw NotReadOnly($"A common table expression cannot be named \"{cte}\": that name belongs to the database's catalog.", "Error.SqlCteName", cte);
            }

            var body = entry.TryGetProperty("value", out var value) ? value : default;
            if (body.ValueKind != JsonValueKind.Undefined)
            {
                Inspect(body, IsRecursive(body) ? scope.Add(cte) : scope);
            }

            scope = scope.Add(cte);
        }

        return scope;
    }

    /// <summary>Whether a CTE's body is a recursive CTE node (WITH RECURSIVE ... UNION), the only case it may read itself.</summary>
    private static bool IsRecursive(JsonElement body) =>
        body.TryGetProperty("query", out var query)
        && ((query.TryGetProperty("node", out var node) && Text(node, "type") == "RECURSIVE_CTE_NODE") || Text(query, "type") == "RECURSIVE_CTE_NODE");

    /// <summary>Names of the catalog's objects (tables, views, schemas, databases) as the empty parser database knows them, lower case.</summary>
    private static readonly Lazy<FrozenSet<string>> SystemNames = new(() =>
    {
        using var parser = OpenParser();
        using var command = parser.CreateCommand();
        command.CommandText = """
            SELECT lower(view_name) FROM duckdb_views() UNION SELECT lower(table_name) FROM duckdb_tables()
            UNION SELECT lower(schema_name) FROM duckdb_schemas() UNION SELECT lower(database_name) FROM duckdb_databases()
            """;
        using var reader = command.ExecuteReader();
        var result = new HashSet<string>(StringComparer.Ordinal);
        while (reader.Read())
        {
            result.Add(reader.GetString(0));
        }

        return result.ToFrozenSet(StringComparer.OrdinalIgnoreCase);
    });

    private static bool IsSystemName(string name) =>
        SystemNames.Value.Contains(name) || SystemPrefixes.Any(p => name.StartsWith(p, StringComparison.OrdinalIgnoreCase));

    /// <summary>Prefixes of DuckDB's system views (some are created on first use, so the catalog may not list them yet).</summary>
    private static readonly string[] SystemPrefixes = ["duckdb_", "pg_", "sqlite_", "information_schema"];

    private static bool IsDenied(string name)
    {
        var lower = name.ToLowerInvariant();
        return !AllowedDespitePrefix.Contains(lower)
            && (DeniedFunctions.Contains(lower) || DeniedPrefixes.Any(p => lower.StartsWith(p, StringComparison.Ordinal)));
    }

    private static string? Text(JsonElement node, string property) =>
        node.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    /// <summary>The text after a leading keyword (past whitespace and comments), or null when it does not start with it.</summary>
    internal static string? AfterKeyword(string sql, string keyword)
    {
        var i = SkipSpaceAndComments(sql, 0);
        if (i + keyword.Length > sql.Length || string.Compare(sql, i, keyword, 0, keyword.Length, StringComparison.OrdinalIgnoreCase) != 0)
        {
            return null;
        }

        var end = i + keyword.Length;
        if (end < sql.Length && (char.IsLetterOrDigit(sql[end]) || sql[end] is '_' or '$'))
        {
            return null;
        }

        return sql[end..];
    }

    private static int SkipSpaceAndComments(string sql, int i)
    {
        while (i < sql.Length)
        {
            if (char.IsWhiteSpace(sql[i]))
            {
                i++;
            }
            else if (string.CompareOrdinal(sql, i, "--", 0, 2) == 0)
            {
                var newline = sql.IndexOf('\n', i);
                i = newline < 0 ? sql.Length : newline + 1;
            }
            else if (string.CompareOrdinal(sql, i, "/*", 0, 2) == 0)
            {
                var depth = 0;
                do
                {
                    if (string.CompareOrdinal(sql, i, "/*", 0, 2) == 0)
                    {
                        depth++;
                        i += 2;
                    }
                    else if (string.CompareOrdinal(sql, i, "*/", 0, 2) == 0)
                    {
                        depth--;
                        i += 2;
                    }
                    else
                    {
                        i++;
                    }
                }
                while (depth > 0 && i < sql.Length);
            }
            else
            {
                break;
            }
        }

        return i;
    }

    /// <summary>The parse of <c>duckdb_extract_statements</c>, released on dispose.</summary>
    private sealed class DuckDBExtractedStatementsHolder : IDisposable
    {
        private readonly DuckDBExtractedStatements _statements;

        public DuckDBExtractedStatementsHolder(DuckDBConnection connection, string sql)
        {
            Count = NativeMethods.ExtractStatements.DuckDBExtractStatements(connection.NativeConnection, sql, out _statements);
            if (Count == 0)
            {
                var error = NativeMethods.ExtractStatements.DuckDBExtractStatementsError(_statements);
                _statements.Dispose();
                if (string.IsNullOrWhiteSpace(error))
                {
                    throw new ValidationException("sql", "Write a query.") { MessageKey = "Error.SqlEmpty" };
                }

                throw SyntaxError(error);
            }
        }

        public int Count { get; }

        public void Dispose() => _statements.Dispose();
    }
}

/// <summary>SQL that passed <see cref="DuckDbQueryGuard"/>: the text to run, and whether it is an EXPLAIN.</summary>
internal sealed record CheckedQuery(string Sql, bool IsExplain);
