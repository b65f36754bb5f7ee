using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Common;
using AiPlatform.Web.Components.Shared;
using Blazor.Diagrams;
using Microsoft.AspNetCore.Components;
using Microsoft.JSInterop;

namespace AiPlatform.Web.Features.Apps;

/// <summary>
/// The workbench: the draft graph on a Z.Blazor.Diagrams canvas (never prerendered: its disposal calls JS), a palette,
/// the selected node's settings, validation markers, undo/redo, autosave with the draft's revision, shortcuts, and
/// the run, versions and runs panels.
/// </summary>
public partial class AppEditorPage : PlatformPage
{
    private static readonly TimeSpan AutosaveDelay = TimeSpan.FromMilliseconds(800);

    private App? _app;
    private PermissionLevel _level;
    private bool _notFound;
    private AppEditorState? _state;
    private BlazorDiagram? _diagram;
    private string? _selectedId;
    private bool _rebuilding;
    private string? _dragType;
    private int _tab;
    private IReadOnlyList<AppProblem> _problems = [];
    private SaveState _save = SaveState.Saved;
    private CancellationTokenSource? _autosave;
    private readonly SemaphoreSlim _saving = new(1, 1);
    private IJSObjectReference? _module;
    private DotNetObjectReference<AppEditorPage>? _self;
    private bool _sharing;
    private bool _placed;
    private AppRun? _lastRun;
    private int _revision;
    private AppRunsPanel? _runsPanel;
    private AppMonitoringPanel? _monitoringPanel;

    [Parameter]
    public Guid Id { get; set; }

    [Inject]
    private AppService Apps { get; set; } = default!;

    [Inject]
    private IJSRuntime JS { get; set; } = default!;

    /// <summary>Checks template nodes' Liquid on the canvas, as publishing does.</summary>
    [Inject]
    private ITemplateRenderer Templates { get; set; } = default!;

    [Inject]
    private NavigationManager Navigation { get; set; } = default!;

    // The side tabs in their order in the markup (the editor is shown to Write and above, so every tab is there).
    private const int ProblemsTab = 2;
    private const int RunsTab = 4;
    private const int MonitoringTab = 8;

    private bool CanWrite => _level >= PermissionLevel.Write;

    private bool CanManage => _level >= PermissionLevel.Manage;

    private AppNode? Selected => _selectedId is null ? null : _state?.Current.Find(_selectedId);

    private enum SaveState
    {
        Saved,
        Pending,
        Saving,
        Stale,
        Failed,
    }

    protected override async Task OnInitializedAsync()
    {
        await RunAsync(async ct =>
        {
            try
            {
                (_app, _level) = await Apps.GetAsync(Id, ct);
            }
            catch (NotFoundException)
            {
                _notFound = true;
                return;
            }

            if (!CanWrite)
            {
                // A Read grantee runs the published version (its page) and sees their own runs, never the draft.
                return;
            }

            var draft = await Apps.GetDraftAsync(Id, ct);
            _revision = draft.Revision;
            _state = new AppEditorState(draft.Graph, _app.Kind);
            _state.Changed += OnGraphChanged;
            Validate();
        });
    }

    protected override async Task OnAfterRenderAsync(bool firstRender)
    {
        if (!firstRender && _module is not null && CanWrite)
        {
            await PublishSelectionAsync();
        }

        if (firstRender && RendererInfo.IsInteractive && _state is not null)
        {
            try
            {
                _self = DotNetObjectReference.Create(this);
                _module = await JS.InvokeAsync<IJSObjectReference>("import", "./" + Assets["js/apps.js"]);
                if (_module is not null && CanWrite)
                {
                    await _module.InvokeVoidAsync("attach", _self);
                }
            }
            catch (JSDisconnectedException)
            {
            }
            catch (JSException)
            {
            }
        }
    }

    [JSInvokable]
    public Task OnShortcut(string name) => InvokeAsync(async () =>
    {
        switch (name)
        {
            case "undo":
                Undo();
                break;
            case "redo":
                Redo();
                break;
            case "delete":
                DeleteSelected();
                break;
            case "fit":
                Fit();
                break;
            case "duplicate":
                Duplicate();
                break;
            case "save":
                await SaveNowAsync();
                break;
        }

        StateHasChanged();
    });

    /// <summary>
    /// The panels stay alive between tabs (a run going on keeps going): the runs and monitoring tabs load again when
    /// opened, so a run made since (here, on the app's page, through the API) is there.
    /// </summary>
    private async Task OnTabChangedAsync(int index)
    {
        _tab = index;
        if (index == RunsTab && _runsPanel is not null)
        {
            await _runsPanel.ReloadAsync();
        }
        else if (index == MonitoringTab && _monitoringPanel is not null)
        {
            await _monitoringPanel.RefreshAsync();
        }
    }

    /// <summary>A run (from the run panel) ended or reported progress: its badges go on the canvas.</summary>
    private void OnRunUpdated(AppRun? run)
    {
        _lastRun = run;
        ApplyMarkers(NodeModels);
        StateHasChanged();
    }

    /// <summary>A version was restored into the draft.</summary>
    private async Task OnDraftReplacedAsync()
    {
        await ReloadAsync();
        StateHasChanged();
    }

    protected override void Dispose(bool disposing)
    {
        _autosave?.Cancel();
        if (_save is SaveState.Pending && _state is not null && CanWrite)
        {
            // Leaving the page before the autosave ran: the last change still goes in.
            _ = FlushAsync(_state.Root.Clone(), _revision);
        }

        if (_state is not null)
        {
            _state.Changed -= OnGraphChanged;
        }

        if (_module is not null)
        {
            _ = DetachAsync(_module);
        }

        _self?.Dispose();
    }

    private static async Task DetachAsync(IJSObjectReference module)
    {
        try
        {
            await module.InvokeVoidAsync("detach");
            await module.DisposeAsync();
        }
        catch (JSDisconnectedException)
        {
        }
        catch (JSException)
        {
        }
        catch (TaskCanceledException)
        {
        }
    }
}
