using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AiPlatform.Core.Apps;

/// <summary>
/// The graph rules publishing and running hold an app to, as <see cref="AppIssue"/>s naming the node: one start node,
/// an end (workflow) or answer (chat) node, edges between existing nodes, no cycle, and variables that name nodes.
/// </summary>
public static partial class AppGraphRules
{
    public static IReadOnlyList<AppIssue> Validate(AppGraph graph, AppKind kind)
    {
        var issues = new List<AppIssue>();
        var ids = graph.Nodes.Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
        var starts = graph.Nodes.Where(n => n.Type == AppNodeTypes.Start).ToList();
        if (starts.Count != 1)
        {
            issues.Add(new AppIssue(starts.Skip(1).FirstOrDefault()?.Id, "An app has exactly one start node.", "Apps.Error.Start", []));
        }

        var last = kind == AppKind.Chat ? AppNodeTypes.Answer : AppNodeTypes.End;
        if (!graph.Nodes.Any(n => n.Type == last))
        {
            issues.Add(new AppIssue(null, $"A {kind.ToString().ToLowerInvariant()} app needs an '{last}' node.", "Apps.Error.NoEnd", [last]));
        }

        foreach (var edge in graph.Edges.Where(e => !ids.Contains(e.Source) || !ids.Contains(e.Target)))
        {
            var missing = ids.Contains(edge.Source) ? edge.Target : edge.Source;
            issues.Add(new AppIssue(ids.Contains(edge.Source) ? edge.Source : null, $"An edge joins the node '{missing}', which does not exist.", "Apps.Error.EdgeNode", [missing]));
        }

        if (FindCycle(graph) is { } cycle)
        {
            issues.Add(new AppIssue(cycle, $"The node '{cycle}' is on a cycle; repeat work with a loop node instead.", "Apps.Error.Cycle", [cycle]));
        }

        foreach (var node in graph.Nodes)
        {
            foreach (var reference in References(node.Config))
            {
                var head = reference.Split('.')[0];
                if (head != "sys" && !ids.Contains(head) && !node.Config.ToJsonString().Contains($"\"id\":\"{head}\"", StringComparison.Ordinal))
                {
                    issues.Add(new AppIssue(node.Id, $"The node '{node.Id}' uses {{{{{reference}}}}}, but there is no node '{head}'.", "Apps.Error.UnknownVariable", [node.Id, reference]));
                }
            }
        }

        return issues;
    }

    /// <summary>A node on a cycle of edges, or null.</summary>
    private static string? FindCycle(AppGraph graph)
    {
        var next = graph.Edges.GroupBy(e => e.Source, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Select(e => e.Target).ToList(), StringComparer.Ordinal);
        var state = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
        {
            if (Visit(node.Id) is { } found)
            {
                return found;
            }
        }

        return null;

        string? Visit(string id)
        {
            if (state.TryGetValue(id, out var s))
            {
                return s == 1 ? id : null;
            }

            state[id] = 1;
            foreach (var target in next.GetValueOrDefault(id) ?? [])
            {
                if (Visit(target) is { } found)
                {
                    return found;
                }
            }

            state[id] = 2;
            return null;
        }
    }

    private static IEnumerable<string> References(JsonNode? node) => node switch
    {
        JsonObject o => o.SelectMany(p => References(p.Value)),
        JsonArray a => a.SelectMany(References),
        JsonValue v when v.TryGetValue<string>(out var s) => Variable().Matches(s).Select(m => m.Groups[1].Value),
        _ => [],
    };

    [GeneratedRegex(@"\{\{\s*([a-zA-Z][a-zA-Z0-9_]*(?:\.[a-zA-Z0-9_\-]+)*)\s*\}\}")]
    private static partial Regex Variable();
}
