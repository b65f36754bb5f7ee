using Blazor.Diagrams.Core.Models;
using Blazor.Diagrams.Core.Models.Base;

namespace AiPlatform.Web.Features.Apps;

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
