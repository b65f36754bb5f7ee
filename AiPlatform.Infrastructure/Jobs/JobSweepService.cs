using AiPlatform.Core.Jobs;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AiPlatform.Infrastructure.Jobs;

/// <summary>
/// Every <c>Jobs:PollInterval</c> on every node: settles jobs whose runner died on another node (or an earlier start
/// of this one) once their heartbeat is older than <c>Jobs:StaleAfter</c>, and hands queued jobs nobody took to the
/// executor again (<see cref="JobRecovery.SweepAsync"/>). Starts after <see cref="JobStartupService"/>.
/// </summary>
internal sealed class JobSweepService(IServiceScopeFactory scopes, JobSettings settings, TimeProvider time, ILogger<JobSweepService> logger) : BackgroundService
{
    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(settings.PollInterval, time);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<JobRecovery>().SweepAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                logger.LogWarning(e, "Sweeping for interrupted jobs failed; trying again in {Interval}", settings.PollInterval);
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
