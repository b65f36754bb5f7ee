using AiPlatform.Core.Training.Hpo;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace AiPlatform.Web.Features.Training;

public partial class StudiesPage : LivePage
{
    private MudDataGrid<Study>? _grid;

    protected override TimeSpan Interval => TimeSpan.FromSeconds(3);

    private async Task<GridData<Study>> LoadAsync(GridState<Study> state, CancellationToken ct)
    {
        var (items, total) = await Studies.ListAsync(null, state.Page * state.PageSize, state.PageSize, ct);
        return new GridData<Study> { Items = items, TotalItems = total };
    }

    protected override Task RefreshAsync(CancellationToken ct) => _grid?.ReloadServerData() ?? Task.CompletedTask;

    [Inject]
    private StudyService Studies { get; set; } = default!;
}
