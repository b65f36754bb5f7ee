namespace AiPlatform.Core.Apps;

/// <summary>
/// One thing wrong with a graph: the node (or edge) it is about, a resource key (<c>Apps.Error.*</c>) with its
/// arguments for the localized text, and the English message.
/// </summary>
public sealed record AppGraphProblem(string? NodeId, AppEdge? Edge, string Key, IReadOnlyList<string> Arguments, string Message)
{
    /// <summary>The problem as the exception publish and runs throw (<c>graph</c> field, the key and arguments kept).</summary>
    public Common.ValidationException ToException() =>
        new(NodeId is null ? "graph" : $"nodes.{NodeId}", Message) { MessageKey = Key, MessageArguments = [.. Arguments] };
}
