using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Core.Registry;
using AiPlatform.Core.Serving;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace AiPlatform.Web.Features.Serving;

public partial class EndpointPage : LivePage
{
    [Inject]
    private DeploymentService Deployments { get; set; } = default!;

    [Inject]
    private EndpointReader Endpoints { get; set; } = default!;

    [Inject]
    private RegistryService Registry { get; set; } = default!;

    [Inject]
    private DatasetService Datasets { get; set; } = default!;

    [Inject]
    private ServingMetrics Metrics { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private EndpointView? _view;
    private bool _notFound;
    private bool _sharing;
    private int _tab;
    private string _window = "1h";
    private IReadOnlyList<EndpointEvent> _events = [];
    private IReadOnlyList<ServingSummary> _summary = [];
    private IReadOnlyList<ServingPoint> _series = [];
    private IReadOnlyList<Dataset> _datasets = [];
    private List<(string Value, string Label)> _targets = [];
    private EndpointSettings _settings = new(0, 0, 2000, 1, true, 0, null, null);

    [Parameter]
    public Guid Id { get; set; }

    private string BaseUrl => Navigation.BaseUri;

    protected override TimeSpan Interval => TimeSpan.FromSeconds(5);

    protected override async Task OnParametersSetAsync()
    {
        await LoadAsync(full: true);
    }

    protected override async Task RefreshAsync(CancellationToken ct)
    {
        if (!_notFound)
        {
            await LoadAsync(full: false);
        }
    }

    private async Task LoadAsync(bool full)
    {
        try
        {
            _view = await Endpoints.GetAsync(Id, PageToken);
            _events = await Endpoints.ListEventsAsync(Id, PageToken);
            var window = _window == "1d" ? TimeSpan.FromDays(1) : TimeSpan.FromHours(1);
            _summary = Metrics.Summary(_view.Endpoint.Name, window);
            _series = Metrics.Series(_view.Endpoint.Name, window);
            if (full)
            {
                var e = _view.Endpoint;
                _settings = new EndpointSettings(e.Threads, e.MaxBatchSize, e.MaxQueueDelayMicroseconds, e.Replicas, e.RollOnAliasMove, e.PayloadLogPercent, e.PayloadDatasetId, e.Description);
                if (_view.Level >= PermissionLevel.Write)
                {
                    _datasets = (await Datasets.ListAsync(null, null, new PageRequest(0, 500), PageToken)).Items;
                    await LoadTargetsAsync(e.ModelId);
                }
            }
        }
        catch (NotFoundException)
        {
            _notFound = true;
        }
    }

    private async Task LoadTargetsAsync(Guid modelId)
    {
        _targets = [];
        try
        {
            _targets = DeployTargets.Of(await Registry.GetModelAsync(modelId, PageToken), L);
        }
        catch (NotFoundException)
        {
            // The caller may change the endpoint but not read the model: versions can still be typed through the API.
        }
    }

    /// <summary>Runs a change, then shows "saved" and reloads the endpoint.</summary>
    private async Task SaveAsync(Func<CancellationToken, Task> action)
    {
        if (await RunAsync(action, success: L["Common.Saved"]))
        {
            await LoadAsync(full: true);
        }
    }

    private async Task DeleteAsync()
    {
        if (await RunAsync(ct => Deployments.DeleteAsync(Id, ct)))
        {
            Navigation.NavigateTo("/endpoints");
        }
    }
}
