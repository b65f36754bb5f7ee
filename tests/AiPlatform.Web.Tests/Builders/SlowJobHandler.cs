using AiPlatform.Core.Jobs;

namespace AiPlatform.Web.Tests.Builders;

/// <summary>A job that reports progress and runs until cancelled: lets tests observe a job while it runs.</summary>
public sealed class SlowJobHandler : IJobHandler
{
    public const string JobKind = "test.slow";

    public string Kind => JobKind;

    public string? StartCapability => Core.Access.Capabilities.JobsStart;

    public bool RestartOnInterrupt => false;

    public async Task RunAsync(JobExecutionContext context, CancellationToken ct)
    {
        for (var i = 0; ; i++)
        {
            await context.ReportProgressAsync(Math.Min(0.9, i / 100.0), $"step {i}", ct);
            await context.LogAsync($"step {i}", ct);
            await Task.Delay(100, ct);
        }
    }
}
