using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Apps.Nodes;

/// <summary>
/// Reads the settings of the nodes that call platform services (<see cref="AppNode.Config"/>) and refuses a missing or
/// unusable one with a key that names the node and the setting (<c>Apps.Error.NodeSettingMissing</c>, <c>Apps.Error.NodeSettingValue</c>).
/// </summary>
internal static class ServiceNodeConfig
{
    public static string? Text(AppNode node, string name) =>
        node.Config[name] switch
        {
            null => null,
            JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
            JsonValue v when v.GetValueKind() is JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => v.ToJsonString(),
            var other => throw Invalid(node, name, other.ToJsonString()),
        };

    public static string RequiredText(AppNode node, string name) =>
        Text(node, name) is { } text && !string.IsNullOrWhiteSpace(text) ? text.Trim() : throw Required(node, name);

    /// <summary>A number written as a number or as text (the side panel may send either); null when not set.</summary>
    public static double? Number(AppNode node, string name)
    {
        switch (node.Config[name])
        {
            case null:
                return null;
            case JsonValue v when v.GetValueKind() == JsonValueKind.Number:
                return v.GetValue<double>();
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                var text = v.GetValue<string>().Trim();
                if (text.Length == 0)
                {
                    return null;
                }

                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && double.IsFinite(parsed) ? parsed : throw Invalid(node, name, text);
            case var other:
                throw Invalid(node, name, other.ToJsonString());
        }
    }

    /// <summary>A whole number within <paramref name="min"/>..<paramref name="max"/>; null when not set.</summary>
    public static int? Integer(AppNode node, string name, int min, int max) =>
        Number(node, name) is not { } n ? null
        : n == Math.Floor(n) && n >= min && n <= max ? (int)n
        : throw Invalid(node, name, n.ToString(CultureInfo.InvariantCulture));

    public static bool Flag(AppNode node, string name, bool fallback) =>
        node.Config[name] switch
        {
            null => fallback,
            JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
            JsonValue v when v.GetValueKind() == JsonValueKind.String && bool.TryParse(v.GetValue<string>(), out var b) => b,
            var other => throw Invalid(node, name, other.ToJsonString()),
        };

    /// <summary>An array of object ids (strings); at least one.</summary>
    public static IReadOnlyList<Guid> Ids(AppNode node, string name)
    {
        var ids = new List<Guid>();
        switch (node.Config[name])
        {
            case null:
                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    ids.Add(item is JsonValue v && v.GetValueKind() == JsonValueKind.String && Guid.TryParse(v.GetValue<string>(), out var id) ? id : throw Invalid(node, name, item?.ToJsonString() ?? "null"));
                }

                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String && Guid.TryParse(v.GetValue<string>(), out var single):
                ids.Add(single);
                break;
            case var other:
                throw Invalid(node, name, other.ToJsonString());
        }

        return ids.Count > 0 ? [.. ids.Distinct()] : throw Required(node, name);
    }

    /// <summary>The objects of an array setting (classes, parameters); an empty list when not set.</summary>
    public static IReadOnlyList<JsonObject> Objects(AppNode node, string name) =>
        node.Config[name] switch
        {
            null => [],
            JsonArray array => [.. array.Select(i => i as JsonObject ?? throw Invalid(node, name, i?.ToJsonString() ?? "null"))],
            var other => throw Invalid(node, name, other.ToJsonString()),
        };

    /// <summary>A JSON object setting written as an object or as JSON text (a schema, headers); null when not set.</summary>
    public static JsonObject? Object(AppNode node, string name)
    {
        switch (node.Config[name])
        {
            case null:
                return null;
            case JsonObject o:
                return o;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                var text = v.GetValue<string>();
                if (string.IsNullOrWhiteSpace(text))
                {
                    return null;
                }

                try
                {
                    return JsonNode.Parse(text) as JsonObject ?? throw Invalid(node, name, Excerpt(text));
                }
                catch (JsonException)
                {
                    throw Invalid(node, name, Excerpt(text));
                }

            case var other:
                throw Invalid(node, name, other.ToJsonString());
        }
    }

    /// <summary>
    /// The value of a template setting: a template that is one reference (<c>{{start.age}}</c>) keeps the referenced
    /// value's type (a number stays a number); any other text is rendered; a JSON literal (number, boolean, object) is
    /// taken as it is, with the text in an object or array rendered.
    /// </summary>
    public static JsonNode? Value(NodeRunContext context, JsonNode? setting)
    {
        switch (setting)
        {
            case null:
                return null;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                return AppVariables.Evaluate(v.GetValue<string>(), r => context.Resolve(r.Text));
            case JsonObject o:
                var rendered = new JsonObject();
                foreach (var (key, item) in o)
                {
                    rendered[key] = Value(context, item);
                }

                return rendered;
            case JsonArray a:
                return new JsonArray([.. a.Select(i => Value(context, i))]);
            default:
                return setting.DeepClone();
        }
    }

    public static ValidationException Required(AppNode node, string name) =>
        new(name, $"Node '{node.Id}': set '{name}'.") { MessageKey = "Apps.Error.NodeSettingMissing", MessageArguments = [node.Id, name] };

    public static ValidationException Invalid(AppNode node, string name, string value) =>
        new(name, $"Node '{node.Id}': the setting '{name}' cannot be {Excerpt(value)}.") { MessageKey = "Apps.Error.NodeSettingValue", MessageArguments = [node.Id, name, Excerpt(value)] };

    /// <summary>At most 200 characters of a value, for a message.</summary>
    public static string Excerpt(string? text) =>
        text is null ? string.Empty : text.Length <= 200 ? text : string.Concat(text.AsSpan(0, 200), "…");

}
