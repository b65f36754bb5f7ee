namespace AiPlatform.Core.Data;

/// <summary>A page of rows; values are rendered as text (null stays null).</summary>
public sealed record DatasetRows(IReadOnlyList<DatasetColumn> Columns, IReadOnlyList<IReadOnlyList<string?>> Rows, long TotalRows, int Offset);
