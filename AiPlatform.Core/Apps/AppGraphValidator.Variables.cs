using System.Globalization;
using System.Text.Json.Nodes;

namespace AiPlatform.Core.Apps;

public static partial class AppGraphValidator
{
    private sealed partial class Run
    {
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
                    AppValueType.File when segment is "text" or "name" or "contentType" or "base64" => AppValueType.String,
                    AppValueType.File when segment == "size" => AppValueType.Number,
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
