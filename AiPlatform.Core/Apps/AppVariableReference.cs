namespace AiPlatform.Core.Apps;

/// <summary>One parsed variable reference: <c>{{llm1.json.items.0}}</c> is root <c>llm1</c>, path <c>json, items, 0</c>.</summary>
public sealed record AppVariableReference(string Root, IReadOnlyList<string> Path)
{
    /// <summary>The reference without braces: <c>llm1.json.items.0</c>.</summary>
    public string Text => Path.Count == 0 ? Root : Root + "." + string.Join('.', Path);

    /// <summary>The first field after the node id (<c>json</c>), or null for a bare node id.</summary>
    public string? Field => Path.Count == 0 ? null : Path[0];

    public override string ToString() => "{{" + Text + "}}";
}
