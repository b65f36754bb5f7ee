using System.Globalization;
using AiPlatform.Core.Apps;
using Microsoft.Extensions.Localization;

namespace AiPlatform.Web.Features.Apps;

/// <summary>The workbench's words: node type names, setting labels, port labels, durations, stored errors.</summary>
public static class AppText
{
    /// <summary>The localized name of a node type (<c>Apps.Node.llm</c>), or the type itself.</summary>
    public static string NodeType(IStringLocalizer l, string type) => Or(l[$"Apps.Node.{type}"], type);

    /// <summary>The node's own title, or its type's name.</summary>
    public static string NodeTitle(IStringLocalizer l, AppNode node) => string.IsNullOrWhiteSpace(node.Title) ? NodeType(l, node.Type) : node.Title;

    /// <summary>The label of a setting (<c>Apps.Setting.{type}.{name}</c>), or its name.</summary>
    public static string Setting(IStringLocalizer l, string type, string name) => Or(l[$"Apps.Setting.{type}.{name}"], name);

    /// <summary>What a diff names as changed: a setting of the node type, or the node's title, type, error policy or time limit.</summary>
    public static string DiffSetting(IStringLocalizer l, string type, string name) => name switch
    {
        "title" => l["Apps.Node.Title"],
        "type" => l["Apps.Rows.Type"],
        "onError" => l["Apps.Node.ErrorPolicy"],
        "timeoutSeconds" => l["Apps.Node.Timeout"],
        _ => Setting(l, type, name),
    };

    /// <summary>The palette group's name (<c>Apps.Group.{group}</c>).</summary>
    public static string Group(IStringLocalizer l, string group) => Or(l[$"Apps.Group.{group}"], group);

    /// <summary>A port's label: true/false, case N / default, class names.</summary>
    public static string PortLabel(IStringLocalizer l, AppNode node, string port)
    {
        if (port.StartsWith("case-", StringComparison.Ordinal) || port.StartsWith("class-", StringComparison.Ordinal))
        {
            var index = int.TryParse(port[(port.IndexOf('-') + 1)..], CultureInfo.InvariantCulture, out var n) ? n : 0;
            if (port.StartsWith("class-", StringComparison.Ordinal) && node.Config["classes"] is System.Text.Json.Nodes.JsonArray classes
                && index < classes.Count && classes[index]?["name"]?.GetValue<string>() is { Length: > 0 } name)
            {
                return name;
            }

            return l[port.StartsWith("case-", StringComparison.Ordinal) ? "Apps.Port.Case" : "Apps.Port.Class", index + 1];
        }

        return Or(l[$"Apps.Port.{port}"], port);
    }

    public static string Duration(double? milliseconds) => milliseconds switch
    {
        null => "—",
        < 1000 => $"{milliseconds.Value.ToString("N0", CultureInfo.CurrentCulture)} ms",
        < 60_000 => $"{(milliseconds.Value / 1000).ToString("N1", CultureInfo.CurrentCulture)} s",
        _ => $"{(milliseconds.Value / 60_000).ToString("N1", CultureInfo.CurrentCulture)} min",
    };

    /// <summary>A stored error in the reader's language when it was stored with a resource key, else its English text.</summary>
    public static string? Error(IStringLocalizer l, string? error, string? key, IEnumerable<string>? arguments)
    {
        if (key is not null && l[key, [.. (arguments ?? [])]] is { ResourceNotFound: false } localized)
        {
            return localized.Value;
        }

        return error;
    }

    /// <summary>The arguments of a stored error (a JSON array of strings).</summary>
    public static IReadOnlyList<string> Arguments(string? json)
    {
        if (string.IsNullOrWhiteSpace(json))
        {
            return [];
        }

        try
        {
            return System.Text.Json.JsonSerializer.Deserialize<List<string>>(json) ?? [];
        }
        catch (System.Text.Json.JsonException)
        {
            return [];
        }
    }

    private static string Or(LocalizedString value, string fallback) => value.ResourceNotFound ? fallback : value.Value;
}
