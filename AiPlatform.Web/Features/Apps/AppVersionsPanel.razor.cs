using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace AiPlatform.Web.Features.Apps;

/// <summary>Publishing (Manage), the versions with their messages, a diff of two versions (or a version and the draft), restore into the draft (Write), roll back (Manage) and YAML export.</summary>
public partial class AppVersionsPanel : PlatformPage
{
    /// <summary>The draft as the second side of a diff.</summary>
    private const int Draft = 0;

    private IReadOnlyList<AppVersion> _versions = [];
    private readonly Dictionary<Guid, string> _names = [];
    private string? _message;
    private int _from;
    private int _to = Draft;
    private AppGraphDiff? _diff;
    private bool _busy;

    [Parameter, EditorRequired]
    public App App { get; set; } = default!;

    [Parameter]
    public PermissionLevel Level { get; set; }

    [Parameter]
    public IReadOnlyList<AppProblem> Problems { get; set; } = [];

    /// <summary>Saves a pending draft change first (publishing publishes the saved draft).</summary>
    [Parameter, EditorRequired]
    public Func<Task<bool>> SaveNow { get; set; } = default!;

    /// <summary>A version was restored: the page reloads the draft.</summary>
    [Parameter]
    public EventCallback OnDraftReplaced { get; set; }

    [Inject]
    private AppVersionService Versions { get; set; } = default!;

    [Inject]
    private AppService Apps { get; set; } = default!;

    [Inject]
    private IUserDirectory Users { get; set; } = default!;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    private bool CanManage => Level >= PermissionLevel.Manage;

    protected override Task OnInitializedAsync() => RunAsync(LoadAsync);

    private async Task LoadAsync(CancellationToken ct)
    {
        _versions = await Versions.ListAsync(App.Id, ct);
        foreach (var id in _versions.Select(v => v.CreatedBy).Distinct().Where(id => !_names.ContainsKey(id)))
        {
            _names[id] = (await Users.FindAsync(id, ct))?.UserName ?? "?";
        }

        if (_from == 0 && _versions.Count > 0)
        {
            _from = _versions.Max(v => v.Number);
        }
    }

    private Task PublishAsync() => Busy(async ct =>
    {
        if (!await SaveNow())
        {
            return;
        }

        var version = await Versions.PublishAsync(App.Id, _message, ct);
        App.PublishedVersionId = version.Id;
        App.PublishedAt = version.CreatedAt;
        _message = null;
        await LoadAsync(ct);
        Snackbar.Add(L["Apps.Versions.Published", version.Number], MudBlazor.Severity.Success);
    });

    private Task RestoreAsync(AppVersion version) => Busy(async ct =>
    {
        await Versions.RestoreAsync(App.Id, version.Number, ct);
        await OnDraftReplaced.InvokeAsync();
        Snackbar.Add(L["Apps.Versions.Restored", version.Number], MudBlazor.Severity.Success);
    });

    private Task RollbackAsync(AppVersion version) => Busy(async ct =>
    {
        var app = await Versions.RollbackAsync(App.Id, version.Number, ct);
        App.PublishedVersionId = app.PublishedVersionId;
        App.PublishedAt = app.PublishedAt;
        Snackbar.Add(L["Apps.Versions.RolledBack", version.Number], MudBlazor.Severity.Success);
    });

    private Task CompareAsync() => Busy(async ct =>
    {
        _diff = await Versions.DiffAsync(App.Id, _from, _to == Draft ? null : _to, ct);
    });

    private Task ExportAsync(int? version) => Busy(async ct =>
    {
        if (version is null && !await SaveNow())
        {
            return;
        }

        var (fileName, contentType, content) = await Apps.ExportAsync(App.Id, version, ct);
        try
        {
            var module = await JS.InvokeAsync<IJSObjectReference>("import", ct, "./" + Assets["js/apps.js"]);
            if (module is not null)
            {
                await module.InvokeVoidAsync("download", ct, fileName, content, contentType);
                await module.DisposeAsync();
            }
        }
        catch (JSException)
        {
        }
    });

    private async Task Busy(Func<CancellationToken, Task> action)
    {
        _busy = true;
        try
        {
            await RunAsync(action);
        }
        finally
        {
            _busy = false;
        }
    }

    private string SideName(int number) => number == Draft ? L["Apps.Versions.DraftSide"] : L["Apps.Versions.Number", number];
}
