using AiPlatform.Core.Jobs;

namespace AiPlatform.Core.Storage;

/// <summary>Job <c>storage.scan</c>: counts objects and bytes in the object store and saves a snapshot for the dashboard.</summary>
public sealed class StorageScanHandler(IObjectStore objects, IStorageUsageStore usage, TimeProvider time) : IJobHandler
{
    public const string JobKind = "storage.scan";

    public string Kind => JobKind;

    public string? StartCapability => Access.Capabilities.JobsManage;

    public bool RestartOnInterrupt => true;

    public async Task RunAsync(JobExecutionContext context, CancellationToken ct)
    {
        var snapshot = new StorageUsageSnapshot { Id = Guid.CreateVersion7(), Provider = objects.Provider, TakenAt = time.GetUtcNow() };
        await context.LogAsync($"Scanning the {objects.Provider} object store.", JobText.Of("JobLog.ScanningStore", objects.Provider), ct);
        await foreach (var item in objects.ListAsync(string.Empty, ct))
        {
            if (item.Key.Value.StartsWith(ObjectStoreExtensions.StagingPrefix + "/", StringComparison.Ordinal))
            {
                snapshot.StagingObjectCount++;
                snapshot.StagingBytes += item.Size;
            }
            else
            {
                snapshot.ObjectCount++;
                snapshot.TotalBytes += item.Size;
            }

            if ((snapshot.ObjectCount + snapshot.StagingObjectCount) % 1000 == 0)
            {
                await context.ReportProgressAsync(0.5, $"{snapshot.ObjectCount} objects so far", ct);
            }
        }

        snapshot.TakenAt = time.GetUtcNow();
        await usage.AddAsync(snapshot, ct);
        await context.LogAsync($"{snapshot.ObjectCount} objects, {snapshot.TotalBytes} bytes; {snapshot.StagingObjectCount} staging objects.", JobText.Of("JobLog.ScanResult", snapshot.ObjectCount, snapshot.TotalBytes, snapshot.StagingObjectCount), ct);
    }
}
