namespace AiPlatform.Core.Apps;

/// <summary>An app's runner on Kubernetes (one per app): a Deployment of the platform image in the app-runner role, its Service and HorizontalPodAutoscaler.</summary>
public sealed class AppDeployment
{
    public Guid AppId { get; set; }

    public int MinReplicas { get; set; } = 1;

    public int MaxReplicas { get; set; } = 3;

    public int TargetCpuPercent { get; set; } = 70;

    public AppDeploymentStatus Status { get; set; }

    public string? Message { get; set; }

    /// <summary>The Kubernetes names (Deployment, Service, HPA share it) and namespace.</summary>
    public string? ResourceName { get; set; }

    public string? Namespace { get; set; }

    public int ReadyReplicas { get; set; }

    public Guid UpdatedBy { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

public enum AppDeploymentStatus
{
    Deploying,
    Ready,
    Failed,
    Removing,
}
