using AiPlatform.Core.Jobs;
using Hangfire;

namespace AiPlatform.Infrastructure.Jobs;

internal sealed class HangfireJobDispatcher(IBackgroundJobClient client) : IJobDispatcher
{
    public void Dispatch(Guid jobId) => client.Enqueue<RunPlatformJob>(j => j.RunAsync(jobId, CancellationToken.None));
}
