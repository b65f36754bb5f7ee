using AiPlatform.Core.Training;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace AiPlatform.Web.Features.Training;

public partial class TrainingRunsPage : LivePage
{
    private MudDataGrid<TrainingRun>? _grid;
    private string? _search;
    private TrainingStatus? _status;

    protected override TimeSpan Interval => TimeSpan.FromSeconds(3);

    private async Task<GridData<TrainingRun>> LoadAsync(GridState<TrainingRun> state, CancellationToken ct)
    {
        var (items, total) = await Training.ListAsync(new TrainingQuery(null, null, _status, _search, state.Page * state.PageSize, state.PageSize), ct);
        return new GridData<TrainingRun> { Items = items, TotalItems = total };
    }

    private async Task ReloadAsync(Action change)
    {
        change();
        await (_grid?.ReloadServerData() ?? Task.CompletedTask);
    }

    protected override Task RefreshAsync(CancellationToken ct) => _grid?.ReloadServerData() ?? Task.CompletedTask;

    [Inject]
    private TrainingService Training { get; set; } = default!;
}
