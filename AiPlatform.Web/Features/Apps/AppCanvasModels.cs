using AiPlatform.Core.Apps;
using Blazor.Diagrams.Core.Geometry;
using Blazor.Diagrams.Core.Models;
using Blazor.Diagrams.Core.Models.Base;

namespace AiPlatform.Web.Features.Apps;

/// <summary>A node of the app's graph on the canvas: the graph's node itself, its descriptor, and what the canvas shows on it (run badge, problems).</summary>
public sealed class AppNodeModel : NodeModel
{
    public AppNodeModel(AppNode node, AppNodeDescriptor? descriptor)
        : base(node.Id, new Point(node.X, node.Y))
    {
        Node = node;
        Descriptor = descriptor;
        Title = node.Title;
    }

    public AppNode Node { get; }

    public AppNodeDescriptor? Descriptor { get; }

    /// <summary>The node's last execution in the run shown on the canvas; null before a run.</summary>
    public NodeExecution? Execution { get; set; }

    /// <summary>What the validator found wrong with the node, in the reader's language.</summary>
    public IReadOnlyList<string> Problems { get; set; } = [];

    /// <summary>True when the node failed the run shown on the canvas.</summary>
    public bool FailedRun { get; set; }

    public bool ReadOnly { get; set; }
}

/// <summary>A typed port: <c>in</c> on the left, the node's output ports (<c>out</c>, <c>true</c>, <c>case-0</c>, …) on the right.</summary>
public sealed class AppPortModel(NodeModel parent, string name, bool isInput, int index, int count)
    : PortModel(parent, isInput ? PortAlignment.Left : PortAlignment.Right, null, null)
{
    public string Name { get; } = name;

    public bool IsInput { get; } = isInput;

    /// <summary>The port's place among the node's output ports (to spread them along the node's right side).</summary>
    public int Index { get; } = index;

    public int Count { get; } = count;

    /// <summary>An output port connects to an input port of another node only.</summary>
    public override bool CanAttachTo(ILinkable other) =>
        other is AppPortModel port && base.CanAttachTo(port) && port.IsInput != IsInput && !ReferenceEquals(port.Parent, Parent);
}
