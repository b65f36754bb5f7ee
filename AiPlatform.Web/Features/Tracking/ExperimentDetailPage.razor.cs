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
    private int _tab;
    private bool _isTraceExperiment;
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
    private bool _showSnippet;
    private readonly HashSet<Guid> _expanded = [];
    private Dictionary<Guid, int> _childCount = [];
    private HashSet<Guid> _nested = [];
    private Dictionary<Guid, Run> _onPage = [];

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
            _isTraceExperiment = tags.Any(t => t.Key == Core.Tracing.TraceService.SystemTag && t.Value == Core.Tracing.TraceService.SystemTagValue);
            _tab = _isTraceExperiment ? 1 : 0; // a user's LLM-traces experiment holds traces, not runs
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
            return new TableData<RunDetails> { Items = Nest(page.Runs), TotalItems = total };
        }
        catch (ValidationException ex)
        {
            _filterError = string.Join(" ", ex.Errors.SelectMany(e => e.Value));
            return new TableData<RunDetails> { Items = [], TotalItems = 0 };
        }
    }

    /// <summary>The experiment's training wizard link, with this experiment chosen.</summary>
    private string TrainHref => $"/training/new?experiment={Id}";

    /// <summary>
    /// Orders a page MLflow-style: each run whose parent (<c>mlflow.parentRunId</c>) is on the page follows its parent,
    /// and the parents remember how many children they hold; runs whose parent is elsewhere stay where they are.
    /// </summary>
    internal IReadOnlyList<RunDetails> Nest(IReadOnlyList<RunDetails> runs)
    {
        _onPage = runs.ToDictionary(r => r.Run.Id, r => r.Run);
        var onPage = _onPage.Keys.ToHashSet();
        var children = runs.Where(r => r.Run.ParentRunId is { } p && onPage.Contains(p)).GroupBy(r => r.Run.ParentRunId!.Value).ToDictionary(g => g.Key, g => g.ToList());
        _childCount = children.ToDictionary(c => c.Key, c => c.Value.Count);
        _nested = children.SelectMany(c => c.Value).Select(r => r.Run.Id).ToHashSet();
        var ordered = new List<RunDetails>(runs.Count);
        void Add(RunDetails run, int depth)
        {
            ordered.Add(run);
            if (depth < 8 && children.TryGetValue(run.Run.Id, out var list))
            {
                foreach (var child in list)
                {
                    Add(child, depth + 1);
                }
            }
        }

        foreach (var run in runs.Where(r => !_nested.Contains(r.Run.Id)))
        {
            Add(run, 0);
        }

        // A cycle of parents (not possible through the API, but cheap to survive) would leave runs out: keep them.
        ordered.AddRange(runs.Where(r => !ordered.Contains(r)));
        return ordered;
    }

    private bool IsNested(Run run) => _nested.Contains(run.Id);

    /// <summary>Nested runs show only while their parent is open (and every ancestor above it).</summary>
    private string? RowStyle(RunDetails run, int index) => IsNested(run.Run) && !Visible(run.Run) ? "display: none" : null;

    private bool Visible(Run run)
    {
        var current = run;
        for (var depth = 0; depth < 8 && _nested.Contains(current.Id) && current.ParentRunId is { } parent; depth++)
        {
            if (!_expanded.Contains(parent) || !_onPage.TryGetValue(parent, out var up))
            {
                return _expanded.Contains(parent);
            }

            current = up;
        }

        return true;
    }

    private void Toggle(Guid id)
    {
        if (!_expanded.Remove(id))
        {
            _expanded.Add(id);
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
