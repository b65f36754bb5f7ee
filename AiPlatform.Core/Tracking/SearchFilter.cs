using System.Globalization;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Tracking;

/// <summary>
/// Parses MLflow's filter language (<c>metrics.rmse &lt; 1 and params.model = 'LR' and tags."my tag" LIKE 'x%'</c>) and
/// order-by clauses (<c>metrics.rmse DESC</c>). Errors name the position and what was expected, so the runs page and
/// the MLflow API can show them as they are.
/// </summary>
public static class SearchFilter
{
    /// <summary>Run attributes that can be filtered and sorted, with whether they are numeric.</summary>
    public static IReadOnlyDictionary<string, bool> RunAttributes { get; } = new Dictionary<string, bool>(StringComparer.OrdinalIgnoreCase)
    {
        ["run_id"] = false,
        ["run_name"] = false,
        ["status"] = false,
        ["user_id"] = false,
        ["start_time"] = true,
        ["end_time"] = true,
        ["created"] = true,
    };

    public static IReadOnlyList<string> DatasetAttributes { get; } = ["name", "digest", "context"];

    private static readonly string[] NumericOperators = ["=", "!=", ">", ">=", "<", "<="];
    private static readonly string[] StringOperators = ["=", "!=", "LIKE", "ILIKE"];

    public static IReadOnlyList<SearchClause> ParseRunFilter(string? filter)
    {
        var clauses = new List<SearchClause>();
        if (string.IsNullOrWhiteSpace(filter))
        {
            return clauses;
        }

        var tokens = new SearchTokenizer(filter);
        while (true)
        {
            clauses.Add(ParseClause(tokens));
            var next = tokens.Next();
            if (next.Kind == SearchTokenKind.End)
            {
                return clauses;
            }

            if (!next.IsWord("AND"))
            {
                throw Error(filter, next.Position, $"expected AND between comparisons, found '{next.Text}' (OR is not supported)");
            }
        }
    }

    /// <summary>Experiment search: <c>name</c> and <c>tags.k</c> with = != LIKE ILIKE.</summary>
    public static IReadOnlyList<SearchClause> ParseExperimentFilter(string? filter)
    {
        var clauses = ParseRunFilter(filter);
        foreach (var clause in clauses)
        {
            var ok = clause.Entity == SearchEntity.Tag || (clause.Entity == SearchEntity.Attribute && clause.Key is "name" or "creation_time" or "last_update_time");
            if (!ok)
            {
                throw new ValidationException("filter", $"Experiments can be filtered by name, creation_time, last_update_time and tags, not by '{clause.Key}'.");
            }
        }

        return clauses;
    }

    public static IReadOnlyList<SearchOrder> ParseOrderBy(IEnumerable<string>? orderBy, bool experiments = false)
    {
        var result = new List<SearchOrder>();
        foreach (var text in orderBy ?? [])
        {
            if (string.IsNullOrWhiteSpace(text))
            {
                continue;
            }

            var tokens = new SearchTokenizer(text);
            var (entity, key, position) = ParseIdentifier(tokens, text);
            if (experiments ? !(entity == SearchEntity.Attribute && key is "name" or "creation_time" or "last_update_time" or "experiment_id") : entity == SearchEntity.Dataset)
            {
                throw Error(text, position, $"cannot order by '{text.Trim()}'");
            }

            var ascending = true;
            var direction = tokens.Next();
            if (direction.IsWord("DESC"))
            {
                ascending = false;
            }
            else if (!direction.IsWord("ASC") && direction.Kind != SearchTokenKind.End)
            {
                throw Error(text, direction.Position, $"expected ASC or DESC, found '{direction.Text}'");
            }

            if (direction.Kind != SearchTokenKind.End && tokens.Next() is { Kind: not SearchTokenKind.End } extra)
            {
                throw Error(text, extra.Position, $"unexpected '{extra.Text}'");
            }

            result.Add(new SearchOrder(entity, key, ascending));
        }

        return result;
    }

    private static SearchClause ParseClause(SearchTokenizer tokens)
    {
        var text = tokens.Text;
        var (entity, key, _) = ParseIdentifier(tokens, text);
        var opToken = tokens.Next();
        var op = opToken.Kind == SearchTokenKind.Operator ? opToken.Text : opToken.Kind == SearchTokenKind.Word ? opToken.Text.ToUpperInvariant() : string.Empty;
        if (op == "NOT" && tokens.Peek().IsWord("IN"))
        {
            tokens.Next();
            op = "NOT IN";
        }
        else if (op == "IS")
        {
            var not = tokens.Peek().IsWord("NOT");
            if (not)
            {
                tokens.Next();
            }

            var nullToken = tokens.Next();
            if (!nullToken.IsWord("NULL"))
            {
                throw Error(text, nullToken.Position, "expected NULL after IS");
            }

            if (entity is SearchEntity.Metric or SearchEntity.Dataset)
            {
                throw Error(text, opToken.Position, "IS NULL works on params, tags and attributes");
            }

            return new SearchClause(entity, key, not ? "IS NOT NULL" : "IS NULL", null);
        }

        var numeric = entity == SearchEntity.Metric || (entity == SearchEntity.Attribute && RunAttributes.TryGetValue(key, out var isNumber) && isNumber)
            || (entity == SearchEntity.Attribute && key is "creation_time" or "last_update_time");
        var inAllowed = (entity == SearchEntity.Attribute && !numeric) || entity == SearchEntity.Dataset;
        var allowed = numeric ? NumericOperators : inAllowed ? [.. StringOperators, "IN", "NOT IN"] : StringOperators;
        if (!allowed.Contains(op))
        {
            throw Error(text, opToken.Position, $"'{(op.Length == 0 ? opToken.Text : op)}' is not a valid comparator here; use one of {string.Join(", ", allowed)}");
        }

        if (op is "IN" or "NOT IN")
        {
            return new SearchClause(entity, key, op, ParseList(tokens, text));
        }

        var value = tokens.Next();
        if (numeric)
        {
            var number = value.Kind switch
            {
                SearchTokenKind.Number => double.Parse(value.Text, NumberStyles.Float, CultureInfo.InvariantCulture),
                SearchTokenKind.Word when value.Text.Equals("NaN", StringComparison.OrdinalIgnoreCase) => double.NaN,
                SearchTokenKind.Word when value.Text.Equals("Infinity", StringComparison.OrdinalIgnoreCase) => double.PositiveInfinity,
                _ => throw Error(text, value.Position, $"expected a number after {op}, found '{value.Text}'"),
            };
            return new SearchClause(entity, key, op, number);
        }

        if (value.Kind != SearchTokenKind.String)
        {
            throw Error(text, value.Position, $"expected a quoted string after {op}, found '{value.Text}'");
        }

        return new SearchClause(entity, key, op, value.Text);
    }

    /// <summary>The quoted strings of an <c>IN ('a', 'b')</c> list (shared by the run, registry and logged-model filters).</summary>
    internal static List<string> ParseList(SearchTokenizer tokens, string text)
    {
        var open = tokens.Next();
        if (open.Text != "(")
        {
            throw Error(text, open.Position, "expected ( after IN");
        }

        var values = new List<string>();
        while (true)
        {
            var item = tokens.Next();
            if (item.Kind != SearchTokenKind.String)
            {
                throw Error(text, item.Position, "expected a quoted string in the IN list");
            }

            values.Add(item.Text);
            var separator = tokens.Next();
            if (separator.Text == ")")
            {
                return values;
            }

            if (separator.Text != ",")
            {
                throw Error(text, separator.Position, "expected , or ) in the IN list");
            }
        }
    }

    private static (SearchEntity Entity, string Key, int Position) ParseIdentifier(SearchTokenizer tokens, string text)
    {
        var first = tokens.Next();
        if (first.Kind != SearchTokenKind.Word)
        {
            throw Error(text, first.Position, first.Kind == SearchTokenKind.End ? "expected a comparison" : $"expected an identifier such as metrics.rmse, found '{first.Text}'");
        }

        var dot = first.Text.IndexOf('.', StringComparison.Ordinal);
        var prefix = dot < 0 ? first.Text : first.Text[..dot];
        var entity = prefix.ToLowerInvariant() switch
        {
            "metric" or "metrics" => SearchEntity.Metric,
            "param" or "params" or "parameter" or "parameters" => SearchEntity.Param,
            "tag" or "tags" => SearchEntity.Tag,
            "attribute" or "attributes" or "attr" or "run" => SearchEntity.Attribute,
            "dataset" or "datasets" => SearchEntity.Dataset,
            _ => (SearchEntity?)null,
        };
        string key;
        if (entity is null)
        {
            // A bare attribute name (run_name, status, name, ...).
            entity = SearchEntity.Attribute;
            key = first.Text;
        }
        else if (dot >= 0 && dot < first.Text.Length - 1)
        {
            key = first.Text[(dot + 1)..];
        }
        else
        {
            // metrics."a b" or metrics.`a b`: the word ended at the dot and the key is a quoted token.
            var quoted = tokens.Next();
            if (dot != first.Text.Length - 1 || quoted.Kind is not (SearchTokenKind.String or SearchTokenKind.Quoted))
            {
                throw Error(text, first.Position, $"expected a key after '{first.Text}', e.g. {prefix}.name or {prefix}.\"a name\"");
            }

            key = quoted.Text;
        }

        if (key.Length == 0)
        {
            throw Error(text, first.Position, "the key is empty");
        }

        if (entity == SearchEntity.Attribute)
        {
            key = key.ToLowerInvariant() switch
            {
                "run_uuid" => "run_id",
                "runname" => "run_name",
                "created" => "start_time",
                var k => k,
            };
            if (!RunAttributes.ContainsKey(key) && key is not ("name" or "creation_time" or "last_update_time" or "experiment_id"))
            {
                throw Error(text, first.Position, $"unknown attribute '{key}'; use one of {string.Join(", ", RunAttributes.Keys)}");
            }
        }
        else if (entity == SearchEntity.Dataset && !DatasetAttributes.Contains(key.ToLowerInvariant()))
        {
            throw Error(text, first.Position, $"unknown dataset field '{key}'; use name, digest or context");
        }

        return (entity.Value, entity == SearchEntity.Dataset ? key.ToLowerInvariant() : key, first.Position);
    }

    internal static ValidationException Error(string text, int position, string message) =>
        new("filter", $"Invalid search expression at position {position + 1} of '{text}': {message}.");
}
