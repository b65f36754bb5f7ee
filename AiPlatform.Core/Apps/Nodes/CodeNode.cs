using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Apps.Nodes;

/// <summary>
/// The code node: JavaScript's <c>main(inputs)</c> over the declared inputs (<c>inputs: [{name, value}]</c>) in the sandbox
/// (<see cref="IScriptRunner"/>). Outputs <c>result</c> (what <c>main</c> returned) and, when it returned an object, its
/// fields; declared outputs (<c>outputs: [{name, type}]</c>) must be there with their type.
/// </summary>
public sealed class CodeNode(IScriptRunner runner) : IAppNodeExecutor
{
    public string Type => AppNodeTypes.Code;

    public async Task<NodeOutcome> ExecuteAsync(NodeRunContext context, CancellationToken ct)
    {
        var node = context.Node;
        var inputs = NodeValues.EvaluateMap(context, "inputs");
        var result = await runner.RunAsync(AppNodeCatalog.GetString(node.Config, "code") ?? string.Empty, (JsonObject)inputs.DeepClone(), ct);
        var outputs = new JsonObject();
        if (result is JsonObject fields)
        {
            foreach (var (name, value) in fields)
            {
                if (name != "result")
                {
                    outputs[name] = value?.DeepClone();
                }
            }
        }

        outputs["result"] = result?.DeepClone();
        foreach (var (name, declared) in AppNodeCatalog.NamedItems(node.Config, "outputs"))
        {
            var type = AppNodeCatalog.ParseValueType(AppNodeCatalog.GetString(declared, "type")) ?? AppValueType.Any;
            var value = name == "result" ? result : (result as JsonObject)?[name];
            if (value is null && !(result is JsonObject o && o.ContainsKey(name)))
            {
                throw new ValidationException(node.Id, $"The code of node '{node.Id}' returned no '{name}'.") { MessageKey = "Apps.Error.CodeOutputMissing", MessageArguments = [node.Id, name] };
            }

            if (value is not null && !Fits(value, type))
            {
                throw new ValidationException(node.Id, $"The code of node '{node.Id}' returned '{name}' of the wrong type (expected {AppNodeCatalog.GetString(declared, "type")}).")
                {
                    MessageKey = "Apps.Error.CodeOutputType",
                    MessageArguments = [node.Id, name, AppNodeCatalog.GetString(declared, "type") ?? "any"],
                };
            }
        }

        return new NodeOutcome(outputs) { Inputs = inputs };
    }

    private static bool Fits(JsonNode value, AppValueType type) => type switch
    {
        AppValueType.String => value.GetValueKind() == JsonValueKind.String,
        AppValueType.Number => value.GetValueKind() == JsonValueKind.Number,
        AppValueType.Boolean => value.GetValueKind() is JsonValueKind.True or JsonValueKind.False,
        AppValueType.Object => value is JsonObject,
        AppValueType.ArrayString => value is JsonArray a && a.All(i => i?.GetValueKind() == JsonValueKind.String),
        AppValueType.ArrayNumber => value is JsonArray a && a.All(i => i?.GetValueKind() == JsonValueKind.Number),
        AppValueType.ArrayObject => value is JsonArray a && a.All(i => i is JsonObject),
        _ => true,
    };
}
