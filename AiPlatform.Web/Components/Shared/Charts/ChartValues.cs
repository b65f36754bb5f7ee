using System.Collections;
using System.Text.Json;
using System.Text.Json.Nodes;
using Plotly.Blazor;

namespace AiPlatform.Web.Components.Shared.Charts;

/// <summary>
/// Values a chart can take. System.Text.Json refuses NaN and ±Infinity, and Plotly.Blazor serialises every trace, so one
/// non-finite number anywhere would fail the whole chart (and, before, the page): everything non-finite becomes null,
/// which Plotly draws as a gap.
/// </summary>
public static class ChartValues
{
    /// <summary>A finite number as it is; missing, NaN or ±Infinity as null.</summary>
    public static object? Plottable(double? value) => value is { } d && double.IsFinite(d) ? d : null;

    /// <summary>The last line of defence before a chart is serialised: replaces non-finite numbers in every list of a trace.</summary>
    public static IList<ITrace> Sanitize(IList<ITrace> traces)
    {
        foreach (var trace in traces)
        {
            SanitizeObject(trace, depth: 0);
        }

        return traces;
    }

    private static void SanitizeObject(object? target, int depth)
    {
        if (target is null || depth > 3)
        {
            return;
        }

        foreach (var property in target.GetType().GetProperties())
        {
            if (!property.CanRead || property.GetIndexParameters().Length > 0 || property.PropertyType.IsPrimitive || property.PropertyType == typeof(string))
            {
                continue;
            }

            var value = property.GetValue(target);
            switch (value)
            {
                case IList<object> list:
                    for (var i = 0; i < list.Count; i++)
                    {
                        if (list[i] is double d && !double.IsFinite(d) || list[i] is float f && !float.IsFinite(f))
                        {
                            list[i] = null!;
                        }
                    }

                    break;
                case double d when !double.IsFinite(d) && property.CanWrite && Nullable.GetUnderlyingType(property.PropertyType) is not null:
                    property.SetValue(target, null);
                    break;
                case IEnumerable items and not string when property.PropertyType.IsGenericType:
                    // Nested objects (parallel-coordinates dimensions, marker and line settings).
                    foreach (var item in items)
                    {
                        if (item is not null && !item.GetType().IsPrimitive && item is not string)
                        {
                            SanitizeObject(item, depth + 1);
                        }
                    }

                    break;
                case { } nested when nested.GetType().Namespace?.StartsWith("Plotly.Blazor", StringComparison.Ordinal) == true && !nested.GetType().IsEnum:
                    SanitizeObject(nested, depth + 1);
                    break;
            }
        }
    }

    // Plotly reads labels as a small HTML subset (<a href>, <b>, <span style>): text that comes from users (run names,
    // metric keys, parameter values, category values) is escaped so it shows as written and can never become a link.
    private static readonly HashSet<string> TextKeys = new(StringComparer.Ordinal)
    {
        "name", "text", "hovertext", "x", "y", "z", "labels", "label", "ticktext", "title",
    };

    /// <summary>
    /// The trace or layout JSON with every user-visible string escaped for Plotly's HTML subset (&amp;, &lt;, &gt;); keys
    /// such as <c>hovertemplate</c> that the platform writes itself, and enumerations such as <c>mode</c>, stay as they are.
    /// </summary>
    public static JsonElement EscapeText(JsonElement json)
    {
        var node = JsonNode.Parse(json.GetRawText());
        EscapeIn(node);
        return JsonSerializer.SerializeToElement(node);
    }

    /// <summary>Plotly's entity-escaped form of a label.</summary>
    public static string EscapeLabel(string text) =>
        text.Replace("&", "&amp;", StringComparison.Ordinal).Replace("<", "&lt;", StringComparison.Ordinal).Replace(">", "&gt;", StringComparison.Ordinal);

    private static void EscapeIn(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var key in obj.Select(p => p.Key).ToList())
                {
                    if (TextKeys.Contains(key) && obj[key] is JsonValue text && text.GetValueKind() == JsonValueKind.String)
                    {
                        obj[key] = JsonValue.Create(EscapeLabel(text.GetValue<string>()));
                    }
                    else if (TextKeys.Contains(key) && obj[key] is JsonArray texts)
                    {
                        EscapeStrings(texts);
                    }

                    EscapeIn(obj[key]);
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    EscapeIn(item);
                }

                break;
        }
    }

    private static void EscapeStrings(JsonArray array)
    {
        for (var i = 0; i < array.Count; i++)
        {
            if (array[i] is JsonValue item && item.GetValueKind() == JsonValueKind.String)
            {
                array[i] = JsonValue.Create(EscapeLabel(item.GetValue<string>()));
            }
        }
    }
}
