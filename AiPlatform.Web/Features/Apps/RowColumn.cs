using System.Text.Json.Nodes;

namespace AiPlatform.Web.Features.Apps;

/// <summary>One column of a rows editor: the key in each row object, its label and how it is edited.</summary>
public sealed record RowColumn(string Name, string Label, RowColumnKind Kind = RowColumnKind.Text, IReadOnlyList<SelectOption>? SelectOptions = null, JsonNode? Default = null)
{
    public IReadOnlyList<SelectOption> Options => SelectOptions ?? [];

    /// <summary>Whether a row shows this column (null: every row), e.g. a start field's options only for select fields.</summary>
    public Func<JsonObject, bool>? ShownFor { get; init; }
}
