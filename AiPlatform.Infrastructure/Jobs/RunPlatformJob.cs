using AiPlatform.Core.Jobs;
using Hangfire;

namespace AiPlatform.Infrastructure.Jobs;

/// <summary>Hangfire entry point: carries only the job id; the platform's record and <see cref="JobRunner"/> do the rest.</summary>
public sealed class RunPlatformJob(JobRunner runner)
{
    [AutomaticRetry(Attempts = 0)]
    [JobDisplayName("Platform job {0}")]
    public Task RunAsync(Guid jobId, CancellationToken ct) => runner.RunAsync(jobId, ct);
}
