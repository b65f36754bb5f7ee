namespace AiPlatform.Core.Data;

/// <summary>
/// Reads data files (DuckDB in-process). Malformed content is reported as a validation error that names the line
/// and the reason.
/// </summary>
public interface IDatasetEngine
{
    Task<DatasetInspection> InspectAsync(string path, DatasetFormat format, CancellationToken ct);

    /// <summary>Per column: counts, nulls, approximate distinct values, min/max, mean/std and quartiles for numbers, top values, histogram.</summary>
    Task<IReadOnlyList<ColumnProfile>> ProfileAsync(string path, DatasetFormat format, CancellationToken ct);

    /// <summary>Rows added, removed and changed (in the columns both share) between two files, matched by a key column.</summary>
    Task<RowDiff> DiffRowsAsync(string fromPath, DatasetFormat fromFormat, string toPath, DatasetFormat toFormat, string key, IReadOnlyList<string> sharedColumns, CancellationToken ct);

    /// <summary>Rows <paramref name="offset"/> … offset+limit, sorted by a column when given.</summary>
    Task<DatasetRows> ReadAsync(string path, DatasetFormat format, int offset, int limit, string? sortColumn, bool descending, CancellationToken ct);
}
