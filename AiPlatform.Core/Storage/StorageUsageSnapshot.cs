namespace AiPlatform.Core.Storage;

/// <summary>Totals of the object store, taken by the storage scan job.</summary>
public sealed class StorageUsageSnapshot
{
    public Guid Id { get; set; }

    public DateTimeOffset TakenAt { get; set; }

    public required string Provider { get; set; }

    public long ObjectCount { get; set; }

    public long TotalBytes { get; set; }

    public long StagingObjectCount { get; set; }

    public long StagingBytes { get; set; }
}
