using System.Text.Json.Nodes;
using AiPlatform.Core.Apps;

namespace AiPlatform.Web.Features.Apps;

/// <summary>One input of an app: a field of its start node (<c>{name, type, label, required, options}</c>).</summary>
public sealed record AppInputField(string Name, string Type, string? Label, bool Required, IReadOnlyList<string> Options)
{
    /// <summary>The fields of a start node's settings (the draft's, or a published version's).</summary>
    public static IReadOnlyList<AppInputField> Of(JsonNode? startConfig)
    {
        if (startConfig?["fields"] is not JsonArray fields)
        {
            return [];
        }

        return [.. fields.OfType<JsonObject>()
            .Where(f => f["name"] is JsonValue)
            .Select(f => new AppInputField(
                f["name"]!.ToString(),
                f["type"]?.ToString() ?? "text",
                f["label"]?.ToString(),
                f["required"]?.GetValueKind() == System.Text.Json.JsonValueKind.True,
                f["options"] is JsonArray options ? [.. options.Select(o => o?.ToString() ?? string.Empty)] : []))];
    }

    public static IReadOnlyList<AppInputField> Of(AppGraph graph) => Of(graph.Nodes.FirstOrDefault(n => n.Type == AppNodeTypes.Start)?.Config);
}
