using AiPlatform.Core.Apps;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiPlatform.Web.Features.Apps;

/// <summary>An app's runner on Kubernetes: status, deploy (create or replace) and remove; Manage on the app for all three.</summary>
public static class AppDeploymentEndpoints
{
    public static RouteGroupBuilder MapAppDeploymentEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/apps/{id:guid}/deployment").WithTags("Apps");
        group.MapGet("/", GetAsync).WithName("GetAppDeployment")
            .WithSummary("Whether Apps:Kubernetes is configured, and the app's deployment with its ready replicas as the cluster reports them (Manage).");
        group.MapPut("/", DeployAsync).WithName("DeployApp")
            .WithSummary("Deploys the published app to Kubernetes: a runner Deployment in the app-runner role, a Service and a HorizontalPodAutoscaler, created or replaced (Manage). 409 Apps.Error.DeployNotConfigured / DeployNotPublished / DeployFailed (with the cluster's reason).");
        group.MapDelete("/", UndeployAsync).WithName("UndeployApp")
            .WithSummary("Removes the app's runner (HPA, Deployment, Service) from the cluster and forgets the deployment (Manage); 409 Apps.Error.UndeployFailed with the cluster's reason. force=true forgets it even when the cluster cannot remove it (audited; what is left in the cluster is for an operator).");
        return group;
    }

    static async Task<Ok<AppDeploymentResponse>> GetAsync(Guid id, AppDeploymentService deployments, CancellationToken ct) =>
        TypedResults.Ok(AppDeploymentResponse.From(await deployments.GetAsync(id, ct)));

    static async Task<Ok<AppDeploymentResponse>> DeployAsync(Guid id, AppDeploymentRequest? body, AppDeploymentService deployments, CancellationToken ct) =>
        TypedResults.Ok(AppDeploymentResponse.From(await deployments.DeployAsync(id, new AppDeploymentInput(body?.MinReplicas, body?.MaxReplicas, body?.TargetCpuPercent), ct)));

    static async Task<NoContent> UndeployAsync(Guid id, AppDeploymentService deployments, CancellationToken ct, bool force = false)
    {
        await deployments.UndeployAsync(id, force, ct);
        return TypedResults.NoContent();
    }
}

public sealed record AppDeploymentRequest(int? MinReplicas, int? MaxReplicas, int? TargetCpuPercent);

public sealed record AppDeploymentResponse(bool Configured, string? Namespace, bool Published, AppDeploymentDetail? Deployment)
{
    public static AppDeploymentResponse From(AppDeploymentView view) => new(
        view.Configured,
        view.Namespace,
        view.Published,
        view.Deployment is { } d ? new AppDeploymentDetail(d.Status, d.Message, d.ResourceName, d.Namespace, d.MinReplicas, d.MaxReplicas, d.TargetCpuPercent, d.ReadyReplicas, d.UpdatedAt) : null);
}

public sealed record AppDeploymentDetail(AppDeploymentStatus Status, string? Message, string? ResourceName, string? Namespace, int MinReplicas, int MaxReplicas, int TargetCpuPercent, int ReadyReplicas, DateTimeOffset UpdatedAt);
