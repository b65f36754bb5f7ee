using AiPlatform.Core.Access;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Options;

namespace AiPlatform.Infrastructure.Persistence.AccessStamps;

/// <summary>
/// Reads the access stamp every <see cref="AccessCacheOptions.PollMilliseconds"/> and empties this node's access cache
/// when another node changed it. The first read, and the first after a database error, empty it too: whatever was
/// cached before cannot be compared with anything. A stamp this node wrote itself is not a reason (this node emptied
/// its cache after that commit), so a local change does not empty it a second time a moment later. While the stamp
/// cannot be read (an error, or no answer within <see cref="ReadTimeout"/>) the cache is suspended — it fails closed:
/// every check reads the database until the stamp can be read again, so a revocation made on another node is never
/// served from a stale memory.
/// </summary>
internal sealed class AccessStampPoller(
    IDbContextFactory<PlatformDbContext> contexts,
    AccessCache cache,
    AccessStampInterceptor writes,
    IOptions<AccessCacheOptions> options,
    TimeProvider time,
    ILogger<AccessStampPoller> logger) : BackgroundService
{
    /// <summary>How long one read of the stamp may take before it counts as failed (at least 1 s, four poll intervals).</summary>
    internal TimeSpan ReadTimeout => TimeSpan.FromMilliseconds(Math.Max(1000, 4 * options.Value.PollMilliseconds));

    protected override async Task ExecuteAsync(CancellationToken stoppingToken)
    {
        Guid? seen = null;
        var failing = false;
        using var timer = new PeriodicTimer(TimeSpan.FromMilliseconds(Math.Max(10, options.Value.PollMilliseconds)), time);
        try
        {
            do
            {
                try
                {
                    var stamp = await ReadAsync(stoppingToken);
                    if (stamp != seen)
                    {
                        if (seen is null || stamp != writes.LastWritten)
                        {
                            cache.Invalidate();
                        }

                        seen = stamp;
                    }

                    cache.Resume();
                    if (failing)
                    {
                        logger.LogInformation("The access stamp can be read again; the access cache follows other nodes' changes again.");
                        failing = false;
                    }
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    seen = null;
                    cache.Suspend();
                    if (!failing)
                    {
                        logger.LogWarning(e, "Cannot read the access stamp; the access cache is suspended (every check reads the database) until it can be read again (retrying).");
                        failing = true;
                    }
                }
            }
            while (await timer.WaitForNextTickAsync(stoppingToken));
        }
        catch (OperationCanceledException) when (stoppingToken.IsCancellationRequested)
        {
            // Stopping.
        }
    }

    private async Task<Guid> ReadAsync(CancellationToken stopping)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(stopping);
        timeout.CancelAfter(ReadTimeout);
        var ct = timeout.Token;
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.AccessStamps.AsNoTracking().Where(s => s.Id == AccessStamp.RowId).Select(s => (Guid?)s.Stamp).FirstOrDefaultAsync(ct)
            ?? await AccessStampRow.EnsureAsync(db, ct);
    }
}
