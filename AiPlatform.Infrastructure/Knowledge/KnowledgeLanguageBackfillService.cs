using AiPlatform.Core.Knowledge;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;

namespace AiPlatform.Infrastructure.Knowledge;

/// <summary>
/// Once per start, <see cref="StartDelay"/> after it and in the background: records the language of chunks stored before
/// languages were (<see cref="KnowledgeLanguageBackfill"/>), so that reading a knowledge base's languages never writes.
/// Start-up does not wait for it; a failure is logged and tried again at the next start.
/// </summary>
internal sealed class KnowledgeLanguageBackfillService(IServiceScopeFactory scopes, TimeProvider time, ILogger<KnowledgeLanguageBackfillService> logger) : BackgroundService
{
    /// <summary>How long after start the backfill begins (start-up work and migrations first).</summary>
    public static readonly TimeSpan StartDelay = TimeSpan.FromSeconds(5);

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        try
        {
            await Task.Delay(StartDelay, time, stoppingToken);
            await using var scope = scopes.CreateAsyncScope();
            var written = await scope.ServiceProvider.GetRequiredService<KnowledgeLanguageBackfill>().RunAsync(stoppingToken);
            if (written > 0)
            {
                logger.LogInformation("Recorded the language of {Count} knowledge chunks stored before languages were", written);
            }
            else
            {
                logger.LogDebug("Every knowledge chunk with letters already has its language");
            }
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping: the chunks left are done at the next start.
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Recording the language of older knowledge chunks failed; it runs again at the next start");
        }
    }
}
