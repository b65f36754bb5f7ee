using System.Globalization;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Tracking;

/// <summary>
/// MLflow's model-registry search language (<c>SearchModelUtils</c> and <c>SearchModelVersionUtils</c>): comparisons
/// joined by AND on <c>name</c>, <c>tag.&lt;key&gt;</c> / <c>tags.&lt;key&gt;</c> (the key may be in backticks or quotes)
/// and, for versions, <c>version_number</c>, <c>run_id</c> and <c>source_path</c>; and order-by clauses.
/// </summary>
public static class RegistrySearchFilter
{
    /// <summary>What <c>search_registered_models</c> filters on besides tags (MLflow accepts only the name).</summary>
    public static IReadOnlyList<string> ModelAttributes { get; } = ["name"];

    /// <summary>What <c>search_model_versions</c> filters on besides tags.</summary>
    public static IReadOnlyList<string> VersionAttributes { get; } = ["name", "version_number", "run_id", "source_path"];

    /// <summary>Registered-model order keys; <c>timestamp</c> is MLflow's older name for <c>last_updated_timestamp</c>.</summary>
    public static IReadOnlyList<string> ModelOrderKeys { get; } = ["name", "creation_timestamp", "last_updated_timestamp", "timestamp"];

    public static IReadOnlyList<string> VersionOrderKeys { get; } = ["name", "version_number", "creation_timestamp", "last_updated_timestamp"];

    private static readonly string[] StringOperators = ["=", "!=", "LIKE", "ILIKE"];
    private static readonly string[] NumericOperators = ["=", "!=", ">", ">=", "<", "<="];

    public static IReadOnlyList<SearchClause> ParseModelFilter(string? filter) => Parse(filter, versions: false);

    public static IReadOnlyList<SearchClause> ParseVersionFilter(string? filter) => Parse(filter, versions: true);

    /// <summary>
    /// Order-by clauses (<c>name</c>, <c>last_updated_timestamp DESC</c>, …) over <paramref name="keys"/>; a key may
    /// appear once. <c>timestamp</c> becomes <c>last_updated_timestamp</c>, as MLflow's store reads it.
    /// </summary>
    public static IReadOnlyList<SearchOrder> ParseOrderBy(IEnumerable<string>? orderBy, IReadOnlyList<string> keys)
    {
        var result = new List<SearchOrder>();
        foreach (var text in orderBy ?? [])
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            var tokens = new SearchTokenizer(text);
            var first = tokens.Next();
            var key = first.Kind == SearchTokenKind.Word ? StripAttributePrefix(first.Text) : null;
            if (key is null || !keys.Contains(key))
            {
                throw new ValidationException("order_by", $"Invalid order by key '{(first.Kind == SearchTokenKind.End ? text : first.Text)}' specified. Valid keys are {string.Join(", ", keys)}.");
            }

            var direction = tokens.Next();
            var ascending = !direction.IsWord("DESC");
            if (!direction.IsWord("DESC") && !direction.IsWord("ASC") && direction.Kind != SearchTokenKind.End)
            {
                throw SearchFilter.Error(text, direction.Position, $"expected ASC or DESC, found '{direction.Text}'");
            }

            if (direction.Kind != SearchTokenKind.End && tokens.Next() is { Kind: not SearchTokenKind.End } extra)
            {
                throw SearchFilter.Error(text, extra.Position, $"unexpected '{extra.Text}'");
            }

            key = key == "timestamp" ? "last_updated_timestamp" : key;
            if (result.Any(o => o.Key == key))
            {
                throw new ValidationException("order_by", $"`order_by` contains duplicate fields: {string.Join(", ", orderBy!)}");
            }

            result.Add(new SearchOrder(SearchEntity.Attribute, key, ascending));
        }

        return result;
    }

    private static string? StripAttributePrefix(string word)
    {
        var dot = word.IndexOf('.', StringComparison.Ordinal);
        if (dot < 0)
        {
            return word;
        }

        return word[..dot] is "attribute" or "attributes" or "attr" ? word[(dot + 1)..] : null;
    }

    private static List<SearchClause> Parse(string? filter, bool versions)
    {
        var clauses = new List<SearchClause>();
        if (string.IsNullOrWhiteSpace(filter))
        {
            return clauses;
        }

        var tokens = new SearchTokenizer(filter);
        while (true)
        {
            clauses.Add(ParseClause(tokens, versions));
            var next = tokens.Next();
            if (next.Kind == SearchTokenKind.End)
            {
                return clauses;
            }

            if (!next.IsWord("AND"))
            {
                throw SearchFilter.Error(filter, next.Position, $"expected AND between comparisons, found '{next.Text}' (OR is not supported)");
            }
        }
    }

    private static SearchClause ParseClause(SearchTokenizer tokens, bool versions)
    {
        var text = tokens.Text;
        var (entity, key) = ParseIdentifier(tokens, versions);
        var opToken = tokens.Next();
        var op = opToken.Kind == SearchTokenKind.Operator ? opToken.Text : opToken.Kind == SearchTokenKind.Word ? opToken.Text.ToUpperInvariant() : string.Empty;
        var numeric = entity == SearchEntity.Attribute && key == "version_number";
        string[] allowed = numeric ? NumericOperators : entity == SearchEntity.Attribute && key == "run_id" ? [.. StringOperators, "IN"] : StringOperators;
        if (!allowed.Contains(op))
        {
            throw new ValidationException("filter", $"Invalid comparator '{(op.Length == 0 ? opToken.Text : op)}' for {(entity == SearchEntity.Tag ? "tag" : "attribute " + key)} in '{text}'; use one of {string.Join(", ", allowed)}.");
        }

        if (op == "IN")
        {
            return new SearchClause(entity, key, op, SearchFilter.ParseList(tokens, text));
        }

        var value = tokens.Next();
        if (numeric)
        {
            var number = value.Kind is SearchTokenKind.Number or SearchTokenKind.String && double.TryParse(value.Text, NumberStyles.Float, CultureInfo.InvariantCulture, out var n)
                ? n
                : throw new ValidationException("filter", $"Expected a number for version_number in '{text}', got {value.Text}.");
            return new SearchClause(entity, key, op, number);
        }

        if (value.Kind != SearchTokenKind.String)
        {
            throw new ValidationException("filter", $"Expected a quoted string value for {(entity == SearchEntity.Tag ? "tag" : "attribute")} '{key}' in '{text}' (e.g. 'my-value'). Got value {value.Text}.");
        }

        return new SearchClause(entity, key, op, value.Text);
    }

    private static (SearchEntity Entity, string Key) ParseIdentifier(SearchTokenizer tokens, bool versions)
    {
        var text = tokens.Text;
        var first = tokens.Next();
        if (first.Kind != SearchTokenKind.Word)
        {
            throw SearchFilter.Error(text, first.Position, first.Kind == SearchTokenKind.End ? "expected a comparison" : $"expected name or tags.<key>, found '{first.Text}'");
        }

        var dot = first.Text.IndexOf('.', StringComparison.Ordinal);
        var prefix = dot < 0 ? null : first.Text[..dot];
        SearchEntity entity = prefix switch
        {
            null or "attribute" => SearchEntity.Attribute,
            "tag" or "tags" => SearchEntity.Tag,
            _ => throw new ValidationException("filter", $"Invalid entity type '{prefix}'. Valid entity types are attribute, tag, tags."),
        };
        var key = dot < 0 ? first.Text : first.Text[(dot + 1)..];
        if (key.Length == 0)
        {
            // tags.`a.b` or tags."a b": the word ends at the dot and the key is the quoted token after it.
            var quoted = tokens.Next();
            key = quoted.Kind is SearchTokenKind.String or SearchTokenKind.Quoted
                ? quoted.Text
                : throw SearchFilter.Error(text, first.Position, $"expected a key after '{first.Text}', e.g. {prefix}.team or {prefix}.`a.key`");
        }

        var attributes = versions ? VersionAttributes : ModelAttributes;
        if (entity == SearchEntity.Attribute && !attributes.Contains(key))
        {
            throw new ValidationException("filter", $"Invalid attribute key '{key}' specified. Valid keys are {string.Join(", ", attributes)}.");
        }

        return key.Length == 0 ? throw SearchFilter.Error(text, first.Position, "the key is empty") : (entity, key);
    }
}
