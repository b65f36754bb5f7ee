using AiPlatform.Core.Jobs;

namespace AiPlatform.Core.Storage;

/// <summary>
/// Job <c>storage.cleanup</c>: deletes staged content older than a day, left behind by writes that
/// crashed between staging and commit.
/// </summary>
public sealed class StagingCleanupHandler(IObjectStore objects, TimeProvider time) : IJobHandler
{
    public const string JobKind = "storage.cleanup";

    public static readonly TimeSpan MinimumAge = TimeSpan.FromDays(1);

    public string Kind => JobKind;

    public string? StartCapability => Access.Capabilities.JobsManage;

    public bool RestartOnInterrupt => true;

    public async Task RunAsync(JobExecutionContext context, CancellationToken ct)
    {
        var cutoff = time.GetUtcNow() - MinimumAge;
        var stale = new List<StoredObject>();
        await foreach (var item in objects.ListAsync(ObjectStoreExtensions.StagingPrefix + "/", ct))
        {
            if (item.LastModified < cutoff)
            {
                stale.Add(item);
            }
        }

        for (var i = 0; i < stale.Count; i++)
        {
            ct.ThrowIfCancellationRequested();
            await objects.DeleteAsync(stale[i].Key, ct);
            await context.ReportProgressAsync((i + 1.0) / stale.Count, $"{i + 1} of {stale.Count} deleted", ct);
        }

        await context.LogAsync($"Deleted {stale.Count} abandoned staging objects.", JobText.Of("JobLog.StagingDeleted", stale.Count), ct);
    }
}
