using AiPlatform.Core.Jobs;
using AiPlatform.Core.Storage;
using Hangfire;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Options;

namespace AiPlatform.Infrastructure.Jobs;

/// <summary>
/// At start: recovers jobs a crash left unfinished (<see cref="JobRecovery.RecoverAsync"/>: queued ones dispatched again,
/// this node's earlier start's running ones settled), and registers the recurring maintenance jobs.
/// </summary>
internal sealed class JobStartupService(IServiceScopeFactory scopes, IRecurringJobManager recurring, IOptions<JobsOptions> options) : IHostedService
{
    public async Task StartAsync(CancellationToken cancellationToken)
    {
        await using var scope = scopes.CreateAsyncScope();
        await scope.ServiceProvider.GetRequiredService<JobRecovery>().RecoverAsync(cancellationToken);
        await scope.ServiceProvider.GetRequiredService<Core.Data.ScheduledImportRunner>().RegisterSchedulesAsync(cancellationToken);
        Schedule(StorageScanHandler.JobKind, options.Value.StorageScanCron);
        Schedule(StagingCleanupHandler.JobKind, options.Value.StorageCleanupCron);
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void Schedule(string kind, string cron)
    {
        if (string.IsNullOrWhiteSpace(cron))
        {
            recurring.RemoveIfExists(kind);
            return;
        }

        recurring.AddOrUpdate<EnqueueScheduledJob>(kind, j => j.RunAsync(kind, CancellationToken.None), cron);
    }
}
