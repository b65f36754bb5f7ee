using System.Globalization;
using AiPlatform.Core.Data;
using DuckDB.NET.Data;
using static AiPlatform.Infrastructure.DuckDb.DuckDbDatasetEngine;

namespace AiPlatform.Infrastructure.DuckDb;

/// <summary>Profiles a dataset file column by column and compares two files row by row (the engine's analysis half).</summary>
internal sealed class DuckDbProfiler(SqlSettings settings)
{
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
                // HyperLogLog can estimate more distinct values than the column holds: never above its non-null count.
                Math.Clamp(approxUnique, 0, nonNull[i + 1]),
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
}
