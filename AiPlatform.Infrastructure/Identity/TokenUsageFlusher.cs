using AiPlatform.Core.Access;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AiPlatform.Infrastructure.Identity;

/// <summary>Writes the personal access tokens' last use every 30 seconds and when the node stops (see <see cref="TokenUsageRecorder"/>).</summary>
internal sealed class TokenUsageFlusher(TokenUsageRecorder usage, TimeProvider time, ILogger<TokenUsageFlusher> logger) : BackgroundService
{
    public static readonly TimeSpan Interval = TimeSpan.FromSeconds(30);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        using var timer = new PeriodicTimer(Interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(stoppingToken))
            {
                await FlushAsync(stoppingToken);
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the last flush follows in StopAsync.
        }
    }

    public override async Task StopAsync(CancellationToken cancellationToken)
    {
        await base.StopAsync(cancellationToken);
        await FlushAsync(cancellationToken);
    }

    private async Task FlushAsync(CancellationToken ct)
    {
        try
        {
            await usage.FlushAsync(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // Stopping in a hurry: the pending times are lost, which only makes "last used" a little older.
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Cannot record when personal access tokens were last used; trying again later.");
        }
    }
}
