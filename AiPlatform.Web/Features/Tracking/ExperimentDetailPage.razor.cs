using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Tracking;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using MudBlazor;

namespace AiPlatform.Web.Features.Tracking;

public partial class ExperimentDetailPage : PlatformPage
{
    private Experiment? _experiment;
    private PermissionLevel _level;
    private string? _projectName;
    private string? _description;
    private IReadOnlyList<ExperimentTag> _tags = [];
    private bool _notFound;
    private bool _sharing;
    private bool _renaming;
    private bool _showDeleted;
    private string? _newName;
    private string? _newDescription;
    private string? _filterText;
    private string? _appliedFilter;
    private string? _filterError;
    private ExperimentKeys? _keys;
    private List<string> _metricColumns = [];
    private List<string> _paramColumns = [];
    private HashSet<RunDetails> _selected = [];
    private MudTable<RunDetails>? _table;

    [Parameter]
    public Guid Id { get; set; }

    [Inject]
    private ExperimentService Experiments { get; set; } = default!;

    [Inject]
    private RunService Runs { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    [Inject]
    private IDialogService Dialogs { get; set; } = default!;

    /// <summary>An initial filter, e.g. from a link (<c>?filter=...</c>).</summary>
    [SupplyParameterFromQuery(Name = "filter")]
    public string? InitialFilter { get; set; }

    protected override async Task OnParametersSetAsync()
    {
        try
        {
            (_experiment, _level) = await Experiments.GetExperimentAsync(Id, PageToken);
            _projectName = await Experiments.GetProjectNameAsync(_experiment.ProjectId, PageToken);
            var tags = await Experiments.GetExperimentTagsAsync(Id, PageToken);
            _description = tags.FirstOrDefault(t => t.Key == TrackingLimits.NoteTag)?.Value;
            _tags = tags.Where(t => t.Key != TrackingLimits.NoteTag && !t.Key.StartsWith("mlflow.", StringComparison.Ordinal)).ToList();
            _keys = await Experiments.ListKeysAsync(Id, PageToken);
            _metricColumns = _keys.Metrics.Take(4).ToList();
            _paramColumns = _keys.Params.Take(3).ToList();
            _filterText = _appliedFilter = InitialFilter;
        }
        catch (NotFoundException)
        {
            _notFound = true;
        }
    }

    private async Task<TableData<RunDetails>> LoadRunsAsync(TableState state, CancellationToken ct)
    {
        try
        {
            var order = string.IsNullOrEmpty(state.SortLabel) || state.SortDirection == SortDirection.None
                ? Array.Empty<string>()
                : [$"{state.SortLabel} {(state.SortDirection == SortDirection.Descending ? "DESC" : "ASC")}"];
            var view = _showDeleted ? ViewType.All : ViewType.ActiveOnly;
            var page = await Runs.SearchRunsAsync([Id], _appliedFilter, order, view, state.Page * state.PageSize, state.PageSize, ct);
            var total = await Runs.CountRunsAsync([Id], _appliedFilter, view, ct);
            _filterError = null;
            return new TableData<RunDetails> { Items = page.Runs, TotalItems = total };
        }
        catch (ValidationException ex)
        {
            _filterError = string.Join(" ", ex.Errors.SelectMany(e => e.Value));
            return new TableData<RunDetails> { Items = [], TotalItems = 0 };
        }
    }

    private static string SortKey(string prefix, string key) => key.All(c => char.IsLetterOrDigit(c) || c is '_' or '.' or '-' or '/' or ':') ? $"{prefix}.{key}" : $"{prefix}.`{key}`";

    private async Task OnFilterKeyAsync(KeyboardEventArgs e)
    {
        if (e.Key == "Enter")
        {
            await ApplyFilterAsync();
        }
    }

    private async Task ApplyFilterAsync()
    {
        _appliedFilter = _filterText;
        await ReloadAsync();
    }

    private async Task ReloadAsync()
    {
        _selected = [];
        await (_table?.ReloadServerData() ?? Task.CompletedTask);
    }

    private void Compare() => Navigation.NavigateTo($"/runs/compare?ids={string.Join(',', _selected.Select(r => r.Run.Id))}");

    private async Task SetStageAsync(LifecycleStage stage)
    {
        if (await RunAsync(async ct =>
        {
            await Experiments.SetExperimentLifecycleAsync(Id, stage, ct);
            (_experiment, _level) = await Experiments.GetExperimentAsync(Id, ct);
        }))
        {
            Snackbar.Add(L[stage == LifecycleStage.Deleted ? "Common.Deleted" : "Experiments.Restored"], Severity.Info);
        }
    }

    private async Task PurgeAsync()
    {
        if (await Dialogs.ShowMessageBoxAsync(L["Experiments.Purge"], L["Experiments.PurgeConfirm", _experiment!.Name], yesText: L["Experiments.Purge"], cancelText: L["Common.Cancel"]) != true)
        {
            return;
        }

        if (await RunAsync(ct => Experiments.PurgeExperimentAsync(Id, ct)))
        {
            Snackbar.Add(L["Common.Deleted"], Severity.Info);
            Navigation.NavigateTo($"/projects/{_experiment.ProjectId}");
        }
    }

    private async Task SaveAsync()
    {
        var saved = await RunAsync(async ct =>
        {
            if (!string.IsNullOrWhiteSpace(_newName) && _newName != _experiment!.Name)
            {
                await Experiments.RenameExperimentAsync(Id, _newName, ct);
            }

            if ((_newDescription ?? string.Empty) != (_description ?? string.Empty))
            {
                await Experiments.SetExperimentTagAsync(Id, TrackingLimits.NoteTag, _newDescription ?? string.Empty, ct);
            }
        });
        if (saved)
        {
            _renaming = false;
            await OnParametersSetAsync();
            Snackbar.Add(L["Common.Saved"], Severity.Success);
        }
    }

    protected override void OnAfterRender(bool firstRender)
    {
        if (firstRender || (_renaming && _newName is null))
        {
            _newName = _experiment?.Name;
            _newDescription = _description;
        }
    }
}
