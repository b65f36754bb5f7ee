using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;

namespace AiPlatform.Core.Apps;

/// <summary>
/// Variable references in node settings: <c>{{nodeId.field}}</c>, <c>{{nodeId.field.path.0}}</c>, and the system
/// variables <c>{{sys.query}}</c>, <c>{{sys.conversation_id}}</c>, <c>{{sys.user}}</c> and <c>{{sys.user_id}}</c> (the user who
/// asked for the run), <c>{{sys.publisher}}</c> (the user whose rights a published run uses), <c>{{sys.history}}</c>.
/// </summary>
public static partial class AppVariables
{
    /// <summary>The root of the system variables.</summary>
    public const string System = "sys";

    /// <summary>The root of an app's secrets (<c>{{secret.NAME}}</c>), only in HTTP nodes' header values.</summary>
    public const string Secret = "secret";

    public static IReadOnlyList<string> SystemFields { get; } = ["query", "conversation_id", "user", "user_id", "publisher", "history"];

    /// <summary>The system variables only chat apps have.</summary>
    public static IReadOnlyList<string> ChatSystemFields { get; } = ["query", "conversation_id", "history"];

    private const string ReferenceBody = @"([A-Za-z][A-Za-z0-9_]*(?:\.[A-Za-z0-9_\-]+)*)";

    [GeneratedRegex(@"\{\{\s*" + ReferenceBody + @"\s*\}\}", RegexOptions.CultureInvariant)]
    private static partial Regex ReferenceInTemplate();

    [GeneratedRegex(@"^\s*(?:\{\{\s*" + ReferenceBody + @"\s*\}\}|" + ReferenceBody + @")\s*$", RegexOptions.CultureInvariant)]
    private static partial Regex SingleReference();

    /// <summary>Reads <c>{{a.b}}</c> or <c>a.b</c> (whitespace around it allowed); false for anything else.</summary>
    public static bool TryParse(string? reference, out AppVariableReference parsed)
    {
        parsed = null!;
        if (string.IsNullOrWhiteSpace(reference))
        {
            return false;
        }

        var match = SingleReference().Match(reference);
        if (!match.Success)
        {
            return false;
        }

        parsed = Split(match.Groups[1].Success ? match.Groups[1].Value : match.Groups[2].Value);
        return true;
    }

    /// <summary>The one reference a template consists of (<c>"{{llm1.json}}"</c>), or null when it is text with or without references in it.</summary>
    public static AppVariableReference? AsSingleReference(string? template)
    {
        if (template is null)
        {
            return null;
        }

        var match = SingleReference().Match(template);
        return match.Success && match.Groups[1].Success ? Split(match.Groups[1].Value) : null;
    }

    /// <summary>Every reference in a template, in order (repeats included).</summary>
    public static IReadOnlyList<AppVariableReference> FindReferences(string? template)
    {
        if (string.IsNullOrEmpty(template) || !template.Contains("{{", StringComparison.Ordinal))
        {
            return [];
        }

        return [.. ReferenceInTemplate().Matches(template).Select(m => Split(m.Groups[1].Value))];
    }

    /// <summary>Every reference in the string values of a JSON tree (node settings), in document order.</summary>
    public static IReadOnlyList<AppVariableReference> FindReferences(JsonNode? node)
    {
        var found = new List<AppVariableReference>();
        Collect(node, found);
        return found;
    }

    private static void Collect(JsonNode? node, List<AppVariableReference> found)
    {
        switch (node)
        {
            case JsonObject o:
                foreach (var (_, value) in o)
                {
                    Collect(value, found);
                }

                break;
            case JsonArray a:
                foreach (var item in a)
                {
                    Collect(item, found);
                }

                break;
            case JsonValue v when v.GetValueKind() == JsonValueKind.String:
                found.AddRange(FindReferences(v.GetValue<string>()));
                break;
        }
    }

    /// <summary>
    /// The value of a reference in a variables object (<c>{"start": {...}, "llm1": {...}, "sys": {...}}</c>), deep-copied;
    /// null when the root is there but the path leads nowhere. <paramref name="found"/> is false when the root is missing.
    /// </summary>
    public static JsonNode? Resolve(JsonObject variables, AppVariableReference reference, out bool found)
    {
        found = variables.TryGetPropertyValue(reference.Root, out var root);
        return found ? Walk(root, reference.Path)?.DeepClone() : null;
    }

    /// <summary>Follows a path into a JSON value: object fields by name, array items by index. Not copied.</summary>
    public static JsonNode? Walk(JsonNode? node, IReadOnlyList<string> path)
    {
        foreach (var segment in path)
        {
            node = node switch
            {
                JsonObject o => o.TryGetPropertyValue(segment, out var next) ? next : null,
                JsonArray a when int.TryParse(segment, NumberStyles.None, CultureInfo.InvariantCulture, out var i) && i < a.Count => a[i],
                JsonArray a when segment == "length" => JsonValue.Create(a.Count),
                _ => null,
            };
            if (node is null)
            {
                return null;
            }
        }

        return node;
    }

    /// <summary>A template with every reference replaced through <paramref name="resolve"/> (strings as they are, null as nothing, other values as JSON).</summary>
    public static string Render(string? template, Func<AppVariableReference, JsonNode?> resolve)
    {
        if (string.IsNullOrEmpty(template) || !template.Contains("{{", StringComparison.Ordinal))
        {
            return template ?? string.Empty;
        }

        return ReferenceInTemplate().Replace(template, m => ToText(resolve(Split(m.Groups[1].Value))));
    }

    /// <summary>
    /// A template with every reference replaced by what <paramref name="format"/> makes of its value, given where the
    /// reference stands in the template (to escape a value for the place it goes: a URL, a JSON string).
    /// </summary>
    public static string Render(string? template, Func<AppVariableReference, JsonNode?> resolve, Func<JsonNode?, int, string> format)
    {
        if (string.IsNullOrEmpty(template) || !template.Contains("{{", StringComparison.Ordinal))
        {
            return template ?? string.Empty;
        }

        return ReferenceInTemplate().Replace(template, m => format(resolve(Split(m.Groups[1].Value)), m.Index));
    }

    /// <summary>A template rendered against a variables object; unknown roots render as nothing.</summary>
    public static string Render(string? template, JsonObject variables) => Render(template, r => Resolve(variables, r, out _));

    /// <summary>
    /// The value of a setting that may be a single reference (keeps its JSON type: <c>"{{llm1.json}}"</c> is the object)
    /// or a template (rendered to a string). Null template → null.
    /// </summary>
    public static JsonNode? Evaluate(string? template, Func<AppVariableReference, JsonNode?> resolve)
    {
        if (template is null)
        {
            return null;
        }

        return AsSingleReference(template) is { } single ? resolve(single)?.DeepClone() : JsonValue.Create(Render(template, resolve));
    }

    /// <summary>A value as text: strings as they are, null as empty, numbers invariant, anything else as JSON.</summary>
    public static string ToText(JsonNode? value) => value switch
    {
        null => string.Empty,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => value.ToJsonString(TextJson),
    };

    /// <summary>JSON as people read it in prompts: not indented, non-ASCII text kept as it is.</summary>
    internal static readonly JsonSerializerOptions TextJson = new(JsonSerializerDefaults.Web)
    {
        Encoder = global::System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    };

    /// <summary>A JSON number as a double, whatever .NET type holds it.</summary>
    public static double ToNumber(JsonValue value) =>
        value.TryGetValue<double>(out var d) ? d : double.Parse(value.ToJsonString(), NumberStyles.Float, CultureInfo.InvariantCulture);

    /// <summary>A reference's text with braces, for messages.</summary>
    public static string Format(AppVariableReference reference) => reference.ToString();

    private static AppVariableReference Split(string text)
    {
        var parts = text.Split('.');
        return new AppVariableReference(parts[0], parts.Length == 1 ? [] : parts[1..]);
    }

    /// <summary>Text cut to a length for messages and previews.</summary>
    internal static string Clip(string text, int max = 200)
    {
        if (text.Length <= max)
        {
            return text;
        }

        var builder = new StringBuilder(text, 0, max, max + 1);
        builder.Append('…');
        return builder.ToString();
    }
}
