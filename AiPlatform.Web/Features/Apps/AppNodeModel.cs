using AiPlatform.Core.Apps;
using Blazor.Diagrams.Core.Geometry;
using Blazor.Diagrams.Core.Models;

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
