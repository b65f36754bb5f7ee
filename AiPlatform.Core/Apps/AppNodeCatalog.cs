namespace AiPlatform.Core.Apps;

/// <summary>
/// The descriptors of every node type (palette, side panel, validation), and the ports and outputs of a given node
/// (switch cases, classifier classes, the start node's fields, extractor parameters are per node).
/// </summary>
public static partial class AppNodeCatalog
{
}
