namespace AiPlatform.Core.Data;

/// <summary>
/// Reads data files (DuckDB in-process). Malformed content is reported as a validation error that names the line
/// and the reason.
/// </summary>
public interface IDatasetEngine
{
    /// <summary>
    /// Reads the file once: validates it, counts rows, infers columns, and — when <paramref name="parquetCopyPath"/>
    /// is given — writes a columnar Parquet copy there that later reads (profile, preview, SQL) use instead of re-parsing text.
    /// </summary>
    Task<DatasetInspection> InspectAsync(string path, DatasetFormat format, string? parquetCopyPath, CancellationToken ct);

    /// <summary>Per column: counts, nulls, approximate distinct values, min/max, mean/std and quartiles for numbers, top values, histogram.</summary>
    Task<IReadOnlyList<ColumnProfile>> ProfileAsync(string path, DatasetFormat format, CancellationToken ct);

    /// <summary>Rows added, removed and changed (in the columns both share) between two files, matched by a key column.</summary>
    Task<RowDiff> DiffRowsAsync(string fromPath, DatasetFormat fromFormat, string toPath, DatasetFormat toFormat, string key, IReadOnlyList<string> sharedColumns, CancellationToken ct);

    /// <summary>
    /// Runs a read-only query over the given sources (one view each) with file-system, network, extension and ATTACH
    /// access switched off and locked, under a row, time and memory limit.
    /// </summary>
    Task<SqlResult> QueryAsync(IReadOnlyList<SqlSource> sources, string sql, SqlSettings settings, CancellationToken ct);

    /// <summary>
    /// As <see cref="QueryAsync(IReadOnlyList{SqlSource}, string, SqlSettings, CancellationToken)"/>, with named
    /// parameters (<c>$name</c> in the SQL) bound as values of a prepared statement, never written into the SQL text.
    /// A value is a string, a whole number (<see cref="long"/>), a <see cref="double"/>, a <see cref="bool"/> or null.
    /// </summary>
    Task<SqlResult> QueryAsync(IReadOnlyList<SqlSource> sources, string sql, IReadOnlyDictionary<string, object?> parameters, SqlSettings settings, CancellationToken ct);

    /// <summary>Runs the query like <see cref="QueryAsync"/> and writes all its rows to a Parquet file at <paramref name="outputPath"/>.</summary>
    Task ExportParquetAsync(IReadOnlyList<SqlSource> sources, string sql, string outputPath, SqlSettings settings, CancellationToken ct);

    /// <summary>Rows <paramref name="offset"/> … offset+limit, sorted by a column when given.</summary>
    Task<DatasetRows> ReadAsync(string path, DatasetFormat format, int offset, int limit, string? sortColumn, bool descending, CancellationToken ct);
}
