using AiPlatform.Core.Access;
using AiPlatform.Core.Registry;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace AiPlatform.Web.Features.Registry;

public partial class ModelsPage : PlatformPage
{
    [Inject]
    private RegistryService Registry { get; set; } = default!;

    [Inject]
    private AccessService Access { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private MudDataGrid<RegisteredModel>? _grid;
    private string? _search;
    private bool _creating;
    private bool _canCreate;
    private string? _name;
    private string? _description;

    protected override async Task OnInitializedAsync() => _canCreate = await Access.HasCapabilityAsync(Capabilities.ModelsCreate, PageToken);

    private async Task<GridData<RegisteredModel>> LoadAsync(GridState<RegisteredModel> state, CancellationToken ct)
    {
        var (items, total) = await Registry.ListModelsAsync(_search, state.Page * state.PageSize, state.PageSize, ct);
        return new GridData<RegisteredModel> { Items = items, TotalItems = total };
    }

    private async Task OnSearchAsync(string? search)
    {
        _search = search;
        await (_grid?.ReloadServerData() ?? Task.CompletedTask);
    }

    private async Task CreateAsync()
    {
        RegisteredModel? model = null;
        if (await RunAsync(async ct => model = await Registry.CreateModelAsync(_name, _description, null, ct)))
        {
            Navigation.NavigateTo($"/models/{model!.Id}");
        }
    }
}
