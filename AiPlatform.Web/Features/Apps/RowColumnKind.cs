namespace AiPlatform.Web.Features.Apps;

/// <summary>How a column of a rows editor is edited.</summary>
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
