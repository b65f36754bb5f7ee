using AiPlatform.Core.Training;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AiPlatform.Infrastructure.Training;

/// <summary>Every few seconds: advances studies (new trials, pruning, results), then pumps the training queues (starts waiting runs when slots free up, settles runs whose job ended, e.g. across a restart).</summary>
internal sealed class TrainingQueueService(IServiceScopeFactory scopes, ILogger<TrainingQueueService> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval);
        do
        {
            try
            {
                await using var scope = scopes.CreateAsyncScope();
                await scope.ServiceProvider.GetRequiredService<Core.Training.Hpo.StudyService>().PumpAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogError(e, "Pumping the training queues failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }
}
