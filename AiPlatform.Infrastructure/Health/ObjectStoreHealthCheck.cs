using AiPlatform.Core.Storage;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace AiPlatform.Infrastructure.Health;

internal sealed class ObjectStoreHealthCheck(IObjectStore store) : IHealthCheck
{
    public async Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        try
        {
            await store.CheckHealthAsync(cancellationToken);
            return HealthCheckResult.Healthy($"{store.Provider} object store is writable.");
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy($"{store.Provider} object store is not reachable.", ex);
        }
    }
}
