using AiPlatform.Core.Serving;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AiPlatform.Infrastructure.Serving;

/// <summary>
/// At start and every few seconds: loads the endpoints this node should serve (so a restart brings them back), rolls
/// endpoints whose alias moved, follows Triton readiness and writes due payload samples.
/// </summary>
internal sealed class ServingReconciler(IServiceScopeFactory scopes, PayloadLog payloads, ILogger<ServingReconciler> logger) : BackgroundService
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
                await scope.ServiceProvider.GetRequiredService<EndpointReconciler>().ReconcileAsync(stoppingToken);
            }
            catch (Exception e) when (e is not OperationCanceledException || !stoppingToken.IsCancellationRequested)
            {
                // A timeout that escapes must not end the loop (an unhandled exception in a BackgroundService stops the host).
                logger.LogError(e, "Reconciling the serving endpoints failed");
            }
        }
        while (await timer.WaitForNextTickAsync(stoppingToken));
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        try
        {
            await payloads.FlushAllAsync(cancellationToken);
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            logger.LogWarning(e, "Writing the last payload samples failed");
        }
    }
}
