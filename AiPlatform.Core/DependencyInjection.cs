using AiPlatform.Core.Dashboard;
using AiPlatform.Core.Jobs;
using AiPlatform.Core.Storage;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.DependencyInjection.Extensions;

namespace AiPlatform.Core;

public static class DependencyInjection
{
    /// <summary>Registers the Core services and the built-in job handlers.</summary>
    public static IServiceCollection AddCore(this IServiceCollection services)
    {
        services.TryAddSingleton(TimeProvider.System);
        services.TryAddSingleton(JobSettings.Default);
        services.AddScoped<JobHandlerRegistry>();
        services.AddSingleton<JobCancellationRegistry>();
        services.AddSingleton<JobMetrics>();
        services.AddScoped<JobService>();
        services.AddScoped<JobRunner>();
        services.AddScoped<JobRecovery>();
        services.AddScoped<DashboardService>();
        services.AddScoped<IJobHandler, StorageScanHandler>();
        services.AddScoped<IJobHandler, StagingCleanupHandler>();
        return services;
    }
}
