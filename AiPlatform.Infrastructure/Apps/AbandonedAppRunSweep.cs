using AiPlatform.Core.Apps;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AiPlatform.Infrastructure.Apps;

/// <summary>
/// Once per start, <see cref="StartDelay"/> after it: app runs still marked Running that started before this process
/// did were left by a process that died (runs live in one process's memory), so they are marked Failed. A failure is
/// logged and tried again at the next start.
/// </summary>
internal sealed class AbandonedAppRunSweep(IServiceScopeFactory scopes, TimeProvider time, ILogger<AbandonedAppRunSweep> logger) : BackgroundService
{
    /// <summary>How long after start the sweep runs (start-up work and migrations first).</summary>
    public static readonly TimeSpan StartDelay = TimeSpan.FromSeconds(5);

    private readonly DateTimeOffset _startedAt = time.GetUtcNow();

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(StartDelay, time, stoppingToken);
            await using var scope = scopes.CreateAsyncScope();
            var failed = await scope.ServiceProvider.GetRequiredService<IAppStore>()
                .FailAbandonedRunsAsync(_startedAt, "The platform stopped while the run was going on.", time.GetUtcNow(), stoppingToken);
            if (failed > 0)
            {
                logger.LogInformation("Marked {Count} app runs left running by a stopped process as failed", failed);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the next start sweeps.
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Failing app runs left running by a stopped process did not work; it is tried again at the next start");
        }
    }
}
