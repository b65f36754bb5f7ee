using AiPlatform.Core.Access;
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

    [Inject]
    private UserDirectoryLookup Users { get; set; } = default!;

    private readonly HashSet<long> _open = [];
    private readonly IReadOnlyList<string> _actions = AuditLines.Actions;
    private MudDataGrid<AuditEntry>? _grid;
    private IReadOnlyDictionary<EntityRef, string> _names = new Dictionary<EntityRef, string>();
    private string? _search;
    private string? _action;
    private string? _objectType;
    private string? _who;
    private string? _whoError;
    private Guid? _actorId;
    private DateRange? _range;

    private string ExportUrl =>
        $"/api/v1/audit/export.csv?q={Uri.EscapeDataString(_search ?? string.Empty)}&action={Uri.EscapeDataString(_action ?? string.Empty)}&objectType={Uri.EscapeDataString(_objectType ?? string.Empty)}"
        + (_actorId is { } actor ? $"&actorId={actor}" : string.Empty)
        + (From is { } from ? $"&from={Uri.EscapeDataString(from.ToString("o"))}" : string.Empty)
        + (To is { } to ? $"&to={Uri.EscapeDataString(to.ToString("o"))}" : string.Empty);

    /// <summary>The start of the first day picked, in the server's time zone.</summary>
    private DateTimeOffset? From => _range?.Start is { } start ? new DateTimeOffset(start.Date, TimeZoneInfo.Local.GetUtcOffset(start.Date)) : null;

    /// <summary>The start of the day after the last day picked: the range includes its last day.</summary>
    private DateTimeOffset? To => _range?.End is { } end ? new DateTimeOffset(end.Date.AddDays(1), TimeZoneInfo.Local.GetUtcOffset(end.Date.AddDays(1))) : null;

    private async Task<GridData<AuditEntry>> LoadAsync(GridState<AuditEntry> state, CancellationToken ct)
    {
        if (_whoError is not null)
        {
            return new GridData<AuditEntry> { Items = [], TotalItems = 0 };
        }

        var page = await Audit.QueryAsync(new AuditQuery(_search, _action, _objectType, ActorId: _actorId, From: From, To: To, Page: new PageRequest(state.Page, state.PageSize)), ct);
        _names = await Audit.NamesAsync(page.Items, ct);
        return new GridData<AuditEntry> { Items = page.Items, TotalItems = page.TotalCount };
    }

    /// <summary>"Who" is a user name: filter by that account (a name nobody has says so rather than matching nothing silently).</summary>
    private async Task OnWhoAsync(string? who)
    {
        _who = who;
        _whoError = null;
        _actorId = null;
        if (!string.IsNullOrWhiteSpace(who))
        {
            _actorId = await Users.FindIdAsync(who, PageToken);
            _whoError = _actorId is null ? L["Audit.UnknownActor", who.Trim()].Value : null;
        }

        await ReloadAsync();
    }

    private async Task FilterAsync(Action set)
    {
        set();
        await ReloadAsync();
    }

    private async Task ClearFiltersAsync()
    {
        _search = _action = _objectType = _who = _whoError = null;
        _actorId = null;
        _range = null;
        await ReloadAsync();
    }

    private void Toggle(long id)
    {
        if (!_open.Remove(id))
        {
            _open.Add(id);
        }
    }

    private Task ReloadAsync() => _grid?.ReloadServerData() ?? Task.CompletedTask;
}
