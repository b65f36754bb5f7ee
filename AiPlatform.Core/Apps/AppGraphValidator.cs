using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
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

    private sealed class Run(AppKind kind, Func<string, string?>? checkTemplate)
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

        private void ValidateNode(AppNode node, Dictionary<string, IReadOnlyList<NodeOutput>> visible)
        {
            var descriptor = AppNodeCatalog.Find(node.Type)!;
            var config = node.Config ?? [];
            foreach (var setting in descriptor.Settings)
            {
                ValidateSetting(node, setting, config[setting.Name]);
            }

            if (node.TimeoutSeconds is <= 0)
            {
                Add(node.Id, "Apps.Error.SettingRange", $"The time limit of node '{node.Id}' must be at least 1 second.", node.Id, "timeoutSeconds", "1", "∞");
            }

            if (node.OnError is { } policy && (policy.Retries is < 0 or > 5 || policy.RetryDelayMs is < 0 or > 60_000))
            {
                Add(node.Id, "Apps.Error.RetriesInvalid", $"Node '{node.Id}' may retry 0 to 5 times, 0 to 60000 ms apart.", node.Id);
            }

            ValidateStructure(node, config);

            foreach (var (name, value) in config)
            {
                if (SkipReferences(node.Type, name))
                {
                    continue;
                }

                foreach (var reference in AppVariables.FindReferences(value))
                {
                    CheckReference(node.Id, reference, visible);
                }
            }

            switch (node.Type)
            {
                case AppNodeTypes.IfElse:
                    ValidateConditions(node, AppNodeCatalog.GetArray(config, "conditions"), visible, "conditions");
                    break;
                case AppNodeTypes.Switch:
                    foreach (var @case in AppNodeCatalog.GetArray(config, "cases").OfType<JsonObject>())
                    {
                        ValidateConditions(node, AppNodeCatalog.GetArray(@case, "conditions"), visible, "cases");
                    }

                    break;
                case AppNodeTypes.Iteration:
                case AppNodeTypes.Loop:
                    ValidateBody(node, config, visible);
                    break;
            }
        }

        private static bool SkipReferences(string type, string setting) => (type, setting) switch
        {
            (AppNodeTypes.Template, "template") => true,
            (AppNodeTypes.Code, "code") => true,
            (AppNodeTypes.Iteration or AppNodeTypes.Loop, "body") => true,
            (AppNodeTypes.Iteration, "output") => true,
            (AppNodeTypes.Loop, "updates" or "condition") => true,
            _ => false,
        };

        private void ValidateSetting(AppNode node, NodeSetting setting, JsonNode? value)
        {
            var empty = value switch
            {
                null => true,
                JsonValue v when v.GetValueKind() == JsonValueKind.String => string.IsNullOrWhiteSpace(v.GetValue<string>()),
                JsonValue v when v.GetValueKind() == JsonValueKind.Null => true,
                JsonArray a => a.Count == 0,
                JsonObject o when setting.Kind == NodeSettingKind.SubGraph => o["nodes"] is not JsonArray { Count: > 0 },
                _ => false,
            };
            if (empty)
            {
                if (setting.Required)
                {
                    Add(node.Id, "Apps.Error.SettingRequired", $"Node '{node.Id}' needs the setting '{setting.Name}'.", node.Id, setting.Name);
                }

                return;
            }

            switch (setting.Kind)
            {
                case NodeSettingKind.Select when setting.Options is { } options:
                    var chosen = AppNodeCatalog.GetString(node.Config, setting.Name);
                    if (chosen is null || !options.Contains(chosen, StringComparer.OrdinalIgnoreCase))
                    {
                        Add(node.Id, "Apps.Error.SettingInvalid", $"The setting '{setting.Name}' of node '{node.Id}' must be one of: {string.Join(", ", options)}.", node.Id, setting.Name, string.Join(", ", options));
                    }

                    break;
                case NodeSettingKind.Number or NodeSettingKind.Integer:
                    if (AppNodeCatalog.GetNumber(node.Config, setting.Name) is not { } number || double.IsNaN(number) || double.IsInfinity(number))
                    {
                        Add(node.Id, "Apps.Error.SettingNumber", $"The setting '{setting.Name}' of node '{node.Id}' must be a number.", node.Id, setting.Name);
                    }

                    break;
                case NodeSettingKind.Boolean:
                    if (AppNodeCatalog.GetBool(node.Config, setting.Name) is null)
                    {
                        Add(node.Id, "Apps.Error.SettingBoolean", $"The setting '{setting.Name}' of node '{node.Id}' must be true or false.", node.Id, setting.Name);
                    }

                    break;
                case NodeSettingKind.Variable:
                    if (!AppVariables.TryParse(AppNodeCatalog.GetString(node.Config, setting.Name), out _))
                    {
                        Add(node.Id, "Apps.Error.VariableInvalid", $"The setting '{setting.Name}' of node '{node.Id}' must be one variable, such as {{{{node.field}}}}.", node.Id, setting.Name);
                    }

                    break;
                case NodeSettingKind.VariableList:
                    if (value is not JsonArray list || list.Any(i => !AppVariables.TryParse(i is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null, out _)))
                    {
                        Add(node.Id, "Apps.Error.VariableInvalid", $"The setting '{setting.Name}' of node '{node.Id}' must be a list of variables, such as {{{{node.field}}}}.", node.Id, setting.Name);
                    }

                    break;
                case NodeSettingKind.KnowledgeBases or NodeSettingKind.Datasets:
                    if (value is not JsonArray ids || ids.Any(i => i is not JsonValue v || v.GetValueKind() != JsonValueKind.String || !Guid.TryParse(v.GetValue<string>(), out _)))
                    {
                        Add(node.Id, "Apps.Error.SettingInvalid", $"The setting '{setting.Name}' of node '{node.Id}' must be a list of ids.", node.Id, setting.Name, "ids");
                    }

                    break;
            }
        }

        private void ValidateStructure(AppNode node, JsonObject config)
        {
            switch (node.Type)
            {
                case AppNodeTypes.Start:
                    ValidateNames(node, "fields", requireValue: false);
                    foreach (var (name, field) in AppNodeCatalog.NamedItems(config, "fields"))
                    {
                        var type = AppNodeCatalog.GetString(field, "type") ?? "text";
                        if (!AppNodeCatalog.StartFieldTypes.Contains(type))
                        {
                            Add(node.Id, "Apps.Error.FieldTypeUnknown", $"The input '{name}' of node '{node.Id}' has an unknown type '{type}'.", node.Id, name, type);
                        }
                        else if (type == "select" && AppNodeCatalog.GetArray(field, "options").Count == 0)
                        {
                            Add(node.Id, "Apps.Error.FieldOptionsMissing", $"The input '{name}' of node '{node.Id}' is a choice without options.", node.Id, name);
                        }
                    }

                    break;
                case AppNodeTypes.End:
                    ValidateNames(node, "outputs", requireValue: true);
                    break;
                case AppNodeTypes.Template when checkTemplate is not null && AppNodeCatalog.GetString(config, "template") is { Length: > 0 } liquid && checkTemplate(liquid) is { } error:
                    Add(node.Id, "Apps.Error.TemplateInvalid", $"The template of node '{node.Id}' is not valid Liquid: {error}", error);
                    ValidateNames(node, "variables", requireValue: true);
                    break;
                case AppNodeTypes.Template:
                case AppNodeTypes.Code when config["inputs"] is not null:
                    ValidateNames(node, node.Type == AppNodeTypes.Template ? "variables" : "inputs", requireValue: true);
                    if (node.Type == AppNodeTypes.Code)
                    {
                        ValidateTypedNames(node, "outputs");
                    }

                    break;
                case AppNodeTypes.Code:
                    ValidateTypedNames(node, "outputs");
                    break;
                case AppNodeTypes.Sql:
                    ValidateNames(node, "parameters", requireValue: false);
                    break;
                case AppNodeTypes.Extractor:
                    ValidateTypedNames(node, "parameters");
                    break;
                case AppNodeTypes.Loop:
                    ValidateTypedNames(node, "variables");
                    if (AppNodeCatalog.GetInt(config, "maxIterations") is < 1)
                    {
                        Add(node.Id, "Apps.Error.SettingRange", $"The setting 'maxIterations' of node '{node.Id}' must be at least 1.", node.Id, "maxIterations", "1", "∞");
                    }

                    break;
                case AppNodeTypes.Iteration:
                    if (AppNodeCatalog.GetInt(config, "parallelism") is < 1)
                    {
                        Add(node.Id, "Apps.Error.SettingRange", $"The setting 'parallelism' of node '{node.Id}' must be at least 1.", node.Id, "parallelism", "1", "∞");
                    }

                    break;
                case AppNodeTypes.Classifier:
                    if (AppNodeCatalog.GetArray(config, "classes").Any(c => c is not JsonObject o || string.IsNullOrWhiteSpace(AppNodeCatalog.GetString(o, "name"))))
                    {
                        Add(node.Id, "Apps.Error.ClassNameMissing", $"Every class of node '{node.Id}' needs a name.", node.Id);
                    }

                    break;
                case AppNodeTypes.Switch:
                    if (AppNodeCatalog.GetArray(config, "cases").Any(c => c is not JsonObject o || AppNodeCatalog.GetArray(o, "conditions").Count == 0))
                    {
                        Add(node.Id, "Apps.Error.CaseEmpty", $"Every case of node '{node.Id}' needs at least one condition.", node.Id);
                    }

                    break;
            }
        }

        private void ValidateNames(AppNode node, string setting, bool requireValue)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in AppNodeCatalog.GetArray(node.Config, setting))
            {
                var name = item is JsonObject o ? AppNodeCatalog.GetString(o, "name")?.Trim() : null;
                if (!IsValidFieldName(name))
                {
                    Add(node.Id, "Apps.Error.FieldNameInvalid", $"The name '{name}' in '{setting}' of node '{node.Id}' is not valid: use letters, digits and '_', starting with a letter.", node.Id, setting, name ?? string.Empty);
                }
                else if (!names.Add(name!))
                {
                    Add(node.Id, "Apps.Error.FieldNameDuplicate", $"The name '{name}' appears twice in '{setting}' of node '{node.Id}'.", node.Id, setting, name!);
                }
                else if (requireValue && string.IsNullOrWhiteSpace(AppNodeCatalog.GetString((JsonObject)item!, "value")))
                {
                    Add(node.Id, "Apps.Error.FieldValueMissing", $"'{name}' in '{setting}' of node '{node.Id}' has no value.", node.Id, setting, name!);
                }
            }
        }

        private void ValidateTypedNames(AppNode node, string setting)
        {
            ValidateNames(node, setting, requireValue: false);
            foreach (var (name, item) in AppNodeCatalog.NamedItems(node.Config, setting))
            {
                var type = AppNodeCatalog.GetString(item, "type") ?? "string";
                if (!AppNodeCatalog.ValueTypeNames.Contains(type))
                {
                    Add(node.Id, "Apps.Error.ValueTypeUnknown", $"'{name}' in '{setting}' of node '{node.Id}' has an unknown type '{type}'.", node.Id, name, type);
                }
            }
        }

        /// <returns>The type of the referenced value when it is known (Any when not), null when the reference is wrong.</returns>
        private AppValueType? CheckReference(string nodeId, AppVariableReference reference, IReadOnlyDictionary<string, IReadOnlyList<NodeOutput>> visible)
        {
            if (reference.Root == AppVariables.System)
            {
                if (reference.Field is not { } field || !AppVariables.SystemFields.Contains(field))
                {
                    Add(nodeId, "Apps.Error.UnknownVariable", $"Node '{nodeId}' uses {reference}, which is not a system variable (sys.query, sys.conversation_id, sys.user, sys.user_id, sys.publisher, sys.history).", nodeId, reference.ToString());
                    return null;
                }

                if (kind == AppKind.Workflow && AppVariables.ChatSystemFields.Contains(field))
                {
                    Add(nodeId, "Apps.Error.SysVariableChatOnly", $"Node '{nodeId}' uses {reference}, which only chat apps have.", nodeId, reference.ToString());
                    return null;
                }

                return field == "history" ? AppValueType.ArrayObject : AppValueType.String;
            }

            if (!visible.TryGetValue(reference.Root, out var outputs))
            {
                if (_allIds.Contains(reference.Root))
                {
                    Add(nodeId, "Apps.Error.VariableNotUpstream", $"Node '{nodeId}' uses {reference}, but node '{reference.Root}' does not run before it.", nodeId, reference.ToString(), reference.Root);
                }
                else
                {
                    Add(nodeId, "Apps.Error.UnknownVariable", $"Node '{nodeId}' uses {reference}, but there is no node '{reference.Root}'.", nodeId, reference.ToString());
                }

                return null;
            }

            if (reference.Field is not { } name)
            {
                return AppValueType.Object;
            }

            var output = outputs.FirstOrDefault(o => o.Name == name);
            if (output is null)
            {
                if (outputs.Any(o => o.Name == "result") && outputs[0].Type == AppValueType.Any)
                {
                    // A code node: the fields of the object it returns are outputs too.
                    return AppValueType.Any;
                }

                Add(nodeId, "Apps.Error.UnknownField", $"Node '{nodeId}' uses {reference}, but '{reference.Root}' has no output '{name}' (it has: {string.Join(", ", outputs.Select(o => o.Name))}).", nodeId, reference.ToString(), name, string.Join(", ", outputs.Select(o => o.Name)));
                return null;
            }

            var type = output.Type;
            foreach (var segment in reference.Path.Skip(1))
            {
                type = type switch
                {
                    AppValueType.ArrayObject when int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out _) => AppValueType.Object,
                    AppValueType.ArrayString when int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out _) => AppValueType.String,
                    AppValueType.ArrayNumber when int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out _) => AppValueType.Number,
                    _ when AppNodeCatalog.IsArray(type) && segment == "length" => AppValueType.Number,
                    _ => AppValueType.Any,
                };
            }

            return type;
        }

        private void ValidateConditions(AppNode node, JsonArray conditions, IReadOnlyDictionary<string, IReadOnlyList<NodeOutput>> visible, string setting)
        {
            foreach (var item in conditions)
            {
                var condition = item as JsonObject;
                var variable = AppNodeCatalog.GetString(condition, "variable");
                var op = AppNodeCatalog.GetString(condition, "operator") ?? string.Empty;
                if (!AppVariables.TryParse(variable, out var reference))
                {
                    Add(node.Id, "Apps.Error.ConditionVariable", $"A condition of node '{node.Id}' does not name a variable.", node.Id, setting);
                    continue;
                }

                if (!AppNodeCatalog.Operators.Contains(op))
                {
                    Add(node.Id, "Apps.Error.OperatorUnknown", $"A condition of node '{node.Id}' has an unknown operator '{op}'.", node.Id, op);
                    continue;
                }

                // Conditions of a loop are checked in the body's scope (CheckReference reports bad ones there).
                var type = setting == "condition" ? TypeIn(reference, visible) : CheckReference(node.Id, reference, visible);
                if (type is { } known && !OperatorFits(op, known))
                {
                    Add(node.Id, "Apps.Error.OperatorType", $"Node '{node.Id}' compares {reference} ({Describe(known)}) with '{op}', which does not apply to it.", node.Id, reference.ToString(), op, Describe(known));
                }

                var value = AppNodeCatalog.GetString(condition, "value");
                if (AppNodeCatalog.NumberOperators.Contains(op) && AppVariables.FindReferences(value).Count == 0
                    && !double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out _))
                {
                    Add(node.Id, "Apps.Error.ConditionValueNumber", $"Node '{node.Id}' compares {reference} with '{op}' to '{value}', which is not a number.", node.Id, reference.ToString(), value ?? string.Empty);
                }
            }
        }

        private static AppValueType? TypeIn(AppVariableReference reference, IReadOnlyDictionary<string, IReadOnlyList<NodeOutput>> visible) =>
            reference.Field is { } field && visible.TryGetValue(reference.Root, out var outputs) && reference.Path.Count == 1
                ? outputs.FirstOrDefault(o => o.Name == field)?.Type
                : null;

        private static bool OperatorFits(string op, AppValueType type) => op switch
        {
            "gt" or "gte" or "lt" or "lte" => type is AppValueType.Number or AppValueType.Any,
            "is-true" or "is-false" => type is AppValueType.Boolean or AppValueType.Any,
            "contains" or "not-contains" => type is AppValueType.String or AppValueType.Any || AppNodeCatalog.IsArray(type),
            "starts-with" or "ends-with" => type is AppValueType.String or AppValueType.Number or AppValueType.Any,
            _ => true,
        };

        private static string Describe(AppValueType type) => type switch
        {
            AppValueType.ArrayString => "array[string]",
            AppValueType.ArrayNumber => "array[number]",
            AppValueType.ArrayObject => "array[object]",
            _ => type.ToString().ToLowerInvariant(),
        };

        private void ValidateBody(AppNode node, JsonObject config, Dictionary<string, IReadOnlyList<NodeOutput>> visible)
        {
            if (node.Type == AppNodeTypes.Iteration && AppVariables.TryParse(AppNodeCatalog.GetString(config, "items"), out var items)
                && CheckReferenceQuietly(node.Id, items, visible) is { } itemsType && !AppNodeCatalog.IsArray(itemsType) && itemsType != AppValueType.Any)
            {
                Add(node.Id, "Apps.Error.TypeMismatch", $"The items of node '{node.Id}' must be a list, but {items} is {Describe(itemsType)}.", node.Id, "items", "array", Describe(itemsType));
            }

            AppGraph? body;
            try
            {
                body = AppNodeCatalog.Body(node);
            }
            catch (Common.ValidationException e)
            {
                Add(node.Id, e.MessageKey!, e.Errors.Values.SelectMany(v => v).First(), [.. e.MessageArguments.Select(a => a.ToString() ?? string.Empty)]);
                return;
            }

            if (body is null || body.Nodes.Count == 0)
            {
                return;
            }

            var inner = new Dictionary<string, IReadOnlyList<NodeOutput>>(visible, StringComparer.Ordinal) { [node.Id] = AppNodeCatalog.BodyScope(node) };
            ValidateGraph(body, inner, body: true);

            var afterBody = new Dictionary<string, IReadOnlyList<NodeOutput>>(inner, StringComparer.Ordinal);
            foreach (var bodyNode in body.Nodes.Where(n => IsValidNodeId(n.Id) && AppNodeCatalog.Find(n.Type) is not null))
            {
                afterBody.TryAdd(bodyNode.Id, AppNodeCatalog.Outputs(bodyNode));
            }

            if (node.Type == AppNodeTypes.Iteration)
            {
                if (AppVariables.TryParse(AppNodeCatalog.GetString(config, "output"), out var output))
                {
                    if (body.Find(output.Root) is null)
                    {
                        Add(node.Id, "Apps.Error.OutputNotInBody", $"The output of node '{node.Id}' must be a variable of a node inside its body, not {output}.", node.Id, output.ToString());
                    }
                    else
                    {
                        CheckReference(node.Id, output, afterBody);
                    }
                }

                return;
            }

            var loopVariables = AppNodeCatalog.NamedItems(config, "variables").Select(v => v.Name).ToHashSet(StringComparer.Ordinal);
            foreach (var update in AppNodeCatalog.GetArray(config, "updates").OfType<JsonObject>())
            {
                var name = AppNodeCatalog.GetString(update, "name");
                if (name is null || !loopVariables.Contains(name))
                {
                    Add(node.Id, "Apps.Error.LoopVariableUnknown", $"Node '{node.Id}' updates '{name}', which is not one of its variables.", node.Id, name ?? string.Empty);
                }

                foreach (var reference in AppVariables.FindReferences(update["value"]))
                {
                    CheckReference(node.Id, reference, afterBody);
                }
            }

            foreach (var reference in AppVariables.FindReferences(config["condition"]))
            {
                CheckReference(node.Id, reference, afterBody);
            }

            ValidateConditions(node, AppNodeCatalog.GetArray(config, "condition"), afterBody, "condition");
        }

        private AppValueType? CheckReferenceQuietly(string nodeId, AppVariableReference reference, IReadOnlyDictionary<string, IReadOnlyList<NodeOutput>> visible)
        {
            var before = Problems.Count;
            var type = CheckReference(nodeId, reference, visible);

            // The reference itself was already reported by the pass over every setting.
            Problems.RemoveRange(before, Problems.Count - before);
            return type;
        }
    }
}
