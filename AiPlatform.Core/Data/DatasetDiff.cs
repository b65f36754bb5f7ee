namespace AiPlatform.Core.Data;

/// <summary>
/// What changed from one version to another: columns added, removed or retyped, the row-count change, and, when a key
/// column is given, how many rows were added, removed or changed (with a sample of the changed keys).
/// </summary>
public sealed record DatasetDiff(
    int FromNumber,
    int ToNumber,
    IReadOnlyList<string> AddedColumns,
    IReadOnlyList<string> RemovedColumns,
    IReadOnlyList<ColumnTypeChange> ChangedTypes,
    long RowsBefore,
    long RowsAfter,
    string? Key,
    long? AddedRows,
    long? RemovedRows,
    long? ChangedRows,
    IReadOnlyList<string> SampleChangedKeys);

public sealed record ColumnTypeChange(string Column, string From, string To);

/// <summary>Row-level differences by key, as the engine counted them.</summary>
public sealed record RowDiff(long Added, long Removed, long Changed, IReadOnlyList<string> SampleChangedKeys);
