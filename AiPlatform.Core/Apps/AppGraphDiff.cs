using System.Text.Json.Nodes;

namespace AiPlatform.Core.Apps;

/// <summary>What changed between two graphs (two versions, or a version and the draft).</summary>
public sealed record AppGraphDiff(
    IReadOnlyList<AppNodeChange> AddedNodes,
    IReadOnlyList<AppNodeChange> RemovedNodes,
    IReadOnlyList<AppNodeChange> ChangedNodes,
    IReadOnlyList<AppEdge> AddedEdges,
    IReadOnlyList<AppEdge> RemovedEdges)
{
    public bool IsEmpty => AddedNodes.Count + RemovedNodes.Count + ChangedNodes.Count + AddedEdges.Count + RemovedEdges.Count == 0;

    /// <summary>
    /// Compares by node id. A node is changed when its type, title, settings, error policy or time limit differ (a move
    /// on the canvas is not a change); <see cref="AppNodeChange.Settings"/> names the settings that differ (top-level keys
    /// of the config, plus <c>type</c>, <c>title</c>, <c>onError</c> and <c>timeoutSeconds</c>). Edges compare by both ends and ports.
    /// </summary>
    public static AppGraphDiff Compare(AppGraph from, AppGraph to)
    {
        var before = from.Nodes.GroupBy(n => n.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var after = to.Nodes.GroupBy(n => n.Id, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.First(), StringComparer.Ordinal);
        var added = to.Nodes.Where(n => !before.ContainsKey(n.Id)).Select(n => new AppNodeChange(n.Id, n.Type, n.Title, [])).ToList();
        var removed = from.Nodes.Where(n => !after.ContainsKey(n.Id)).Select(n => new AppNodeChange(n.Id, n.Type, n.Title, [])).ToList();
        var changed = new List<AppNodeChange>();
        foreach (var node in to.Nodes.Where(n => before.ContainsKey(n.Id)))
        {
            var settings = ChangedSettings(before[node.Id], node);
            if (settings.Count > 0)
            {
                changed.Add(new AppNodeChange(node.Id, node.Type, node.Title, settings));
            }
        }

        var fromEdges = from.Edges.Select(Key).ToHashSet();
        var toEdges = to.Edges.Select(Key).ToHashSet();
        return new AppGraphDiff(
            added,
            removed,
            changed,
            to.Edges.Where(e => !fromEdges.Contains(Key(e))).ToList(),
            from.Edges.Where(e => !toEdges.Contains(Key(e))).ToList());
    }

    private static (string, string, string, string) Key(AppEdge e) => (e.Source, e.SourcePort, e.Target, e.TargetPort);

    private static List<string> ChangedSettings(AppNode a, AppNode b)
    {
        var names = new List<string>();
        if (!string.Equals(a.Type, b.Type, StringComparison.Ordinal))
        {
            names.Add("type");
        }

        if (!string.Equals(a.Title ?? string.Empty, b.Title ?? string.Empty, StringComparison.Ordinal))
        {
            names.Add("title");
        }

        foreach (var key in a.Config.Select(p => p.Key).Union(b.Config.Select(p => p.Key), StringComparer.Ordinal).Order(StringComparer.Ordinal))
        {
            a.Config.TryGetPropertyValue(key, out var x);
            b.Config.TryGetPropertyValue(key, out var y);
            if (!JsonNode.DeepEquals(x, y))
            {
                names.Add(key);
            }
        }

        if (!JsonNode.DeepEquals(Serialize(a.OnError), Serialize(b.OnError)))
        {
            names.Add("onError");
        }

        if (a.TimeoutSeconds != b.TimeoutSeconds)
        {
            names.Add("timeoutSeconds");
        }

        return names;
    }

    private static JsonNode? Serialize(NodeErrorPolicy? policy) =>
        policy is null ? null : System.Text.Json.JsonSerializer.SerializeToNode(policy, AppGraph.JsonOptions);
}

/// <summary>A node in a diff: its id, type and title, and for a changed node the names of the settings that differ.</summary>
public sealed record AppNodeChange(string Id, string Type, string? Title, IReadOnlyList<string> Settings);
