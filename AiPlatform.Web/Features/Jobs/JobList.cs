namespace AiPlatform.Web.Features.Jobs;

public sealed record JobList(IReadOnlyList<JobSummary> Items, int TotalCount, int Page, int PageSize);
