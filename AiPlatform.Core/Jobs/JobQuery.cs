using AiPlatform.Core.Common;

namespace AiPlatform.Core.Jobs;

/// <summary>Filter for the job list; null members do not filter.</summary>
public sealed record JobQuery(JobStatus? Status = null, string? Kind = null, string? Search = null, PageRequest? Page = null, string? CreatedBy = null);
