using AiPlatform.Core.Common;
using AiPlatform.Core.Projects;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace AiPlatform.Web.Features.Projects;

public partial class ProjectsPage : PlatformPage
{
    [Inject]
    private ProjectService Projects { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private MudDataGrid<Project>? _grid;
    private string? _search;
    private bool _creating;
    private string? _name;
    private string? _description;
    private string? _git;

    private async Task<GridData<Project>> LoadAsync(GridState<Project> state, CancellationToken ct)
    {
        var page = await Projects.ListAsync(_search, new PageRequest(state.Page, state.PageSize), ct);
        return new GridData<Project> { Items = page.Items, TotalItems = page.TotalCount };
    }

    private async Task OnSearchAsync(string? search)
    {
        _search = search;
        await (_grid?.ReloadServerData() ?? Task.CompletedTask);
    }

    private Task CreateAsync() => RunAsync(async ct =>
    {
        var project = await Projects.CreateAsync(_name ?? string.Empty, _description, _git, ct);
        _creating = false;
        Navigation.NavigateTo($"/projects/{project.Id}");
    });
}
