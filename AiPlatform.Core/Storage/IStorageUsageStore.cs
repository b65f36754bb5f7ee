namespace AiPlatform.Core.Storage;

/// <summary>Persistence of storage usage snapshots.</summary>
public interface IStorageUsageStore
{
    Task AddAsync(StorageUsageSnapshot snapshot, CancellationToken ct);

    Task<StorageUsageSnapshot?> LatestAsync(CancellationToken ct);
}
