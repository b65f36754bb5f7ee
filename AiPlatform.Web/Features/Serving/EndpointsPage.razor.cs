using AiPlatform.Core.Access;
using AiPlatform.Core.Serving;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace AiPlatform.Web.Features.Serving;

public partial class EndpointsPage : LivePage
{
    [Inject]
    private EndpointReader Endpoints { get; set; } = default!;

    [Inject]
    private AccessService Access { get; set; } = default!;

    private MudDataGrid<ServingEndpoint>? _grid;
    private IReadOnlyDictionary<Guid, string> _modelNames = new Dictionary<Guid, string>();
    private string? _search;
    private bool _canDeploy;

    protected override TimeSpan Interval => TimeSpan.FromSeconds(5);

    protected override async Task OnInitializedAsync() => _canDeploy = await Access.HasCapabilityAsync(Capabilities.ModelsDeploy, PageToken);

    protected override Task RefreshAsync(CancellationToken ct) => _grid?.ReloadServerData() ?? Task.CompletedTask;

    private async Task<GridData<ServingEndpoint>> LoadAsync(GridState<ServingEndpoint> state, CancellationToken ct)
    {
        var (items, total) = await Endpoints.ListAsync(_search, state.Page * state.PageSize, state.PageSize, ct);
        _modelNames = await Endpoints.ModelNamesAsync(items.Select(i => i.ModelId), ct);
        return new GridData<ServingEndpoint> { Items = items, TotalItems = total };
    }

    private async Task OnSearchAsync(string? search)
    {
        _search = search;
        await (_grid?.ReloadServerData() ?? Task.CompletedTask);
    }
}
