using System.Text.Json.Nodes;
using AiPlatform.Core.Apps;
using Microsoft.Extensions.Localization;

namespace AiPlatform.Web.Features.Apps;

/// <summary>What the workbench's pages take from Core's node catalog and validator, in the reader's language.</summary>
public static class AppCatalogView
{
    public static AppNodeDescriptor? Find(string type) => AppNodeCatalog.Find(type);

    /// <summary>The palette: the node types an app of this kind may hold (start only once, so not offered), by group in the catalog's order.</summary>
    public static IEnumerable<IGrouping<string, AppNodeDescriptor>> Palette(AppKind kind) =>
        AppNodeCatalog.All
            .Where(d => d.Type != AppNodeTypes.Start && AppNodeCatalog.AllowedIn(d.Type, kind))
            .GroupBy(d => d.Group)
            .OrderBy(g => IndexOf(AppNodeCatalog.Groups, g.Key));

    public static IReadOnlyList<string> OutputPorts(AppNode node, AppKind kind) => AppNodeCatalog.OutputPorts(node, kind);

    /// <summary>The validator's problems (template nodes' Liquid checked too when <paramref name="checkTemplate"/> is given), localized from their resource keys (the English text when a key has no entry).</summary>
    public static IReadOnlyList<AppProblem> Validate(AppGraph graph, AppKind kind, IStringLocalizer l, Func<string, string?>? checkTemplate = null) =>
        [.. AppGraphValidator.Validate(graph, kind, checkTemplate).Select(p => new AppProblem(p.NodeId ?? p.Edge?.Source, p.Key, Localize(l, p.Key, Labelled(l, graph, p), p.Message)))];

    /// <summary>The problems whose second argument names a setting: shown by its label in the reader's language, not its key.</summary>
    private static readonly HashSet<string> SettingArgument = new(StringComparer.Ordinal)
    {
        "Apps.Error.SettingRequired", "Apps.Error.SettingInvalid", "Apps.Error.SettingNumber", "Apps.Error.SettingBoolean", "Apps.Error.SettingRange",
        "Apps.Error.VariableInvalid", "Apps.Error.FieldNameInvalid", "Apps.Error.FieldNameDuplicate", "Apps.Error.FieldValueMissing",
        "Apps.Error.TypeMismatch", "Apps.Error.ConditionVariable",
    };

    private static IReadOnlyList<string> Labelled(IStringLocalizer l, AppGraph graph, AppGraphProblem problem)
    {
        if (!SettingArgument.Contains(problem.Key) || problem.Arguments.Count < 2 || problem.NodeId is null || graph.Find(problem.NodeId) is not { } node)
        {
            return problem.Arguments;
        }

        var arguments = problem.Arguments.ToArray();
        arguments[1] = AppText.Setting(l, node.Type, arguments[1]);
        return arguments;
    }

    public static string Localize(IStringLocalizer l, string? key, IReadOnlyList<string>? arguments, string fallback) =>
        key is not null && l[key, [.. (arguments ?? [])]] is { ResourceNotFound: false } text ? text.Value : fallback;

    /// <summary>The label of a select setting's option (<c>Apps.Option.{name}.{option}</c>), or the option itself.</summary>
    public static string OptionLabel(IStringLocalizer l, string type, string setting, string option) =>
        l[$"Apps.Option.{setting}.{option}"] is { ResourceNotFound: false } text ? text.Value : option;

    /// <summary>The columns of the row editors (start fields, output maps, conditions, classes, parameters).</summary>
    public static IReadOnlyList<RowColumn> Columns(IStringLocalizer l, NodeSettingKind kind, string nodeType)
    {
        IReadOnlyList<SelectOption> Options(IEnumerable<string> values, string setting) => [.. values.Select(v => new SelectOption(v, OptionLabel(l, nodeType, setting, v)))];
        return kind switch
        {
            NodeSettingKind.InputSchema =>
            [
                new("name", l["Apps.Rows.Name"]),
                new("type", l["Apps.Rows.Type"], RowColumnKind.Select, Options(AppNodeCatalog.StartFieldTypes, "fieldType"), "text"),
                new("label", l["Apps.Rows.Label"]),
                new("required", l["Apps.Rows.Required"], RowColumnKind.Switch, Default: false),
                new("options", l["Apps.Rows.Options"], RowColumnKind.List) { ShownFor = row => row["type"] is JsonValue t && t.TryGetValue<string>(out var type) && type == "select" },
            ],
            NodeSettingKind.OutputMap =>
            [
                new("name", l["Apps.Rows.Name"]),
                new("value", l["Apps.Rows.Value"], RowColumnKind.Template),
            ],
            NodeSettingKind.Conditions =>
            [
                new("variable", l["Apps.Rows.Variable"], RowColumnKind.Variable),
                new("operator", l["Apps.Rows.Operator"], RowColumnKind.Select, Options(AppNodeCatalog.Operators, "operator"), "equals"),
                new("value", l["Apps.Rows.Value"]),
            ],
            NodeSettingKind.Classes =>
            [
                new("name", l["Apps.Rows.Name"]),
                new("description", l["Apps.Rows.Description"]),
            ],
            NodeSettingKind.Parameters when nodeType == AppNodeTypes.Loop =>
            [
                new("name", l["Apps.Rows.Name"]),
                new("type", l["Apps.Rows.Type"], RowColumnKind.Select, Options(AppNodeCatalog.ValueTypeNames, "valueType"), "string"),
                new("value", l["Apps.Rows.Initial"], RowColumnKind.Template),
            ],
            NodeSettingKind.Parameters =>
            [
                new("name", l["Apps.Rows.Name"]),
                new("type", l["Apps.Rows.Type"], RowColumnKind.Select, Options(AppNodeCatalog.ValueTypeNames, "valueType"), "string"),
                new("description", l["Apps.Rows.Description"]),
                new("required", l["Apps.Rows.Required"], RowColumnKind.Switch, Default: false),
            ],
            _ => [],
        };
    }

    private static int IndexOf(IReadOnlyList<string> list, string value)
    {
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] == value)
            {
                return i;
            }
        }

        return list.Count;
    }
}
