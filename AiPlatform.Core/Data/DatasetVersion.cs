namespace AiPlatform.Core.Data;

/// <summary>
/// One immutable version of a dataset. Its content is addressed by SHA-256: the same bytes uploaded again make no
/// new version.
/// </summary>
public sealed class DatasetVersion
{
    public Guid Id { get; set; }

    public Guid DatasetId { get; set; }

    /// <summary>1, 2, 3, … within the dataset.</summary>
    public int Number { get; set; }

    public required string ContentHash { get; set; }

    public required string ObjectKey { get; set; }

    /// <summary>Key of the columnar (Parquet) copy used for profile, preview and SQL; null when the content is Parquet already.</summary>
    public string? ColumnarKey { get; set; }

    public DatasetFormat Format { get; set; }

    public long SizeBytes { get; set; }

    public long RowCount { get; set; }

    public List<DatasetColumn> Columns { get; set; } = [];

    public Guid? ParentId { get; set; }

    public string? Message { get; set; }

    public string? OriginalFileName { get; set; }

    /// <summary>What produced it: <c>upload</c> or <c>query</c> (later also imports).</summary>
    public required string Source { get; set; }

    /// <summary>Lineage detail as JSON: for a query, its SQL and the dataset versions it read.</summary>
    public string? SourceDetail { get; set; }

    public required string CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }
}
