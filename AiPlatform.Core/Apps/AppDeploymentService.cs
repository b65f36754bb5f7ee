using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Apps;

/// <summary>
/// One-click deployment of a published app to Kubernetes (<c>Apps:Kubernetes:*</c>): Manage on the app for everything;
/// deploying and removing are audited; the AppDeployment row records what the cluster was asked for and answered.
/// </summary>
public sealed class AppDeploymentService(AppService apps, IAppDeployer deployer, IAppDeploymentStore store, AuditRecorder audit, TimeProvider time)
{
    private const int MaxMessage = 4000;

    /// <summary>What the deploy tab and GET show: whether deploying is possible here, and the app's deployment if any (its ready replicas read from the cluster).</summary>
    public async Task<AppDeploymentView> GetAsync(Guid appId, CancellationToken ct)
    {
        var (app, _) = await apps.RequireAsync(appId, PermissionLevel.Manage, ct);
        var row = await store.FindAsync(app.Id, ct);
        if (row is { ResourceName: { } name } && deployer.Configured && row.Status is AppDeploymentStatus.Deploying or AppDeploymentStatus.Ready)
        {
            try
            {
                var state = await deployer.GetStateAsync(name, ct);
                var ready = state?.ReadyReplicas ?? 0;
                var status = state is null ? AppDeploymentStatus.Failed : ready > 0 ? AppDeploymentStatus.Ready : AppDeploymentStatus.Deploying;
                if (ready != row.ReadyReplicas || status != row.Status)
                {
                    row.ReadyReplicas = ready;
                    row.Status = status;
                    row.Message = state is null ? $"The Deployment {row.Namespace}/{name} no longer exists in the cluster; deploy again." : row.Message;
                    await store.SaveAsync(row, null, ct);
                }
            }
            catch (InvalidOperationException e)
            {
                // The cluster could not be read now: show the row as it was, with why it may be stale.
                row.Message = Trim(e.Message);
            }
        }

        return new AppDeploymentView(deployer.Configured, deployer.Configured ? deployer.Namespace : null, app.PublishedVersionId is not null, row) { Defaults = deployer.Configured ? deployer.Defaults : null };
    }

    /// <summary>Creates or replaces the app's runner (Manage; the app must be published; Kubernetes must be configured).</summary>
    public async Task<AppDeploymentView> DeployAsync(Guid appId, AppDeploymentInput input, CancellationToken ct)
    {
        var (app, _) = await apps.RequireAsync(appId, PermissionLevel.Manage, ct);
        RequireConfigured();
        if (app.PublishedVersionId is null)
        {
            throw new ConflictException($"The app '{app.Slug}' has no published version yet: publish it before deploying it.") { MessageKey = "Apps.Error.DeployNotPublished", MessageArguments = [app.Slug] };
        }

        var spec = Validate(input);
        var existing = await store.FindAsync(app.Id, ct);
        var row = existing ?? new AppDeployment { AppId = app.Id };
        row.MinReplicas = spec.MinReplicas;
        row.MaxReplicas = spec.MaxReplicas;
        row.TargetCpuPercent = spec.TargetCpuPercent;
        row.ResourceName = deployer.ResourceName(app);
        row.Namespace = deployer.Namespace;
        row.UpdatedAt = time.GetUtcNow();
        var entry = await audit.EntryAsync("app.deploy", SecurableTypes.App, app.Id, null, ct);
        row.UpdatedBy = entry.ActorId ?? Guid.Empty;
        try
        {
            await deployer.ApplyAsync(app, spec, ct);
            row.Status = AppDeploymentStatus.Deploying;
            row.Message = null;
        }
        catch (InvalidOperationException e)
        {
            row.Status = AppDeploymentStatus.Failed;
            row.Message = Trim(e.Message);
            entry.Summary = System.Text.Json.JsonSerializer.Serialize(new { spec, failed = row.Message }, System.Text.Json.JsonSerializerOptions.Web);
            await store.SaveAsync(row, entry, ct);
            throw new ConflictException(row.Message) { MessageKey = "Apps.Error.DeployFailed", MessageArguments = [row.Message] };
        }

        entry.Summary = System.Text.Json.JsonSerializer.Serialize(new { spec, row.ResourceName, row.Namespace }, System.Text.Json.JsonSerializerOptions.Web);
        await store.SaveAsync(row, entry, ct);
        return new AppDeploymentView(true, deployer.Namespace, true, row) { Defaults = deployer.Defaults };
    }

    /// <summary>
    /// Removes the app's runner from the cluster and forgets the deployment (Manage). With <paramref name="force"/>, a
    /// deployment the cluster cannot remove (unreachable, refused) is forgotten all the same — audited with the reason —
    /// so the app can be deleted; whatever is left in the cluster is then for an operator to remove.
    /// </summary>
    public async Task UndeployAsync(Guid appId, bool force, CancellationToken ct)
    {
        var (app, _) = await apps.RequireAsync(appId, PermissionLevel.Manage, ct);
        var row = await store.FindAsync(app.Id, ct) ?? throw new NotFoundException("App deployment", appId);
        string? leftBehind = null;
        if (row.ResourceName is { } name && !(force && !deployer.Configured))
        {
            RequireConfigured();
            try
            {
                await deployer.RemoveAsync(name, ct);
            }
            catch (InvalidOperationException e) when (force)
            {
                leftBehind = Trim(e.Message);
            }
            catch (InvalidOperationException e)
            {
                row.Status = AppDeploymentStatus.Failed;
                row.Message = Trim(e.Message);
                row.UpdatedAt = time.GetUtcNow();
                await store.SaveAsync(row, null, ct);
                throw new ConflictException(row.Message) { MessageKey = "Apps.Error.UndeployFailed", MessageArguments = [row.Message] };
            }
        }

        var forced = force && (leftBehind is not null || (row.ResourceName is not null && !deployer.Configured));
        await store.DeleteAsync(app.Id, await audit.EntryAsync("app.undeploy", SecurableTypes.App, app.Id, new { row.ResourceName, row.Namespace, forced, error = leftBehind }, ct), ct);
    }

    /// <summary>True when the app has a deployment row (live or failed): the app cannot be deleted before it is removed.</summary>
    public async Task<bool> ExistsAsync(Guid appId, CancellationToken ct) => await store.FindAsync(appId, ct) is not null;

    private void RequireConfigured()
    {
        if (!deployer.Configured)
        {
            throw new ConflictException("Deploying apps to Kubernetes is not configured on this platform (Apps:Kubernetes:Enabled is off); an administrator enables it.") { MessageKey = "Apps.Error.DeployNotConfigured" };
        }
    }

    private AppDeploymentSpec Validate(AppDeploymentInput input)
    {
        var defaults = deployer.Defaults;
        var limit = deployer.MaxReplicas;
        var min = input.MinReplicas ?? defaults.MinReplicas;
        var max = input.MaxReplicas ?? Math.Max(min, defaults.MaxReplicas);
        var cpu = input.TargetCpuPercent ?? defaults.TargetCpuPercent;
        var errors = new Dictionary<string, string[]>();
        if (min < 1 || min > limit)
        {
            errors["minReplicas"] = [$"Must be between 1 and {limit}."];
        }

        if (max < min || max > limit)
        {
            errors["maxReplicas"] = [$"Must be between minReplicas and {limit}."];
        }

        if (cpu < 10 || cpu > 100)
        {
            errors["targetCpuPercent"] = ["Must be between 10 and 100."];
        }

        return errors.Count > 0
            ? throw new ValidationException(errors) { MessageKey = "Apps.Error.DeployInvalid" }
            : new AppDeploymentSpec(min, max, cpu);
    }

    private static string Trim(string message) => message.Length > MaxMessage ? message[..MaxMessage] : message;
}

public sealed record AppDeploymentInput(int? MinReplicas, int? MaxReplicas, int? TargetCpuPercent);

/// <summary>Configured: Apps:Kubernetes is enabled; Deployment: null when the app is not deployed.</summary>
public sealed record AppDeploymentView(bool Configured, string? Namespace, bool Published, AppDeployment? Deployment)
{
    /// <summary>The scaling a new deployment gets when the form or the API leaves it out (<c>Apps:Kubernetes</c>).</summary>
    public AppDeploymentSpec? Defaults { get; init; }
}
