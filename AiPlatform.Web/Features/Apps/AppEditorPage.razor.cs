using System.Text.Json.Nodes;
using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Common;
using AiPlatform.Web.Components.Shared;
using Blazor.Diagrams;
using Blazor.Diagrams.Core.Anchors;
using Blazor.Diagrams.Core.Behaviors;
using Blazor.Diagrams.Core.Geometry;
using Blazor.Diagrams.Core.Models;
using Blazor.Diagrams.Core.Models.Base;
using Blazor.Diagrams.Core.PathGenerators;
using Blazor.Diagrams.Core.Routers;
using Blazor.Diagrams.Options;
using Microsoft.AspNetCore.Components;
using Microsoft.AspNetCore.Components.Web;
using Microsoft.JSInterop;
using MudBlazor;

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
    private AppRun? _lastRun;
    private int _revision;

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

    /// <summary>The diagram for the graph on the canvas, built once the circuit is interactive.</summary>
    private BlazorDiagram Diagram => _diagram ??= CreateDiagram();

    private BlazorDiagram CreateDiagram()
    {
        var options = new BlazorDiagramOptions { AllowMultiSelection = false };
        options.Zoom.Minimum = 0.2;
        options.Zoom.Maximum = 2.5;
        options.Links.DefaultRouter = new NormalRouter();
        options.Links.DefaultPathGenerator = new SmoothPathGenerator();
        options.Links.DefaultColor = "#8a94a6";
        options.Links.DefaultSelectedColor = "#594ae2";
        options.Links.RequireTarget = true;
        options.Links.Factory = (_, source, target) => new LinkModel(
            source is PortModel port ? new SinglePortAnchor(port) : new ShapeIntersectionAnchor((NodeModel)source), target)
        {
            TargetMarker = LinkMarker.Arrow,
        };
        options.Constraints.ShouldDeleteNode = _ => ValueTask.FromResult(CanWrite);
        options.Constraints.ShouldDeleteLink = _ => ValueTask.FromResult(CanWrite);
        var diagram = new BlazorDiagram(options);
        diagram.UnregisterBehavior<KeyboardShortcutsBehavior>();
        diagram.RegisterComponent<AppNodeModel, AppNodeWidget>();
        diagram.SelectionChanged += OnSelectionChanged;
        diagram.Links.Added += OnLinkAdded;
        diagram.Links.Removed += OnLinkRemoved;
        diagram.Nodes.Removed += OnNodeRemoved;
        Fill(diagram);
        return diagram;
    }

    /// <summary>Puts the graph on the canvas (after loading, undo/redo, opening a body or a change of ports).</summary>
    private void Rebuild()
    {
        if (_diagram is null)
        {
            return;
        }

        _rebuilding = true;
        try
        {
            _diagram.Batch(() =>
            {
                _diagram.Links.Clear();
                _diagram.Nodes.Clear();
                Fill(_diagram);
            });
        }
        finally
        {
            _rebuilding = false;
        }
    }

    private void Fill(BlazorDiagram diagram)
    {
        if (_state is null)
        {
            return;
        }

        _rebuilding = true;
        try
        {
            var models = new Dictionary<string, AppNodeModel>(StringComparer.Ordinal);
            foreach (var node in _state.Current.Nodes)
            {
                var model = NodeModelOf(node);
                models[node.Id] = model;
                diagram.Nodes.Add(model);
            }

            foreach (var edge in _state.Current.Edges)
            {
                if (models.TryGetValue(edge.Source, out var source) && models.TryGetValue(edge.Target, out var target)
                    && source.Ports.OfType<AppPortModel>().FirstOrDefault(p => !p.IsInput && p.Name == edge.SourcePort) is { } from
                    && target.Ports.OfType<AppPortModel>().FirstOrDefault(p => p.IsInput) is { } to)
                {
                    diagram.Links.Add(new LinkModel(from, to) { TargetMarker = LinkMarker.Arrow });
                }
            }

            ApplyMarkers(models.Values);
            if (_selectedId is not null && models.TryGetValue(_selectedId, out var selected))
            {
                diagram.SelectModel(selected, unselectOthers: true);
            }
            else
            {
                _selectedId = null;
            }
        }
        finally
        {
            _rebuilding = false;
        }
    }

    private AppNodeModel NodeModelOf(AppNode node)
    {
        var descriptor = AppCatalogView.Find(node.Type);
        var model = new AppNodeModel(node, descriptor) { ReadOnly = !CanWrite, Locked = !CanWrite };
        if (descriptor?.HasInput ?? node.Type != AppNodeTypes.Start)
        {
            model.AddPort(new AppPortModel(model, "in", true, 0, 1) { Locked = !CanWrite });
        }

        var ports = AppCatalogView.OutputPorts(node, _state!.Kind);
        for (var i = 0; i < ports.Count; i++)
        {
            model.AddPort(new AppPortModel(model, ports[i], false, i, ports.Count) { Locked = !CanWrite });
        }

        model.Moved += OnNodeMoved;
        return model;
    }

    private IEnumerable<AppNodeModel> NodeModels => _diagram?.Nodes.OfType<AppNodeModel>() ?? [];

    /// <summary>Problems and the last run's badges on the nodes of the canvas.</summary>
    private void ApplyMarkers(IEnumerable<AppNodeModel> models)
    {
        foreach (var model in models)
        {
            model.Problems = [.. _problems.Where(p => p.NodeId == model.Node.Id).Select(p => p.Message)];
            model.Execution = _lastRun is null ? null : Executions(_lastRun).LastOrDefault(e => e.NodeId == model.Node.Id && e.ParentId == ContainerId);
            model.FailedRun = _lastRun?.ErrorNodeId == model.Node.Id;
            model.Refresh();
        }
    }

    private string? ContainerId => _state?.Container?.Id;

    internal static IReadOnlyList<NodeExecution> Executions(AppRun run)
    {
        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<List<NodeExecution>>(run.NodesJson, AppRunService.NodesJson) ?? [];
        }
        catch (System.Text.Json.JsonException)
        {
            return [];
        }
    }

    private void OnNodeMoved(MovableModel moved)
    {
        if (_rebuilding || moved is not AppNodeModel model || !CanWrite || _state is null)
        {
            return;
        }

        var (x, y) = (Math.Round(model.Position.X), Math.Round(model.Position.Y));
        if (model.Node.X.Equals(x) && model.Node.Y.Equals(y))
        {
            return;
        }

        _state.Change(graph =>
        {
            if (graph.Find(model.Node.Id) is { } node)
            {
                (node.X, node.Y) = (x, y);
            }
        });
    }

    private void OnLinkAdded(BaseLinkModel link)
    {
        if (!_rebuilding)
        {
            link.TargetAttached += OnLinkAttached;
        }
    }

    private void OnLinkAttached(BaseLinkModel link)
    {
        if (_state is null || link.Source.Model is not AppPortModel from || link.Target.Model is not AppPortModel to)
        {
            return;
        }

        // Links are drawn from an output to an input; one drawn the other way round is turned into that.
        var reversed = from.IsInput;
        if (reversed)
        {
            (from, to) = (to, from);
        }

        var source = ((AppNodeModel)from.Parent).Node.Id;
        var target = ((AppNodeModel)to.Parent).Node.Id;
        if (!CanWrite || from.IsInput || !to.IsInput || _state.Current.Edges.Any(e => e.Source == source && e.SourcePort == from.Name && e.Target == target))
        {
            _ = InvokeAsync(() => _diagram?.Links.Remove(link));
            return;
        }

        _state.Change(graph => graph.Edges.Add(new AppEdge { Source = source, SourcePort = from.Name, Target = target, TargetPort = AppNodeCatalog.InputPort }));
        _ = InvokeAsync(() =>
        {
            if (reversed)
            {
                Rebuild();
            }

            StateHasChanged();
        });
    }

    private void OnLinkRemoved(BaseLinkModel link)
    {
        if (_rebuilding || _state is null || link.Source.Model is not AppPortModel from || link.Target?.Model is not AppPortModel to)
        {
            return;
        }

        var source = ((AppNodeModel)from.Parent).Node.Id;
        var target = ((AppNodeModel)to.Parent).Node.Id;
        _state.Change(graph => graph.Edges.RemoveAll(e => e.Source == source && e.SourcePort == from.Name && e.Target == target));
    }

    private void OnNodeRemoved(NodeModel removed)
    {
        if (_rebuilding || _state is null || removed is not AppNodeModel model)
        {
            return;
        }

        RemoveNode(model.Node.Id);
    }

    private void RemoveNode(string id)
    {
        _state!.Change(graph =>
        {
            graph.Nodes.RemoveAll(n => n.Id == id);
            graph.Edges.RemoveAll(e => e.Source == id || e.Target == id);
        });
        if (_selectedId == id)
        {
            _selectedId = null;
        }

        _ = InvokeAsync(StateHasChanged);
    }

    private void OnSelectionChanged(SelectableModel model)
    {
        if (_rebuilding)
        {
            return;
        }

        var selected = NodeModels.FirstOrDefault(n => n.Selected);
        if (selected?.Node.Id != _selectedId)
        {
            _selectedId = selected?.Node.Id;
            if (_selectedId is not null)
            {
                _tab = 0;
            }

            _ = InvokeAsync(StateHasChanged);
        }
    }

    /// <summary>Selects a node from outside the canvas (the problem list, a test).</summary>
    private void Select(string nodeId)
    {
        _selectedId = nodeId;
        _tab = 0;
        if (NodeModels.FirstOrDefault(n => n.Node.Id == nodeId) is { } model)
        {
            _diagram!.SelectModel(model, unselectOthers: true);
        }
    }

    private void AddNode(string type, Point? at = null)
    {
        if (_state is null || !CanWrite)
        {
            return;
        }

        var id = _state.NewId(type);
        var position = at ?? NextPosition();
        var node = AppNodeCatalog.NewNode(type, id, Math.Round(position.X), Math.Round(position.Y));

        _state.Change(graph => graph.Nodes.Add(node));
        _selectedId = id;
        _tab = 0;
        Rebuild();
    }

    /// <summary>Where a node added by a click goes: in the middle of what the canvas shows, a little lower for each node already there.</summary>
    private Point NextPosition()
    {
        var nodes = _state!.Current.Nodes;
        if (_diagram?.Container is { Width: > 0 } container)
        {
            var center = _diagram.GetRelativeMousePoint(container.Left + (container.Width / 2) - 90, container.Top + (container.Height / 3));
            var step = nodes.Count % 4 * 40;
            return new Point(center.X + step, center.Y + step);
        }

        return nodes.Count == 0 ? new Point(80, 120) : new Point(nodes.Max(n => n.X) + 260, nodes.Min(n => n.Y) + (nodes.Count % 3 * 110));
    }

    private void OnPaletteDragStart(string type) => _dragType = type;

    /// <summary>Enter or Space on a focused palette item adds the node, as a click does.</summary>
    private void OnPaletteKey(KeyboardEventArgs e, string type)
    {
        if (e.Key is "Enter" or " ")
        {
            AddNode(type);
        }
    }

    private void OnCanvasDrop(DragEventArgs e)
    {
        if (_dragType is not { } type || _diagram?.Container is null)
        {
            return;
        }

        _dragType = null;
        AddNode(type, _diagram.GetRelativeMousePoint(e.ClientX, e.ClientY));
    }

    /// <summary>Called by the graph state after every change: markers, then a debounced save of the draft.</summary>
    private void OnGraphChanged()
    {
        Validate();
        ApplyMarkers(NodeModels);
        if (!CanWrite)
        {
            return;
        }

        _save = SaveState.Pending;
        _autosave?.Cancel();
        _autosave = new CancellationTokenSource();
        var token = _autosave.Token;
        _ = Task.Delay(AutosaveDelay, token).ContinueWith(_ => InvokeAsync(() => SaveAsync()), token, TaskContinuationOptions.OnlyOnRanToCompletion, TaskScheduler.Default);
    }

    private async Task SaveAsync()
    {
        if (_state is null || _app is null || _save is SaveState.Stale || !CanWrite)
        {
            return;
        }

        await _saving.WaitAsync(PageToken);
        try
        {
            if (_save is SaveState.Saved)
            {
                return;
            }

            _save = SaveState.Saving;
            StateHasChanged();
            var json = _state.Root.ToJson();
            try
            {
                _revision = (await Apps.SaveDraftAsync(_app.Id, AppGraph.FromJson(json), _revision, PageToken)).Revision;
                _save = _state.Root.ToJson() == json ? SaveState.Saved : SaveState.Pending;
            }
            catch (ConflictException)
            {
                _save = SaveState.Stale;
            }
            catch (PlatformException e)
            {
                _save = SaveState.Failed;
                Snackbar.Add(L.Describe(e), Severity.Error);
            }
        }
        catch (OperationCanceledException) when (PageToken.IsCancellationRequested)
        {
        }
        finally
        {
            _saving.Release();
        }

        if (_save is SaveState.Pending)
        {
            await SaveAsync();
        }

        StateHasChanged();
    }

    /// <summary>Saves a pending change at once (before a run, which runs the saved draft, and on Ctrl+S).</summary>
    private async Task<bool> SaveNowAsync()
    {
        _autosave?.Cancel();
        if (_save is SaveState.Pending or SaveState.Failed)
        {
            _save = SaveState.Pending;
            await SaveAsync();
        }

        return _save == SaveState.Saved;
    }

    /// <summary>Another editor saved first: load their draft (what was typed here since the last save is dropped, as the message says).</summary>
    private Task ReloadAsync() => RunAsync(async ct =>
    {
        (_app, _level) = await Apps.GetAsync(Id, ct);
        var draft = await Apps.GetDraftAsync(Id, ct);
        _revision = draft.Revision;
        _state!.Reset(draft.Graph);
        _save = SaveState.Saved;
        _selectedId = null;
        Validate();
        Rebuild();
    });

    private void Validate()
    {
        if (_state is not null)
        {
            _problems = AppCatalogView.Validate(_state.Root, _state.Kind, L, Templates.Check);
        }
    }

    private void Undo()
    {
        if (CanWrite && _state!.Undo())
        {
            Rebuild();
        }
    }

    private void Redo()
    {
        if (CanWrite && _state!.Redo())
        {
            Rebuild();
        }
    }

    private void DeleteSelected()
    {
        if (!CanWrite || _diagram is null)
        {
            return;
        }

        if (_selectedId is { } id)
        {
            RemoveNode(id);
            Rebuild();
            return;
        }

        foreach (var link in _diagram.Links.Where(l => l.Selected).ToList())
        {
            _diagram.Links.Remove(link);
        }
    }

    private void ZoomBy(double factor)
    {
        if (_diagram is null)
        {
            return;
        }

        var zoom = Math.Clamp(_diagram.Zoom * factor, _diagram.Options.Zoom.Minimum, _diagram.Options.Zoom.Maximum);
        _diagram.SetZoom(zoom);
    }

    private void Fit() => _diagram?.ZoomToFit(40);

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
            case "save":
                await SaveNowAsync();
                break;
        }

        StateHasChanged();
    });

    private void OpenBody(string nodeId)
    {
        if (_state!.Open(nodeId))
        {
            _selectedId = null;
            Rebuild();
        }
    }

    private void CloseBody(int depth)
    {
        _state!.Close(depth);
        _selectedId = null;
        Rebuild();
    }

    /// <summary>After the side panel changed a node: new ports or a new title need the canvas redrawn.</summary>
    private void OnNodeEdited()
    {
        if (NodeModels.FirstOrDefault(n => n.Node.Id == _selectedId) is { } model && _state?.Current.Find(_selectedId!) is { } node)
        {
            var ports = model.Ports.OfType<AppPortModel>().Where(p => !p.IsInput).Select(p => p.Name);
            if (!ReferenceEquals(model.Node, node) || !ports.SequenceEqual(AppCatalogView.OutputPorts(node, _state.Kind)) || model.Node.Title != node.Title)
            {
                Rebuild();
            }
        }
        else
        {
            Rebuild();
        }

        StateHasChanged();
    }

    private void OnRenamed(string newId)
    {
        _selectedId = newId;
        Rebuild();
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

    private string SaveText => _save switch
    {
        SaveState.Saved => L["Apps.Editor.Saved", _revision],
        SaveState.Pending => L["Apps.Editor.Unsaved"],
        SaveState.Saving => L["Apps.Editor.Saving"],
        SaveState.Stale => L["Apps.Editor.Stale"],
        _ => L["Apps.Editor.SaveFailed"],
    };

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

    private async Task FlushAsync(AppGraph graph, int revision)
    {
        try
        {
            await Apps.SaveDraftAsync(Id, graph, revision, CancellationToken.None);
        }
        catch (PlatformException)
        {
        }
        catch (ObjectDisposedException)
        {
        }
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
