using System.Text.Json.Nodes;

namespace AiPlatform.Core.Apps.Nodes;

/// <summary>Helpers of the executors for values that may be one variable (keeping its type) or a template (text).</summary>
public static class NodeValues
{
    /// <summary><c>"{{llm1.json}}"</c> is the object itself; <c>"Hello {{start.name}}"</c> is rendered text; null stays null.</summary>
    public static JsonNode? Evaluate(NodeRunContext context, string? template) =>
        template is null ? null : AppVariables.AsSingleReference(template) is { } single ? context.Resolve(single.Text) : JsonValue.Create(context.Render(template));

    /// <summary>The <c>[{name, value}]</c> items of a setting as an object of evaluated values.</summary>
    public static JsonObject EvaluateMap(NodeRunContext context, string setting)
    {
        var result = new JsonObject();
        foreach (var (name, item) in AppNodeCatalog.NamedItems(context.Node.Config, setting))
        {
            result[name] = Evaluate(context, AppNodeCatalog.GetString(item, "value"));
        }

        return result;
    }
}
