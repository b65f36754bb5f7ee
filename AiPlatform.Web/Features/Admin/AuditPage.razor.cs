using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace AiPlatform.Web.Features.Admin;

public partial class AuditPage : PlatformPage
{
    [Inject]
    private AuditService Audit { get; set; } = default!;

    private MudDataGrid<AuditEntry>? _grid;
    private string? _search;
    private string? _action;
    private string? _objectType;

    private string ExportUrl =>
        $"/api/v1/audit/export.csv?q={Uri.EscapeDataString(_search ?? string.Empty)}&action={Uri.EscapeDataString(_action ?? string.Empty)}&objectType={Uri.EscapeDataString(_objectType ?? string.Empty)}";

    private async Task<GridData<AuditEntry>> LoadAsync(GridState<AuditEntry> state, CancellationToken ct)
    {
        var page = await Audit.QueryAsync(new AuditQuery(_search, _action, _objectType, Page: new PageRequest(state.Page, state.PageSize)), ct);
        return new GridData<AuditEntry> { Items = page.Items, TotalItems = page.TotalCount };
    }

    private async Task FilterAsync(Action set)
    {
        set();
        await (_grid?.ReloadServerData() ?? Task.CompletedTask);
    }
}
