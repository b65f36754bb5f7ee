using System.Text.RegularExpressions;

namespace AiPlatform.Core.Apps;

/// <summary>
/// Checks an app's graph without calling any service (the canvas runs it on every change, publish and runs refuse a graph
/// with problems): node ids and types, one start, a reachable end (workflow) or answer (chat), edges and ports,
/// unconnected nodes and ports, cycles, variable references (known, upstream, typed), conditions, required settings,
/// and the bodies of iterations and loops, recursively. Whether the models, knowledge bases, endpoints, datasets and
/// apps a graph names exist and are readable is the app service's check, not this one.
/// </summary>
public static partial class AppGraphValidator
{
    [GeneratedRegex("^[a-zA-Z][a-zA-Z0-9_]{0,31}$", RegexOptions.CultureInvariant)]
    private static partial Regex NodeIdPattern();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex FieldNamePattern();

    /// <summary>Whether a string may be a node id.</summary>
    public static bool IsValidNodeId([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? id) => id is not null && NodeIdPattern().IsMatch(id) && id != AppVariables.System;

    /// <summary>Whether a string may name a field (start field, output, parameter, variable).</summary>
    public static bool IsValidFieldName([System.Diagnostics.CodeAnalysis.NotNullWhen(true)] string? name) => name is not null && FieldNamePattern().IsMatch(name);

    /// <summary>Every problem of the graph, in a stable order (graph-wide first, then node by node).</summary>
    public static IReadOnlyList<AppGraphProblem> Validate(AppGraph graph, AppKind kind) => Validate(graph, kind, null);

    /// <summary>
    /// Every problem of the graph; <paramref name="checkTemplate"/> (<see cref="ITemplateRenderer.Check"/>) also checks the
    /// Liquid of template nodes, which this pure validator cannot parse itself.
    /// </summary>
    public static IReadOnlyList<AppGraphProblem> Validate(AppGraph graph, AppKind kind, Func<string, string?>? checkTemplate)
    {
        var run = new Run(kind, checkTemplate);
        run.CollectIds(graph);
        run.ValidateGraph(graph, new Dictionary<string, IReadOnlyList<NodeOutput>>(StringComparer.Ordinal), body: false);
        return run.Problems;
    }

    /// <summary>Throws the first problem as a <see cref="Common.ValidationException"/> naming its node; does nothing for a valid graph.</summary>
    public static void ThrowIfInvalid(AppGraph graph, AppKind kind)
    {
        if (Validate(graph, kind) is [var first, ..])
        {
            throw first.ToException();
        }
    }

    private sealed partial class Run(AppKind kind, Func<string, string?>? checkTemplate)
    {
        private readonly HashSet<string> _allIds = new(StringComparer.Ordinal);
        private readonly HashSet<string> _seenIds = new(StringComparer.Ordinal);

        public List<AppGraphProblem> Problems { get; } = [];

        private void Add(string? nodeId, string key, string message, params string[] arguments) =>
            Problems.Add(new AppGraphProblem(nodeId, null, key, arguments, message));

        private void AddEdge(AppEdge edge, string key, string message, params string[] arguments) =>
            Problems.Add(new AppGraphProblem(null, edge, key, arguments, message));

        public void CollectIds(AppGraph graph)
        {
            foreach (var node in graph.Nodes)
            {
                if (node.Id is not null)
                {
                    _allIds.Add(node.Id);
                }

                if (AppNodeCatalog.HasBody(node.Type))
                {
                    try
                    {
                        if (AppNodeCatalog.Body(node) is { } body)
                        {
                            CollectIds(body);
                        }
                    }
                    catch (Common.ValidationException)
                    {
                        // Reported when the node itself is checked.
                    }
                }
            }
        }

        /// <param name="outer">The nodes (and iteration/loop scopes) visible from outside this graph, with their outputs.</param>
        public void ValidateGraph(AppGraph graph, IReadOnlyDictionary<string, IReadOnlyList<NodeOutput>> outer, bool body)
        {
            var nodes = new Dictionary<string, AppNode>(StringComparer.Ordinal);
            foreach (var node in graph.Nodes)
            {
                if (!IsValidNodeId(node.Id))
                {
                    Add(node.Id, "Apps.Error.NodeIdInvalid", $"The node id '{node.Id}' is not valid: use 1 to 32 letters, digits and '_', starting with a letter ('sys' is reserved).", node.Id ?? string.Empty);
                    continue;
                }

                if (!_seenIds.Add(node.Id))
                {
                    Add(node.Id, "Apps.Error.NodeIdDuplicate", $"Two nodes have the id '{node.Id}'.", node.Id);
                    continue;
                }

                nodes[node.Id] = node;
                if (node.Type is null || AppNodeCatalog.Find(node.Type) is null)
                {
                    Add(node.Id, "Apps.Error.NodeTypeUnknown", $"Node '{node.Id}' has an unknown type '{node.Type}'.", node.Id, node.Type ?? string.Empty);
                }
                else if (body && node.Type is AppNodeTypes.Start or AppNodeTypes.End or AppNodeTypes.Answer)
                {
                    Add(node.Id, "Apps.Error.NodeNotAllowedInBody", $"Node '{node.Id}' ({node.Type}) cannot be inside an iteration or a loop.", node.Id, node.Type);
                }
                else if (!AppNodeCatalog.AllowedIn(node.Type, kind))
                {
                    Add(node.Id, "Apps.Error.NodeNotAllowed", $"Node '{node.Id}' ({node.Type}) cannot be in a {kind.ToString().ToLowerInvariant()} app.", node.Id, node.Type, kind.ToString().ToLowerInvariant());
                }
            }

            var edges = ValidEdges(graph, nodes);
            var incoming = nodes.Keys.ToDictionary(id => id, _ => new List<AppEdge>(), StringComparer.Ordinal);
            var outgoing = nodes.Keys.ToDictionary(id => id, _ => new List<AppEdge>(), StringComparer.Ordinal);
            foreach (var edge in edges)
            {
                incoming[edge.Target].Add(edge);
                outgoing[edge.Source].Add(edge);
            }

            if (!body)
            {
                ValidateEntryAndExit(nodes, outgoing);
                foreach (var node in nodes.Values.Where(n => AppNodeCatalog.Find(n.Type) is not null))
                {
                    if (node.Type != AppNodeTypes.Start && incoming[node.Id].Count == 0)
                    {
                        Add(node.Id, "Apps.Error.NodeUnconnected", $"Nothing leads to node '{node.Id}': connect its input.", node.Id);
                    }

                    if (!AppNodeCatalog.IsTerminal(node.Type))
                    {
                        foreach (var port in AppNodeCatalog.OutputPorts(node, kind).Where(p => outgoing[node.Id].All(e => e.SourcePort != p)))
                        {
                            Add(node.Id, "Apps.Error.PortUnconnected", $"The output '{port}' of node '{node.Id}' leads nowhere: connect it or remove the node.", node.Id, port);
                        }
                    }
                }
            }
            else if (nodes.Count == 0)
            {
                return;
            }

            ValidateAcyclic(graph, nodes, outgoing, incoming);
            var ancestors = nodes.Keys.ToDictionary(id => id, id => Ancestors(id, incoming), StringComparer.Ordinal);
            foreach (var node in graph.Nodes.Where(n => n.Id is not null && nodes.TryGetValue(n.Id, out var same) && same == n && AppNodeCatalog.Find(n.Type) is not null))
            {
                var visible = new Dictionary<string, IReadOnlyList<NodeOutput>>(outer, StringComparer.Ordinal);
                foreach (var ancestor in ancestors[node.Id])
                {
                    visible[ancestor] = AppNodeCatalog.Outputs(nodes[ancestor]);
                }

                ValidateNode(node, visible);
            }
        }

        private List<AppEdge> ValidEdges(AppGraph graph, Dictionary<string, AppNode> nodes)
        {
            var valid = new List<AppEdge>();
            var seen = new HashSet<(string, string, string, string)>();
            foreach (var edge in graph.Edges)
            {
                if (!nodes.TryGetValue(edge.Source ?? string.Empty, out var source))
                {
                    AddEdge(edge, "Apps.Error.EdgeUnknownNode", $"An edge starts at '{edge.Source}', which is not a node of this graph.", edge.Source ?? string.Empty);
                    continue;
                }

                if (!nodes.TryGetValue(edge.Target ?? string.Empty, out var target))
                {
                    AddEdge(edge, "Apps.Error.EdgeUnknownNode", $"An edge leads to '{edge.Target}', which is not a node of this graph.", edge.Target ?? string.Empty);
                    continue;
                }

                if (AppNodeCatalog.Find(source.Type) is not null && !AppNodeCatalog.OutputPorts(source, kind).Contains(edge.SourcePort))
                {
                    AddEdge(edge, "Apps.Error.EdgeUnknownPort", $"Node '{source.Id}' has no output '{edge.SourcePort}'.", source.Id, edge.SourcePort ?? string.Empty);
                    continue;
                }

                if (target.Type == AppNodeTypes.Start || edge.TargetPort != AppNodeCatalog.InputPort)
                {
                    AddEdge(edge, "Apps.Error.EdgeUnknownPort", $"Node '{target.Id}' has no input '{edge.TargetPort}'.", target.Id, edge.TargetPort ?? string.Empty);
                    continue;
                }

                if (!seen.Add((source.Id, edge.SourcePort ?? string.Empty, target.Id, edge.TargetPort ?? string.Empty)))
                {
                    AddEdge(edge, "Apps.Error.EdgeDuplicate", $"Two edges join '{edge.Source}' ({edge.SourcePort}) to '{edge.Target}'.", source.Id, edge.SourcePort ?? string.Empty, target.Id);
                    continue;
                }

                valid.Add(edge);
            }

            return valid;
        }

        private void ValidateEntryAndExit(Dictionary<string, AppNode> nodes, Dictionary<string, List<AppEdge>> outgoing)
        {
            var starts = nodes.Values.Where(n => n.Type == AppNodeTypes.Start).ToList();
            if (starts.Count == 0)
            {
                Add(null, "Apps.Error.StartMissing", "The app has no start node.");
            }

            foreach (var extra in starts.Skip(1))
            {
                Add(extra.Id, "Apps.Error.StartDuplicate", $"Node '{extra.Id}' is a second start node: an app has exactly one.", extra.Id);
            }

            var terminal = kind == AppKind.Workflow ? AppNodeTypes.End : AppNodeTypes.Answer;
            if (nodes.Values.All(n => n.Type != terminal))
            {
                Add(null, kind == AppKind.Workflow ? "Apps.Error.EndMissing" : "Apps.Error.AnswerMissing",
                    kind == AppKind.Workflow ? "The workflow has no end node." : "The chat app has no answer node.");
                return;
            }

            if (starts.Count > 0)
            {
                var reached = new HashSet<string>(StringComparer.Ordinal) { starts[0].Id };
                var queue = new Queue<string>([starts[0].Id]);
                while (queue.TryDequeue(out var id))
                {
                    foreach (var edge in outgoing[id].Where(e => reached.Add(e.Target)))
                    {
                        queue.Enqueue(edge.Target);
                    }
                }

                if (!reached.Any(id => nodes[id].Type == terminal))
                {
                    Add(null, "Apps.Error.EndUnreachable", $"No path leads from the start node to an {terminal} node.", terminal);
                }
            }
        }

        private void ValidateAcyclic(AppGraph graph, Dictionary<string, AppNode> nodes, Dictionary<string, List<AppEdge>> outgoing, Dictionary<string, List<AppEdge>> incoming)
        {
            var degree = nodes.Keys.ToDictionary(id => id, id => incoming[id].Count, StringComparer.Ordinal);
            var queue = new Queue<string>(degree.Where(d => d.Value == 0).Select(d => d.Key));
            while (queue.TryDequeue(out var id))
            {
                foreach (var edge in outgoing[id])
                {
                    if (--degree[edge.Target] == 0)
                    {
                        queue.Enqueue(edge.Target);
                    }
                }
            }

            var left = graph.Nodes.Where(n => n.Id is not null && degree.TryGetValue(n.Id, out var d) && d > 0).Select(n => n.Id).Distinct().ToList();
            if (left.Count > 0)
            {
                // Nodes left are on a cycle or after one; name those on it (each reaches itself).
                var onCycle = left.Where(id => Ancestors(id, incoming).Contains(id)).ToList();
                var named = onCycle.Count > 0 ? onCycle : left;
                Add(named[0], "Apps.Error.Cycle", $"The nodes {string.Join(", ", named)} form a cycle: an app is run front to back (repeat work with a loop or an iteration).", string.Join(", ", named));
            }
        }

        private static HashSet<string> Ancestors(string id, Dictionary<string, List<AppEdge>> incoming)
        {
            var found = new HashSet<string>(StringComparer.Ordinal);
            var queue = new Queue<string>([id]);
            while (queue.TryDequeue(out var current))
            {
                foreach (var edge in incoming[current].Where(e => found.Add(e.Source)))
                {
                    queue.Enqueue(edge.Source);
                }
            }

            return found;
        }
    }
}
