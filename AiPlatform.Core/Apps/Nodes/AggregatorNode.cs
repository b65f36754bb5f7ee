using System.Text.Json;
using System.Text.Json.Nodes;

namespace AiPlatform.Core.Apps.Nodes;

/// <summary>The variable aggregator: the first of its variables that has a value (branches not taken have none) → <c>value</c>.</summary>
public sealed class AggregatorNode : IAppNodeExecutor
{
    public bool RunsInline => true;

    public string Type => AppNodeTypes.Aggregator;

    public Task<NodeOutcome> ExecuteAsync(NodeRunContext context, CancellationToken ct)
    {
        var inputs = new JsonObject();
        JsonNode? chosen = null;
        foreach (var item in AppNodeCatalog.GetArray(context.Node.Config, "variables"))
        {
            var reference = item is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null;
            if (reference is null)
            {
                continue;
            }

            var value = context.Resolve(reference);
            inputs[reference] = value?.DeepClone();
            if (chosen is null && value is not null && value.GetValueKind() != JsonValueKind.Null)
            {
                chosen = value;
            }
        }

        return Task.FromResult(new NodeOutcome(new JsonObject { ["value"] = chosen?.DeepClone() }) { Inputs = inputs });
    }
}
