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
/// its cache after that commit), so a local change does not empty it a second time a moment later.
/// </summary>
internal sealed class AccessStampPoller(
    IDbContextFactory<PlatformDbContext> contexts,
    AccessCache cache,
    AccessStampInterceptor writes,
    IOptions<AccessCacheOptions> options,
    TimeProvider time,
    ILogger<AccessStampPoller> logger) : BackgroundService
{
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

                    if (failing)
                    {
                        logger.LogInformation("The access stamp can be read again; the access cache follows other nodes' changes again.");
                        failing = false;
                    }
                }
                catch (Exception e) when (!stoppingToken.IsCancellationRequested)
                {
                    seen = null;
                    if (!failing)
                    {
                        logger.LogWarning(e, "Cannot read the access stamp; other nodes' access changes are not seen until it can be read again (retrying).");
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

    private async Task<Guid> ReadAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.AccessStamps.AsNoTracking().Where(s => s.Id == AccessStamp.RowId).Select(s => (Guid?)s.Stamp).FirstOrDefaultAsync(ct)
            ?? await AccessStampRow.EnsureAsync(db, ct);
    }
}
