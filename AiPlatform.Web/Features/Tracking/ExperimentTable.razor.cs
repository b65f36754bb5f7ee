using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Projects;
using AiPlatform.Core.Tracking;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace AiPlatform.Web.Features.Tracking;

public partial class ExperimentTable : PlatformPage
{
    private MudDataGrid<ExperimentSummary>? _grid;
    private IReadOnlyList<Project> _projects = [];
    private string? _search;
    private bool _showDeleted;
    private bool _creating;
    private bool _canCreate;
    private Guid? _projectId;
    private string? _name;
    private string? _description;

    /// <summary>Only this project's experiments; all readable ones when null.</summary>
    [Parameter]
    public Guid? ProjectId { get; set; }

    /// <summary>Whether the caller may add experiments here (Write on the project); ignored without a project.</summary>
    [Parameter]
    public bool CanCreate { get; set; } = true;

    protected override async Task OnParametersSetAsync() =>
        _canCreate = CanCreate && await Access.HasCapabilityAsync(Capabilities.ExperimentsCreate, PageToken);

    private async Task<GridData<ExperimentSummary>> LoadAsync(GridState<ExperimentSummary> state, CancellationToken ct)
    {
        var page = await Experiments.ListExperimentsAsync(new ExperimentQuery(ProjectId, _search, [], [], _showDeleted ? ViewType.All : ViewType.ActiveOnly, state.Page * state.PageSize, state.PageSize), ct);
        return new GridData<ExperimentSummary> { Items = page.Items, TotalItems = page.Total };
    }

    private async Task ReloadAsync(Action change)
    {
        change();
        await (_grid?.ReloadServerData() ?? Task.CompletedTask);
    }

    private async Task OpenCreateAsync()
    {
        if (ProjectId is null)
        {
            _projects = (await Projects.ListAsync(null, new PageRequest(0, PageRequest.DefaultMaxPageSize), PageToken)).Items;
        }

        _projectId = ProjectId ?? _projects.FirstOrDefault()?.Id;
        _creating = true;
    }

    private async Task CreateAsync()
    {
        if (_projectId is null)
        {
            Snackbar.Add(L["Experiments.ChooseProject"], Severity.Warning);
            return;
        }

        var tags = string.IsNullOrWhiteSpace(_description) ? null : new Dictionary<string, string> { [TrackingLimits.NoteTag] = _description };
        await RunAsync(async ct =>
        {
            var experiment = await Experiments.CreateExperimentAsync(_projectId, _name, tags, ct);
            _creating = false;
            Navigation.NavigateTo($"/experiments/{experiment.Id}");
        });
    }

    [Inject]
    private ExperimentService Experiments { get; set; } = default!;

    [Inject]
    private ProjectService Projects { get; set; } = default!;

    [Inject]
    private AccessService Access { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;
}
