using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace AiPlatform.Web.Features.Apps;

/// <summary>The editor's deploy tab (Manage): deploy the published app to Kubernetes with its scaling, see ready replicas, remove; says why when Apps:Kubernetes is not configured.</summary>
public partial class AppDeploymentPanel : PlatformPage
{
    private AppDeploymentView? _view;
    private int _min = 1;
    private int _max = 3;
    private int _cpu = 70;
    private bool _busy;
    private bool _removeFailed;

    [Parameter, EditorRequired]
    public App App { get; set; } = default!;

    [Parameter]
    public PermissionLevel Level { get; set; }

    [Inject]
    private AppDeploymentService Deployments { get; set; } = default!;

    private bool CanManage => Level >= PermissionLevel.Manage;

    protected override Task OnInitializedAsync() => CanManage ? RunAsync(LoadAsync) : Task.CompletedTask;

    private async Task LoadAsync(CancellationToken ct)
    {
        _view = await Deployments.GetAsync(App.Id, ct);
        if (_view.Deployment is { } d)
        {
            (_min, _max, _cpu) = (d.MinReplicas, d.MaxReplicas, d.TargetCpuPercent);
        }
        else if (_view.Defaults is { } defaults)
        {
            // The operator's defaults (Apps:Kubernetes), not the form's own.
            (_min, _max, _cpu) = (defaults.MinReplicas, Math.Max(defaults.MinReplicas, defaults.MaxReplicas), defaults.TargetCpuPercent);
        }
    }

    private Task RefreshAsync() => Busy(LoadAsync);

    private Task DeployAsync() => Busy(async ct =>
    {
        try
        {
            _view = await Deployments.DeployAsync(App.Id, new AppDeploymentInput(_min, _max, _cpu), ct);
            Snackbar.Add(L["Apps.Deploy.Started"], Severity.Success);
        }
        finally
        {
            // A refused deploy is recorded as Failed with the cluster's reason: show it.
            _view = await Deployments.GetAsync(App.Id, ct);
        }
    });

    private Task UndeployAsync() => RemoveAsync(force: false);

    /// <summary>After the cluster refused (or could not be reached) to remove the runner: forget the deployment anyway.</summary>
    private Task ForgetAsync() => RemoveAsync(force: true);

    private Task RemoveAsync(bool force) => Busy(async ct =>
    {
        try
        {
            await Deployments.UndeployAsync(App.Id, force, ct);
            _removeFailed = false;
        }
        catch (Core.Common.ConflictException)
        {
            _removeFailed = true;
            throw;
        }

        _view = await Deployments.GetAsync(App.Id, ct);
        Snackbar.Add(L[force ? "Apps.Deploy.Forgotten" : "Apps.Deploy.Removed"], Severity.Success);
    });

    private async Task Busy(Func<CancellationToken, Task> action)
    {
        _busy = true;
        try
        {
            await RunAsync(action);
        }
        finally
        {
            _busy = false;
        }
    }

    private static Color StatusColor(AppDeploymentStatus status) => status switch
    {
        AppDeploymentStatus.Ready => Color.Success,
        AppDeploymentStatus.Failed => Color.Error,
        _ => Color.Info,
    };
}
