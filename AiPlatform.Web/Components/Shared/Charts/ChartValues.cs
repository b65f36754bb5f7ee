using System.Collections;
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
}
