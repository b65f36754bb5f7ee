namespace AiPlatform.Core.Data;

/// <summary>The rows a console query returned (at most the row limit; <see cref="Truncated"/> when there were more).</summary>
public sealed record SqlResult(
    IReadOnlyList<DatasetColumn> Columns,
    IReadOnlyList<IReadOnlyList<string?>> Rows,
    bool Truncated,
    long ElapsedMilliseconds,
    IReadOnlyList<string> Datasets);

/// <summary>A dataset version exposed to a query as a view of the given name.</summary>
public sealed record SqlSource(string ViewName, string Path, DatasetFormat Format);

/// <param name="MaxRows">Rows returned to the console at most.</param>
/// <param name="Timeout">A query running longer is cancelled.</param>
/// <param name="MemoryLimit">DuckDB memory limit for one query, e.g. <c>1GB</c>.</param>
public sealed record SqlSettings(int MaxRows, TimeSpan Timeout, string MemoryLimit)
{
    public static SqlSettings Default { get; } = new(10_000, TimeSpan.FromSeconds(30), "1GB");
}
