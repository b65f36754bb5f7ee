using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Common;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using MudBlazor;

namespace AiPlatform.Web.Features.Apps;

/// <summary>An app's runs, newest first (all of them for editors, one's own for a Read grantee): status, version or draft, source, caller, time, tokens.</summary>
public partial class AppRunsPanel : PlatformPage
{
    private readonly Dictionary<Guid, string> _names = [];
    private MudTable<AppRun>? _table;
    private bool _draftOnly;

    [Parameter, EditorRequired]
    public Guid AppId { get; set; }

    [Inject]
    private AppRunService Runs { get; set; } = default!;

    [Inject]
    private IUserDirectory Users { get; set; } = default!;

    private async Task<TableData<AppRun>> LoadAsync(TableState state, CancellationToken ct)
    {
        try
        {
            var page = await Runs.ListAsync(AppId, null, null, _draftOnly, new PageRequest(state.Page, state.PageSize), PageToken);
            foreach (var id in page.Items.Select(r => r.CallerId).Distinct().Where(id => !_names.ContainsKey(id)))
            {
                _names[id] = (await Users.FindAsync(id, PageToken))?.UserName ?? "?";
            }

            return new TableData<AppRun> { Items = page.Items, TotalItems = page.TotalCount };
        }
        catch (PlatformException e)
        {
            Snackbar.Add(L.Describe(e), Severity.Error);
            return new TableData<AppRun> { Items = [], TotalItems = 0 };
        }
        catch (OperationCanceledException) when (PageToken.IsCancellationRequested)
        {
            return new TableData<AppRun> { Items = [], TotalItems = 0 };
        }
    }

    internal Task ReloadAsync() => _table?.ReloadServerData() ?? Task.CompletedTask;

    private Task DraftOnlyChanged(bool draftOnly)
    {
        _draftOnly = draftOnly;
        return ReloadAsync();
    }

    public static Color StatusColor(AppRunStatus status) => status switch
    {
        AppRunStatus.Succeeded => Color.Success,
        AppRunStatus.Failed => Color.Error,
        AppRunStatus.Cancelled => Color.Warning,
        _ => Color.Info,
    };

    public static string SourceKey(string source) => $"Apps.Source.{source}";
}
