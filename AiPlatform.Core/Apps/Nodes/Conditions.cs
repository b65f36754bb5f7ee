using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Apps.Nodes;

/// <summary>Evaluates the conditions of if/else, switch and loop nodes: <c>[{variable, operator, value}]</c> joined by <c>and</c> or <c>or</c>.</summary>
public static class Conditions
{
    /// <summary>
    /// True when the conditions hold. <paramref name="resolve"/> gives a variable's value; <paramref name="render"/> renders
    /// a comparison value (it may hold <c>{{variables}}</c>). <paramref name="inputs"/> collects what was compared.
    /// </summary>
    public static bool Evaluate(string nodeId, JsonArray conditions, string? logic, Func<string, JsonNode?> resolve, Func<string?, string> render, JsonArray? inputs = null)
    {
        var any = string.Equals(logic, "or", StringComparison.OrdinalIgnoreCase);
        var results = new List<bool>();
        foreach (var condition in conditions.OfType<JsonObject>())
        {
            var variable = AppNodeCatalog.GetString(condition, "variable") ?? string.Empty;
            var op = AppNodeCatalog.GetString(condition, "operator") ?? "equals";
            var left = resolve(variable);
            var right = AppNodeCatalog.UnaryOperators.Contains(op) ? null : render(AppNodeCatalog.GetString(condition, "value"));
            var holds = Compare(nodeId, variable, left, op, right);
            inputs?.Add(new JsonObject { ["variable"] = variable, ["value"] = left?.DeepClone(), ["operator"] = op, ["compareTo"] = right, ["result"] = holds });
            results.Add(holds);
            if (any && holds)
            {
                return true;
            }

            if (!any && !holds)
            {
                return false;
            }
        }

        return results.Count > 0 && (any ? results.Any(r => r) : results.All(r => r));
    }

    /// <summary>One comparison: <paramref name="left"/> (a variable's value) <paramref name="op"/> <paramref name="right"/> (text).</summary>
    public static bool Compare(string nodeId, string variable, JsonNode? left, string op, string? right)
    {
        var text = AppVariables.ToText(left);
        return op switch
        {
            "equals" => AreEqual(left, right),
            "not-equals" => !AreEqual(left, right),
            "contains" => Contains(left, right),
            "not-contains" => !Contains(left, right),
            "starts-with" => text.StartsWith(right ?? string.Empty, StringComparison.Ordinal),
            "ends-with" => text.EndsWith(right ?? string.Empty, StringComparison.Ordinal),
            "empty" => IsEmpty(left),
            "not-empty" => !IsEmpty(left),
            "gt" => Number(nodeId, variable, left, text) > Number(nodeId, variable, null, right),
            "gte" => Number(nodeId, variable, left, text) >= Number(nodeId, variable, null, right),
            "lt" => Number(nodeId, variable, left, text) < Number(nodeId, variable, null, right),
            "lte" => Number(nodeId, variable, left, text) <= Number(nodeId, variable, null, right),
            "is-true" => Boolean(left) == true,
            "is-false" => Boolean(left) == false,
            _ => throw new ValidationException(nodeId, $"A condition of node '{nodeId}' has an unknown operator '{op}'.") { MessageKey = "Apps.Error.OperatorUnknown", MessageArguments = [nodeId, op] },
        };
    }

    private static bool AreEqual(JsonNode? left, string? right)
    {
        if (left is JsonValue v && v.GetValueKind() == JsonValueKind.Number
            && double.TryParse(right, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return AppVariables.ToNumber(v).Equals(number);
        }

        if (left is JsonValue b && b.GetValueKind() is JsonValueKind.True or JsonValueKind.False)
        {
            return bool.TryParse(right, out var flag) && flag == (b.GetValueKind() == JsonValueKind.True);
        }

        return string.Equals(AppVariables.ToText(left), right ?? string.Empty, StringComparison.Ordinal);
    }

    private static bool Contains(JsonNode? left, string? right) => left switch
    {
        null => false,
        JsonArray a => a.Any(item => AreEqual(item, right)),
        JsonObject o => right is not null && o.ContainsKey(right),
        _ => AppVariables.ToText(left).Contains(right ?? string.Empty, StringComparison.Ordinal),
    };

    private static bool IsEmpty(JsonNode? value) => value switch
    {
        null => true,
        JsonArray a => a.Count == 0,
        JsonObject o => o.Count == 0,
        JsonValue v when v.GetValueKind() == JsonValueKind.Null => true,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>().Length == 0,
        _ => false,
    };

    private static bool? Boolean(JsonNode? value) => value switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.True => true,
        JsonValue v when v.GetValueKind() == JsonValueKind.False => false,
        JsonValue v when v.GetValueKind() == JsonValueKind.String && bool.TryParse(v.GetValue<string>(), out var b) => b,
        _ => null,
    };

    private static double Number(string nodeId, string variable, JsonNode? value, string? text)
    {
        if (value is JsonValue v && v.GetValueKind() == JsonValueKind.Number)
        {
            return AppVariables.ToNumber(v);
        }

        if (double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed))
        {
            return parsed;
        }

        throw new ValidationException(nodeId, $"Node '{nodeId}' compares {variable} as a number, but '{AppVariables.Clip(text ?? string.Empty, 80)}' is not one.")
        {
            MessageKey = "Apps.Error.ConditionNotNumber",
            MessageArguments = [nodeId, variable, AppVariables.Clip(text ?? string.Empty, 80)],
        };
    }
}
