using System.Text.Json.Nodes;

namespace AiPlatform.Web.Features.Apps;

public enum RowColumnKind
{
    Text,
    Select,
    Switch,
    Variable,
    Template,

    /// <summary>Comma-separated values stored as an array (a select field's options).</summary>
    List,
}

/// <summary>One column of a rows editor: the key in each row object, its label and how it is edited.</summary>
public sealed record RowColumn(string Name, string Label, RowColumnKind Kind = RowColumnKind.Text, IReadOnlyList<SelectOption>? SelectOptions = null, JsonNode? Default = null)
{
    public IReadOnlyList<SelectOption> Options => SelectOptions ?? [];
}

public sealed record SelectOption(string Value, string Label);

/// <summary>A variable offered by the picker: <c>{{node.field}}</c> with where it comes from and its type.</summary>
public sealed record AppVariableOption(string Reference, string Source, string Type);
