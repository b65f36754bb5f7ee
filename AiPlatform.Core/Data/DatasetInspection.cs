namespace AiPlatform.Core.Data;

/// <summary>What the engine read from a file: its row count and columns.</summary>
public sealed record DatasetInspection(long RowCount, IReadOnlyList<DatasetColumn> Columns);
