using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AiPlatform.Core.Apps;

/// <summary>Readers of node settings (<see cref="AppNode.Config"/>) that tolerate missing or mistyped values.</summary>
public static partial class AppNodeCatalog
{
    public static string? GetString(JsonObject? config, string name) => config?[name] switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => v.ToJsonString(),
        _ => null,
    };

    public static double? GetNumber(JsonObject? config, string name) => config?[name] switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => AppVariables.ToNumber(v),
        JsonValue v when v.GetValueKind() == JsonValueKind.String && double.TryParse(v.GetValue<string>(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) => d,
        _ => null,
    };

    public static int? GetInt(JsonObject? config, string name) => GetNumber(config, name) is { } d && !double.IsNaN(d) ? (int)Math.Clamp(Math.Round(d), int.MinValue, int.MaxValue) : null;

    public static bool? GetBool(JsonObject? config, string name) => config?[name] switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.True => true,
        JsonValue v when v.GetValueKind() == JsonValueKind.False => false,
        JsonValue v when v.GetValueKind() == JsonValueKind.String && bool.TryParse(v.GetValue<string>(), out var b) => b,
        _ => null,
    };

    /// <summary>An array setting, or an empty array when it is missing or not an array.</summary>
    public static JsonArray GetArray(JsonObject? config, string name) => config?[name] as JsonArray ?? [];

    public static JsonObject? GetObject(JsonObject? config, string name) => config?[name] as JsonObject;

    /// <summary>The objects of an array setting that have a non-empty <c>name</c>, with that name.</summary>
    public static IEnumerable<(string Name, JsonObject Item)> NamedItems(JsonObject? config, string name) =>
        GetArray(config, name).OfType<JsonObject>().Select(o => (Name: GetString(o, "name")?.Trim() ?? string.Empty, Item: o)).Where(p => p.Name.Length > 0);

    /// <summary>The body graph of an iteration or a loop; null when it has none. Malformed JSON is a <see cref="Common.ValidationException"/>.</summary>
    public static AppGraph? Body(AppNode node)
    {
        if (node.Config["body"] is not JsonObject body)
        {
            return null;
        }

        try
        {
            return body.Deserialize<AppGraph>(AppGraph.JsonOptions) ?? new AppGraph();
        }
        catch (JsonException e)
        {
            throw new Common.ValidationException("body", $"The body of node '{node.Id}' is not a valid graph: {e.Message}") { MessageKey = "Apps.Error.BodyInvalid", MessageArguments = [node.Id, e.Message] };
        }
    }
}
