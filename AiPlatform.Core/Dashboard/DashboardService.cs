using AiPlatform.Core.Common;
using AiPlatform.Core.Jobs;
using AiPlatform.Core.Storage;

namespace AiPlatform.Core.Dashboard;

public sealed class DashboardService(JobService jobService, IJobStore jobs, IStorageUsageStore storage, TimeProvider time)
{
    public const int Days = 14;

    public async Task<DashboardSummary> GetAsync(CancellationToken ct)
    {
        var creator = await jobService.VisibleCreatorAsync(ct);
        var byStatus = await jobs.CountByStatusAsync(creator, ct);
        var since = new DateTimeOffset(time.GetUtcNow().UtcDateTime.Date.AddDays(-(Days - 1)), TimeSpan.Zero);
        var byDay = await jobs.CountByDayAsync(since, creator, ct);
        var snapshot = await storage.LatestAsync(ct);
        var recent = await jobService.ListAsync(new JobQuery(Page: new PageRequest(0, 10)), ct);
        return new DashboardSummary(byStatus, byDay, byStatus.Values.Sum(), snapshot, recent.Items);
    }
}
