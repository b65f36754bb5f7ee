using AiPlatform.Core.Jobs;

namespace AiPlatform.Infrastructure.Tests.Builders;

public sealed class SucceedingHandler : IJobHandler
{
    public string Kind => "test.ok";

    public string? StartCapability => Core.Access.Capabilities.JobsStart;

    public bool RestartOnInterrupt => false;

    public async Task RunAsync(JobExecutionContext context, CancellationToken ct)
    {
        await context.ReportProgressAsync(0.5, "half way", ct);
        await context.LogAsync("did the work", ct);
    }
}

public sealed class FailingHandler : IJobHandler
{
    public string Kind => "test.fail";

    public string? StartCapability => null;

    public bool RestartOnInterrupt => false;

    public Task RunAsync(JobExecutionContext context, CancellationToken ct) => throw new InvalidOperationException("disk on fire");
}

public sealed class WaitingHandler : IJobHandler
{
    public string Kind => "test.wait";

    public string? StartCapability => Core.Access.Capabilities.JobsStart;

    public bool RestartOnInterrupt => false;

    public async Task RunAsync(JobExecutionContext context, CancellationToken ct)
    {
        await context.ReportProgressAsync(0.1, "waiting", ct);
        await Task.Delay(Timeout.Infinite, ct);
    }
}

public sealed class RestartableHandler : IJobHandler
{
    public string Kind => "test.restartable";

    public string? StartCapability => null;

    public bool RestartOnInterrupt => true;

    public Task RunAsync(JobExecutionContext context, CancellationToken ct) => Task.CompletedTask;
}

/// <summary>A kind with a dependent of its own: records every interruption it is told about.</summary>
public sealed class HookedHandler(InterruptionLog interruptions) : IJobHandler
{
    public string Kind => "test.hooked";

    public string? StartCapability => null;

    public bool RestartOnInterrupt => false;

    public Task RunAsync(JobExecutionContext context, CancellationToken ct) => Task.CompletedTask;

    public Task OnInterruptedAsync(JobRecord job, JobInterruption interruption, CancellationToken ct)
    {
        interruptions.Add(job.Id, interruption);
        return Task.CompletedTask;
    }
}

public sealed class InterruptionLog
{
    private readonly System.Collections.Concurrent.ConcurrentQueue<(Guid JobId, JobInterruption Interruption)> _seen = new();

    public IReadOnlyList<(Guid JobId, JobInterruption Interruption)> Seen => [.. _seen];

    public void Add(Guid jobId, JobInterruption interruption) => _seen.Enqueue((jobId, interruption));
}

public sealed class RecordingDispatcher : IJobDispatcher
{
    private readonly List<Guid> _dispatched = [];

    public IReadOnlyList<Guid> Dispatched
    {
        get
        {
            lock (_dispatched)
            {
                return _dispatched.ToList();
            }
        }
    }

    public void Dispatch(Guid jobId)
    {
        lock (_dispatched)
        {
            _dispatched.Add(jobId);
        }
    }
}
