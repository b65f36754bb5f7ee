using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AiPlatform.Core.Chat;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Apps.Nodes;

/// <summary>
/// The parameter extractor: a platform model (through the gateway, like the LLM node) reads the query and answers
/// under a JSON schema made of the node's parameters ({name, type, description, required}); the answer is checked
/// (required parameters present, each of its type) before it goes on. Outputs each parameter by its name (null when
/// an optional one was not found) and <c>json</c> (all of them).
/// </summary>
public sealed partial class ExtractorNode(GatewayService gateway) : IAppNodeExecutor
{
    public const int MaxParameters = 50;

    /// <summary>The parameter types and their JSON schema.</summary>
    public static readonly IReadOnlyDictionary<string, JsonObject> Types = new Dictionary<string, JsonObject>(StringComparer.Ordinal)
    {
        ["string"] = new() { ["type"] = "string" },
        ["number"] = new() { ["type"] = "number" },
        ["integer"] = new() { ["type"] = "integer" },
        ["boolean"] = new() { ["type"] = "boolean" },
        ["object"] = new() { ["type"] = "object" },
        ["array[string]"] = new() { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "string" } },
        ["array[number]"] = new() { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "number" } },
        ["array[object]"] = new() { ["type"] = "array", ["items"] = new JsonObject { ["type"] = "object" } },
        ["any"] = [],
    };

    public string Type => AppNodeTypes.Extractor;

    public async Task<NodeOutcome> ExecuteAsync(NodeRunContext context, CancellationToken ct)
    {
        var node = context.Node;
        var model = ServiceNodeConfig.RequiredText(node, "model");
        var parameters = Parameters(node);
        var query = context.Render(ServiceNodeConfig.Text(node, "query")).Trim();
        if (query.Length == 0)
        {
            throw ServiceNodeConfig.Required(node, "query");
        }

        var properties = new JsonObject();
        foreach (var p in parameters)
        {
            var schema = (JsonObject)Types[p.Type].DeepClone();
            if (!string.IsNullOrEmpty(p.Description))
            {
                schema["description"] = p.Description;
            }

            properties[p.Name] = schema;
        }

        var answerSchema = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = properties,
            ["required"] = new JsonArray([.. parameters.Where(p => p.Required).Select(p => (JsonNode)p.Name)]),
            ["additionalProperties"] = false,
        };
        var system = new StringBuilder("Extract these parameters from the user's text and answer with one JSON object that has them as fields, and nothing else. Leave out an optional parameter the text does not give.\nParameters:\n");
        foreach (var p in parameters)
        {
            system.Append("- ").Append(p.Name).Append(" (").Append(p.Type).Append(p.Required ? ", required" : ", optional").Append(')');
            if (!string.IsNullOrEmpty(p.Description))
            {
                system.Append(": ").Append(p.Description);
            }

            system.Append('\n');
        }

        var instructions = context.Render(ServiceNodeConfig.Text(node, "instructions"));
        if (!string.IsNullOrWhiteSpace(instructions))
        {
            system.Append("\nInstructions: ").Append(instructions.Trim());
        }

        var messages = new JsonArray(LlmCall.Message("system", system.ToString()), LlmCall.Message("user", query));
        var reply = await LlmCall.CompleteAsync(gateway, context, new LlmAsk(model, messages, 0, null, LlmCall.SchemaFormat("parameters", answerSchema)), null, ct);
        if (LlmCall.ParseJson(node.Id, reply.Text) is not JsonObject answer)
        {
            throw new ValidationException("json", $"Node '{node.Id}': the model's answer is not a JSON object: {ServiceNodeConfig.Excerpt(reply.Text)}") { MessageKey = "Apps.Error.LlmNotJson", MessageArguments = [node.Id, ServiceNodeConfig.Excerpt(reply.Text)] };
        }

        var outputs = new JsonObject();
        var json = new JsonObject();
        foreach (var p in parameters)
        {
            var value = answer[p.Name];
            if (value is null || value.GetValueKind() == JsonValueKind.Null)
            {
                if (p.Required)
                {
                    throw new ValidationException(p.Name, $"Node '{node.Id}': the model did not give the required parameter '{p.Name}'.") { MessageKey = "Apps.Error.ExtractorMissing", MessageArguments = [node.Id, p.Name] };
                }

                outputs[p.Name] = null;
                json[p.Name] = null;
                continue;
            }

            if (!Matches(value, p.Type))
            {
                var excerpt = ServiceNodeConfig.Excerpt(value.ToJsonString());
                throw new ValidationException(p.Name, $"Node '{node.Id}': the model gave '{p.Name}' as {excerpt}, which is not of type {p.Type}.") { MessageKey = "Apps.Error.ExtractorType", MessageArguments = [node.Id, p.Name, excerpt, p.Type] };
            }

            outputs[p.Name] = value.DeepClone();
            json[p.Name] = value.DeepClone();
        }

        outputs["json"] = json;
        var inputs = new JsonObject { ["model"] = model, ["query"] = query, ["parameters"] = new JsonArray([.. parameters.Select(p => (JsonNode)p.Name)]), ["instructions"] = instructions };
        return new NodeOutcome(outputs) { Inputs = inputs, PromptTokens = reply.PromptTokens, CompletionTokens = reply.CompletionTokens, Model = reply.Model };
    }

    /// <summary>Whether a value is of a parameter type; an integer is a number without a fraction.</summary>
    internal static bool Matches(JsonNode value, string type) => type switch
    {
        "string" => value.GetValueKind() == JsonValueKind.String,
        "number" => value.GetValueKind() == JsonValueKind.Number,
        "integer" => value.GetValueKind() == JsonValueKind.Number && value.GetValue<double>() is var d && d == Math.Floor(d) && double.IsFinite(d),
        "boolean" => value.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
        "object" => value is JsonObject,
        "array[string]" => value is JsonArray a && a.All(i => i?.GetValueKind() == JsonValueKind.String),
        "array[number]" => value is JsonArray a && a.All(i => i?.GetValueKind() == JsonValueKind.Number),
        "array[object]" => value is JsonArray a && a.All(i => i is JsonObject),
        "any" => true,
        _ => false,
    };

    private static List<(string Name, string Type, string? Description, bool Required)> Parameters(AppNode node)
    {
        var list = new List<(string Name, string Type, string? Description, bool Required)>();
        foreach (var item in ServiceNodeConfig.Objects(node, "parameters"))
        {
            var name = Str(item["name"])?.Trim() ?? string.Empty;
            var type = (Str(item["type"])?.Trim() ?? "string").ToLowerInvariant() switch
            {
                "text" => "string",
                "bool" => "boolean",
                var named => named,
            };
            var required = item["required"] is JsonValue r && r.GetValueKind() == JsonValueKind.True;
            if (!ParameterName().IsMatch(name) || name == "json" || !Types.ContainsKey(type) || list.Any(p => p.Name == name))
            {
                throw new ValidationException("parameters", $"Node '{node.Id}': '{name}' of type '{type}' is not a parameter it can extract.") { MessageKey = "Apps.Error.ExtractorParameter", MessageArguments = [node.Id, name, type] };
            }

            list.Add((name, type, Str(item["description"])?.Trim(), required));
        }

        return list.Count is > 0 and <= MaxParameters ? list : throw ServiceNodeConfig.Required(node, "parameters");
    }

    private static string? Str(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex ParameterName();
}
