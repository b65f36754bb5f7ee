using AiPlatform.Core.Apps;
using Blazor.Diagrams.Core.Geometry;
using Blazor.Diagrams.Core.Models;
using Blazor.Diagrams.Core.Models.Base;
using Microsoft.AspNetCore.Components.Web;

namespace AiPlatform.Web.Features.Apps;

/// <summary>Edits made on the canvas and the palette (nodes moved, added, removed, links drawn, selection, undo/redo, bodies) turned into changes of the graph.</summary>
public partial class AppEditorPage
{
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
}
