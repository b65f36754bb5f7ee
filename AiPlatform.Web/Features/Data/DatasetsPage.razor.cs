using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace AiPlatform.Web.Features.Data;

public partial class DatasetsPage : PlatformPage
{
    [Inject]
    private DatasetService Datasets { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private MudDataGrid<Dataset>? _grid;
    private string? _search;
    private string? _tag;
    private bool _creating;
    private string? _name;
    private string? _description;
    private string? _tags;

    private async Task<GridData<Dataset>> LoadAsync(GridState<Dataset> state, CancellationToken ct)
    {
        var page = await Datasets.ListAsync(_search, _tag, new PageRequest(state.Page, state.PageSize), ct);
        return new GridData<Dataset> { Items = page.Items, TotalItems = page.TotalCount };
    }

    private async Task FilterAsync(Action set)
    {
        set();
        await (_grid?.ReloadServerData() ?? Task.CompletedTask);
    }

    private Task ClearFiltersAsync() => FilterAsync(() => (_search, _tag) = (null, null));

    private Task CreateAsync() => RunAsync(async ct =>
    {
        var tags = (_tags ?? string.Empty).Split([',', ' '], StringSplitOptions.RemoveEmptyEntries);
        var dataset = await Datasets.CreateAsync(_name ?? string.Empty, _description, tags, ct);
        _creating = false;
        Navigation.NavigateTo($"/datasets/{dataset.Id}");
    });
}
