using AiPlatform.Core.Apps;
using Microsoft.EntityFrameworkCore;

namespace AiPlatform.Infrastructure.Persistence.Stores;

/// <summary>Monitoring's read of app runs: ended runs of a window, newest first, without inputs and outputs.</summary>
internal sealed class EfAppMonitoringStore(IDbContextFactory<PlatformDbContext> contexts) : IAppMonitoringStore
{
    public async Task<IReadOnlyList<AppRunSample>> ListEndedRunsAsync(Guid appId, int? versionNumber, DateTimeOffset since, int limit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var runs = db.AppRuns.AsNoTracking().Where(r => r.AppId == appId && r.StartedAt >= since && r.Status != AppRunStatus.Running);
        if (versionNumber is { } number)
        {
            runs = runs.Where(r => r.VersionNumber == number);
        }

        return await runs.OrderByDescending(r => r.StartedAt).ThenByDescending(r => r.Id).Take(limit)
            .Select(r => new AppRunSample(r.ApiKeyId, r.VersionNumber, r.Source, r.Status, r.StartedAt, r.DurationMs, r.PromptTokens, r.CompletionTokens, r.NodesJson))
            .ToListAsync(ct);
    }
}
