using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Apps.Nodes;

/// <summary>
/// The loop node: runs its body round after round (<c>{{loop.index}}</c> and the loop's variables inside), then sets the
/// variables from <c>updates</c> (variables of the body), and stops when its condition holds or after
/// <c>maxIterations</c> rounds (no more than <c>Apps:MaxIterations</c>). Outputs <c>index</c> (the rounds run) and the
/// variables' last values.
/// </summary>
public sealed class LoopNode(AppSettings settings) : IAppNodeExecutor
{
    public string Type => AppNodeTypes.Loop;

    public async Task<NodeOutcome> ExecuteAsync(NodeRunContext context, CancellationToken ct)
    {
        var node = context.Node;
        var config = node.Config;
        var max = Math.Clamp(AppNodeCatalog.GetInt(config, "maxIterations") ?? 10, 1, Math.Max(1, settings.MaxIterations));
        var variables = new JsonObject();
        var types = new Dictionary<string, AppValueType>(StringComparer.Ordinal);
        foreach (var (name, item) in AppNodeCatalog.NamedItems(config, "variables"))
        {
            types[name] = AppNodeCatalog.ParseValueType(AppNodeCatalog.GetString(item, "type")) ?? AppValueType.Any;
            var initial = item["initial"] is JsonValue v && v.GetValueKind() == JsonValueKind.String ? NodeValues.Evaluate(context, v.GetValue<string>()) : item["initial"]?.DeepClone();
            variables[name] = Coerce(node.Id, name, initial, types[name]);
        }

        var inputs = new JsonObject { ["maxIterations"] = max, ["variables"] = variables.DeepClone() };
        var body = AppNodeCatalog.Body(node) ?? new AppGraph();
        var condition = AppNodeCatalog.GetArray(config, "condition");
        var rounds = 0;
        var stoppedBy = "max";
        for (var round = 0; round < max; round++)
        {
            var scope = new JsonObject { [node.Id] = State(round, variables) };
            var result = await context.RunSubGraphAsync(body, scope, round, ct);
            if (!result.Succeeded)
            {
                throw new ValidationException(node.Id, $"Round {round} of node '{node.Id}' failed at node '{result.ErrorNodeId}': {result.Error}")
                {
                    MessageKey = "Apps.Error.LoopFailed",
                    MessageArguments = [node.Id, round, result.ErrorNodeId ?? string.Empty, result.Error ?? string.Empty],
                };
            }

            rounds = round + 1;
            JsonNode? Resolve(AppVariableReference reference) =>
                reference.Root == node.Id ? AppVariables.Walk(State(round, variables), reference.Path)?.DeepClone()
                : result.Variables.ContainsKey(reference.Root) ? AppVariables.Resolve(result.Variables, reference, out _)
                : context.Resolve(reference.Text);

            var updated = new JsonObject();
            foreach (var (name, update) in AppNodeCatalog.NamedItems(config, "updates"))
            {
                updated[name] = Coerce(node.Id, name, AppVariables.Evaluate(AppNodeCatalog.GetString(update, "value"), Resolve), types.GetValueOrDefault(name, AppValueType.Any));
            }

            foreach (var (name, value) in updated)
            {
                variables[name] = value?.DeepClone();
            }

            if (condition.Count > 0 && Conditions.Evaluate(node.Id, condition, AppNodeCatalog.GetString(config, "logic"),
                    reference => AppVariables.TryParse(reference, out var parsed) ? Resolve(parsed) : null,
                    template => AppVariables.Render(template, Resolve)))
            {
                stoppedBy = "condition";
                break;
            }
        }

        context.Span.SetAttribute("aiplatform.loop.stoppedBy", stoppedBy);
        var outputs = State(rounds, variables);
        return new NodeOutcome(outputs) { Inputs = inputs };
    }

    private static JsonObject State(int index, JsonObject variables)
    {
        var state = (JsonObject)variables.DeepClone();
        state["index"] = index;
        return state;
    }

    private static JsonNode? Coerce(string nodeId, string name, JsonNode? value, AppValueType type)
    {
        if (value is null)
        {
            return null;
        }

        if (type == AppValueType.Number && value is JsonValue s && s.GetValueKind() == JsonValueKind.String)
        {
            return double.TryParse(s.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d)
                ? JsonValue.Create(d)
                : throw new ValidationException(nodeId, $"The loop variable '{name}' of node '{nodeId}' must be a number.") { MessageKey = "Apps.Error.LoopVariableType", MessageArguments = [nodeId, name, "number"] };
        }

        if (type == AppValueType.Boolean && value is JsonValue b && b.GetValueKind() == JsonValueKind.String)
        {
            return bool.TryParse(b.GetValue<string>(), out var flag)
                ? JsonValue.Create(flag)
                : throw new ValidationException(nodeId, $"The loop variable '{name}' of node '{nodeId}' must be true or false.") { MessageKey = "Apps.Error.LoopVariableType", MessageArguments = [nodeId, name, "boolean"] };
        }

        return value;
    }
}
