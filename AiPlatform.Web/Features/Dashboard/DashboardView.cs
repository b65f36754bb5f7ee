using AiPlatform.Core.Dashboard;
using AiPlatform.Core.Jobs;
using AiPlatform.Web.Features.Jobs;

namespace AiPlatform.Web.Features.Dashboard;

public sealed record DashboardView(
    IReadOnlyDictionary<JobStatus, int> JobsByStatus,
    IReadOnlyList<JobCountByDay> JobsByDay,
    int TotalJobs,
    StorageView? Storage,
    IReadOnlyList<JobSummary> RecentJobs)
{
    public static DashboardView From(DashboardSummary s) => new(
        s.JobsByStatus,
        s.JobsByDay,
        s.TotalJobs,
        s.Storage is { } st ? new StorageView(st.Provider, st.ObjectCount, st.TotalBytes, st.StagingObjectCount, st.StagingBytes, st.TakenAt) : null,
        s.RecentJobs.Select(JobSummary.From).ToList());
}

public sealed record StorageView(string Provider, long ObjectCount, long TotalBytes, long StagingObjectCount, long StagingBytes, DateTimeOffset TakenAt);
