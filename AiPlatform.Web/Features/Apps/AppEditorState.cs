using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AiPlatform.Core.Apps;

namespace AiPlatform.Web.Features.Apps;

/// <summary>
/// What the canvas edits: the app's draft graph, the body being edited (an iteration's or a loop's, reached through a
/// breadcrumb), and the undo/redo history as snapshots of the whole graph. Every change goes through <see cref="Change"/>,
/// which records the snapshot and raises <see cref="Changed"/> (the page autosaves on it).
/// </summary>
public sealed partial class AppEditorState
{
    private const int MaxHistory = 100;
    private readonly List<string> _undo = [];
    private readonly List<string> _redo = [];
    private readonly List<(AppGraph Graph, string? NodeId)> _frames = [];

    public AppEditorState(AppGraph root, AppKind kind)
    {
        Kind = kind;
        Root = root;
        _frames.Add((root, null));
    }

    public AppKind Kind { get; }

    public AppGraph Root { get; private set; }

    /// <summary>The graph shown on the canvas: the app's, or the body of the node named last in <see cref="Path"/>.</summary>
    public AppGraph Current => _frames[^1].Graph;

    /// <summary>The ids of the iteration/loop nodes whose bodies were opened, outermost first.</summary>
    public IReadOnlyList<string> Path => [.. _frames.Skip(1).Select(f => f.NodeId!)];

    /// <summary>The iteration or loop whose body is open; null on the app's own graph.</summary>
    public AppNode? Container => _frames.Count > 1 ? _frames[^2].Graph.Find(_frames[^1].NodeId!) : null;

    public bool CanUndo => _undo.Count > 0;

    public bool CanRedo => _redo.Count > 0;

    /// <summary>Raised after every change of the graph (not after opening or closing a body).</summary>
    public event Action? Changed;

    /// <summary>Applies a change to the graph on the canvas, keeping the state before it for undo.</summary>
    public void Change(Action<AppGraph> change)
    {
        var before = Root.ToJson();
        change(Current);
        WriteBack();
        if (Root.ToJson() == before)
        {
            return;
        }

        _undo.Add(before);
        if (_undo.Count > MaxHistory)
        {
            _undo.RemoveAt(0);
        }

        _redo.Clear();
        Changed?.Invoke();
    }

    public bool Undo() => Step(_undo, _redo);

    public bool Redo() => Step(_redo, _undo);

    /// <summary>Replaces the whole graph (a reload after a conflict, a restored version): history is cleared.</summary>
    public void Reset(AppGraph root)
    {
        Root = root;
        _undo.Clear();
        _redo.Clear();
        Reopen([]);
    }

    /// <summary>Opens the body of an iteration or loop of the graph on the canvas.</summary>
    public bool Open(string nodeId)
    {
        if (Current.Find(nodeId) is not { Type: AppNodeTypes.Iteration or AppNodeTypes.Loop } node)
        {
            return false;
        }

        _frames.Add((BodyOf(node), nodeId));
        return true;
    }

    /// <summary>Goes back to the graph at <paramref name="depth"/> of the breadcrumb (0: the app's graph).</summary>
    public void Close(int depth)
    {
        while (_frames.Count > depth + 1)
        {
            _frames.RemoveAt(_frames.Count - 1);
        }
    }

    /// <summary>The body graph stored in an iteration's or loop's <c>body</c> setting (empty when it has none yet).</summary>
    public static AppGraph BodyOf(AppNode node) =>
        node.Config["body"] is JsonObject body ? AppGraph.FromJson(body.ToJsonString()) : new AppGraph();

    /// <summary>A node id not used anywhere in the app: the type's name, then a number (<c>llm1</c>, <c>if_else2</c>).</summary>
    public string NewId(string type)
    {
        var used = AllIds(Root);
        var stem = type.Replace('-', '_');
        if (type is AppNodeTypes.Start or AppNodeTypes.End or AppNodeTypes.Answer && !used.Contains(stem))
        {
            return stem;
        }

        for (var i = 1; ; i++)
        {
            var id = stem + i.ToString(System.Globalization.CultureInfo.InvariantCulture);
            if (!used.Contains(id))
            {
                return id;
            }
        }
    }

    public static bool IsValidId(string id) => IdPattern().IsMatch(id);

    /// <summary>Every node id of the app, bodies included.</summary>
    public static HashSet<string> AllIds(AppGraph graph)
    {
        var ids = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in graph.Nodes)
        {
            ids.Add(node.Id);
            if (node.Type is AppNodeTypes.Iteration or AppNodeTypes.Loop)
            {
                ids.UnionWith(AllIds(BodyOf(node)));
            }
        }

        return ids;
    }

    /// <summary>Renames a node on the canvas's graph, with its edges and every <c>{{old.…}}</c> reference in the app.</summary>
    public void Rename(string oldId, string newId)
    {
        Change(graph =>
        {
            var node = graph.Find(oldId);
            if (node is null)
            {
                return;
            }

            node.Id = newId;
            foreach (var edge in graph.Edges)
            {
                if (edge.Source == oldId)
                {
                    edge.Source = newId;
                }

                if (edge.Target == oldId)
                {
                    edge.Target = newId;
                }
            }
        });

        // References may sit anywhere in the app (a body refers to the nodes around it): rewrite them in the whole graph.
        var json = Regex.Replace(Root.ToJson(), @"\{\{\s*" + Regex.Escape(oldId) + @"(?=[.\s}])", "{{" + newId, RegexOptions.None, TimeSpan.FromSeconds(1));
        var path = Path.Select(p => p == oldId ? newId : p).ToList();
        Root = AppGraph.FromJson(json);
        Reopen(path);
    }

    /// <summary>
    /// The nodes whose outputs a node may use: those before it on the canvas's graph and, inside a body, those before
    /// the enclosing iteration or loop (and the container itself, for <c>item</c>/<c>index</c>).
    /// </summary>
    public IReadOnlyList<UpstreamNode> Upstream(string nodeId)
    {
        var result = new List<UpstreamNode>();
        var seen = new HashSet<string>(StringComparer.Ordinal);
        for (var level = _frames.Count - 1; level >= 0; level--)
        {
            var graph = _frames[level].Graph;
            var target = level == _frames.Count - 1 ? nodeId : _frames[level + 1].NodeId!;
            if (level < _frames.Count - 1 && graph.Find(target) is { } container && seen.Add(container.Id))
            {
                result.Add(new UpstreamNode(container, IsContainer: true));
            }

            var queue = new Queue<string>([target]);
            var visited = new HashSet<string>(StringComparer.Ordinal) { target };
            while (queue.Count > 0)
            {
                var current = queue.Dequeue();
                foreach (var edge in graph.Edges.Where(e => e.Target == current))
                {
                    if (visited.Add(edge.Source) && graph.Find(edge.Source) is { } source)
                    {
                        queue.Enqueue(source.Id);
                        if (seen.Add(source.Id))
                        {
                            result.Add(new UpstreamNode(source, IsContainer: false));
                        }
                    }
                }
            }
        }

        return result;
    }

    private bool Step(List<string> from, List<string> to)
    {
        if (from.Count == 0)
        {
            return false;
        }

        to.Add(Root.ToJson());
        var snapshot = from[^1];
        from.RemoveAt(from.Count - 1);
        var path = Path.ToList();
        Root = AppGraph.FromJson(snapshot);
        Reopen(path);
        Changed?.Invoke();
        return true;
    }

    private void Reopen(IReadOnlyList<string> path)
    {
        _frames.Clear();
        _frames.Add((Root, null));
        foreach (var id in path)
        {
            if (!Open(id))
            {
                break;
            }
        }
    }

    /// <summary>Stores each open body back into its container's <c>body</c> setting, innermost first.</summary>
    private void WriteBack()
    {
        for (var i = _frames.Count - 1; i > 0; i--)
        {
            if (_frames[i - 1].Graph.Find(_frames[i].NodeId!) is { } container)
            {
                container.Config["body"] = JsonNode.Parse(_frames[i].Graph.ToJson());
            }
        }
    }

    [GeneratedRegex("^[a-zA-Z][a-zA-Z0-9_]{0,31}$")]
    private static partial Regex IdPattern();
}
