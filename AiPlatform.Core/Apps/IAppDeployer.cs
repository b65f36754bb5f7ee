namespace AiPlatform.Core.Apps;

/// <summary>
/// Runs an app's runner on a cluster (<c>Apps:Kubernetes:*</c>): a Deployment of the platform image in the app-runner
/// role, its Service and a HorizontalPodAutoscaler. Failures of the cluster's API surface as
/// <see cref="InvalidOperationException"/> whose message says what was tried, what the API server answered and what to do.
/// </summary>
public interface IAppDeployer
{
    /// <summary>False when <c>Apps:Kubernetes:Enabled</c> is off: deploying is refused with <c>Apps.Error.DeployNotConfigured</c>.</summary>
    bool Configured { get; }

    string Namespace { get; }

    /// <summary>What a deployment gets when the request names nothing, and the most replicas one may ask for.</summary>
    AppDeploymentSpec Defaults { get; }

    int MaxReplicas { get; }

    /// <summary>The name the Deployment, Service and HPA of an app share.</summary>
    string ResourceName(App app);

    /// <summary>Creates or replaces the app's Deployment, Service and HorizontalPodAutoscaler.</summary>
    Task ApplyAsync(App app, AppDeploymentSpec spec, CancellationToken ct);

    /// <summary>Removes them; what is already gone is no error.</summary>
    Task RemoveAsync(string resourceName, CancellationToken ct);

    /// <summary>The Deployment's replicas as the cluster reports them; null when it does not exist.</summary>
    Task<AppDeploymentState?> GetStateAsync(string resourceName, CancellationToken ct);
}

public sealed record AppDeploymentSpec(int MinReplicas, int MaxReplicas, int TargetCpuPercent);

public sealed record AppDeploymentState(int Replicas, int ReadyReplicas);

/// <summary>The AppDeployment row (one per app, key = AppId).</summary>
public interface IAppDeploymentStore
{
    Task<AppDeployment?> FindAsync(Guid appId, CancellationToken ct);

    /// <summary>Inserts or updates the row, with the audit entry in the same transaction.</summary>
    Task SaveAsync(AppDeployment deployment, Audit.AuditEntry? audit, CancellationToken ct);

    Task DeleteAsync(Guid appId, Audit.AuditEntry audit, CancellationToken ct);
}
