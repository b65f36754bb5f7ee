using AiPlatform.Core.Data;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace AiPlatform.Web.Features.Data;

public partial class DataSourcesPage : PlatformPage
{
    [Inject]
    private DataSourceService Sources { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    private IReadOnlyList<DataSource> _sources = [];
    private bool _creating;
    private DataSourceForm? _form;

    protected override async Task OnInitializedAsync() => _sources = await Sources.ListAsync(PageToken);

    private Task CreateAsync() => RunAsync(async ct =>
    {
        var source = await Sources.CreateAsync(_form!.Input, ct);
        Navigation.NavigateTo($"/data-sources/{source.Id}");
    });
}
