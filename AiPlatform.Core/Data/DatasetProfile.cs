namespace AiPlatform.Core.Data;

/// <summary>The profile of one version, computed by the <c>dataset.profile</c> job and stored with the version.</summary>
public sealed class DatasetProfile
{
    public Guid VersionId { get; set; }

    public Guid DatasetId { get; set; }

    public long RowCount { get; set; }

    public List<ColumnProfile> Columns { get; set; } = [];

    public DateTimeOffset CreatedAt { get; set; }
}
