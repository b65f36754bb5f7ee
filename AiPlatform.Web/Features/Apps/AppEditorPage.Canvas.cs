using AiPlatform.Core.Apps;
using Blazor.Diagrams;
using Blazor.Diagrams.Core.Anchors;
using Blazor.Diagrams.Core.Behaviors;
using Blazor.Diagrams.Core.Models;
using Blazor.Diagrams.Core.PathGenerators;
using Blazor.Diagrams.Core.Routers;
using Blazor.Diagrams.Options;

namespace AiPlatform.Web.Features.Apps;

/// <summary>The canvas: the draft's current graph (or the body open) drawn as a diagram, with problems and the last run's badges on its nodes, and zoom.</summary>
public partial class AppEditorPage
{
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
        diagram.ContainerChanged += OnContainerChanged;
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

    /// <summary>
    /// Once the canvas knows its size, a graph that does not fit it (a narrow window, the menu open) is zoomed out and
    /// moved so that every node starts in sight; one that fits stays at 100 %. Node sizes are estimated: they are only
    /// measured after they are drawn.
    /// </summary>
    private void OnContainerChanged()
    {
        const double margin = 30, nodeWidth = 230, nodeHeight = 80;
        if (_placed || _diagram?.Container is not { Width: > 0, Height: > 0 } container || _state is not { Current.Nodes.Count: > 0 })
        {
            return;
        }

        _placed = true;
        var nodes = _state.Current.Nodes;
        var (left, top) = (nodes.Min(n => n.X), nodes.Min(n => n.Y));
        var (right, bottom) = (nodes.Max(n => n.X) + nodeWidth, nodes.Max(n => n.Y) + nodeHeight);
        if (left >= 0 && top >= 0 && right <= container.Width && bottom <= container.Height)
        {
            return;
        }

        var zoom = Math.Clamp(Math.Min((container.Width - (2 * margin)) / (right - left), (container.Height - (2 * margin)) / (bottom - top)), _diagram.Options.Zoom.Minimum, 1);
        _diagram.SetZoom(zoom);
        _diagram.SetPan(margin - (left * zoom), margin - (top * zoom));
    }
}
