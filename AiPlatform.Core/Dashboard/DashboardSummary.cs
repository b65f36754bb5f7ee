using AiPlatform.Core.Jobs;
using AiPlatform.Core.Storage;

namespace AiPlatform.Core.Dashboard;

/// <summary>The figures on the dashboard, all read from the platform's own records.</summary>
public sealed record DashboardSummary(
    IReadOnlyDictionary<JobStatus, int> JobsByStatus,
    IReadOnlyList<JobCountByDay> JobsByDay,
    int TotalJobs,
    StorageUsageSnapshot? Storage,
    IReadOnlyList<JobRecord> RecentJobs);
