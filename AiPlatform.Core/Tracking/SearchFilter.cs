using System.Globalization;
using System.Text;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Tracking;

public enum SearchEntity
{
    Metric,
    Param,
    Tag,
    Attribute,
    Dataset,
}

/// <summary>
/// One comparison of MLflow's search language. <see cref="Value"/> is a <see cref="double"/> for metrics and numeric
/// attributes, a string for the rest, a list of strings for <c>IN</c> / <c>NOT IN</c>, and null for <c>IS [NOT] NULL</c>.
/// </summary>
public sealed record SearchClause(SearchEntity Entity, string Key, string Operator, object? Value);

public sealed record SearchOrder(SearchEntity Entity, string Key, bool Ascending);

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

        var tokens = new Tokenizer(filter);
        while (true)
        {
            clauses.Add(ParseClause(tokens));
            var next = tokens.Next();
            if (next.Kind == TokenKind.End)
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

            var tokens = new Tokenizer(text);
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
            else if (!direction.IsWord("ASC") && direction.Kind != TokenKind.End)
            {
                throw Error(text, direction.Position, $"expected ASC or DESC, found '{direction.Text}'");
            }

            if (direction.Kind != TokenKind.End && tokens.Next() is { Kind: not TokenKind.End } extra)
            {
                throw Error(text, extra.Position, $"unexpected '{extra.Text}'");
            }

            result.Add(new SearchOrder(entity, key, ascending));
        }

        return result;
    }

    private static SearchClause ParseClause(Tokenizer tokens)
    {
        var text = tokens.Text;
        var (entity, key, _) = ParseIdentifier(tokens, text);
        var opToken = tokens.Next();
        var op = opToken.Kind == TokenKind.Operator ? opToken.Text : opToken.Kind == TokenKind.Word ? opToken.Text.ToUpperInvariant() : string.Empty;
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
                TokenKind.Number => double.Parse(value.Text, NumberStyles.Float, CultureInfo.InvariantCulture),
                TokenKind.Word when value.Text.Equals("NaN", StringComparison.OrdinalIgnoreCase) => double.NaN,
                TokenKind.Word when value.Text.Equals("Infinity", StringComparison.OrdinalIgnoreCase) => double.PositiveInfinity,
                _ => throw Error(text, value.Position, $"expected a number after {op}, found '{value.Text}'"),
            };
            return new SearchClause(entity, key, op, number);
        }

        if (value.Kind != TokenKind.String)
        {
            throw Error(text, value.Position, $"expected a quoted string after {op}, found '{value.Text}'");
        }

        return new SearchClause(entity, key, op, value.Text);
    }

    private static List<string> ParseList(Tokenizer tokens, string text)
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
            if (item.Kind != TokenKind.String)
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

    private static (SearchEntity Entity, string Key, int Position) ParseIdentifier(Tokenizer tokens, string text)
    {
        var first = tokens.Next();
        if (first.Kind != TokenKind.Word)
        {
            throw Error(text, first.Position, first.Kind == TokenKind.End ? "expected a comparison" : $"expected an identifier such as metrics.rmse, found '{first.Text}'");
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
            if (dot != first.Text.Length - 1 || quoted.Kind is not (TokenKind.String or TokenKind.Quoted))
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

    private static ValidationException Error(string text, int position, string message) =>
        new("filter", $"Invalid search expression at position {position + 1} of '{text}': {message}.");

    private enum TokenKind
    {
        Word,
        Number,
        String,
        Quoted,
        Operator,
        Punctuation,
        End,
    }

    private readonly record struct Token(TokenKind Kind, string Text, int Position)
    {
        public bool IsWord(string word) => Kind == TokenKind.Word && Text.Equals(word, StringComparison.OrdinalIgnoreCase);
    }

    private sealed class Tokenizer(string text)
    {
        private int _position;
        private Token? _peeked;

        public string Text => text;

        public Token Peek() => _peeked ??= Read();

        public Token Next()
        {
            var token = Peek();
            _peeked = null;
            return token;
        }

        private Token Read()
        {
            while (_position < text.Length && char.IsWhiteSpace(text[_position]))
            {
                _position++;
            }

            if (_position >= text.Length)
            {
                return new Token(TokenKind.End, "end of text", _position);
            }

            var start = _position;
            var c = text[_position];
            if (c is '\'' or '"' or '`')
            {
                return ReadQuoted(c, start);
            }

            if (c is '(' or ')' or ',')
            {
                _position++;
                return new Token(TokenKind.Punctuation, c.ToString(), start);
            }

            if (c is '=' or '!' or '<' or '>')
            {
                _position++;
                if (_position < text.Length && text[_position] == '=')
                {
                    _position++;
                }

                var op = text[start.._position];
                return op == "!" ? throw Error(text, start, "'!' must be followed by '='") : new Token(TokenKind.Operator, op, start);
            }

            if (char.IsDigit(c) || ((c is '-' or '+' or '.') && _position + 1 < text.Length && (char.IsDigit(text[_position + 1]) || text[_position + 1] == '.')))
            {
                _position++;
                while (_position < text.Length && (char.IsAsciiDigit(text[_position]) || text[_position] is '.' or 'e' or 'E' || (text[_position] is '-' or '+' && text[_position - 1] is 'e' or 'E')))
                {
                    _position++;
                }

                var number = text[start.._position];
                return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
                    ? new Token(TokenKind.Number, number, start)
                    : throw Error(text, start, $"'{number}' is not a number");
            }

            if (char.IsLetter(c) || c == '_')
            {
                // Identifiers run over dots (tags.mlflow.runName) and stop after a trailing dot before a quote.
                while (_position < text.Length && (char.IsLetterOrDigit(text[_position]) || text[_position] is '_' or '.' or '-' or '/' or ':'))
                {
                    _position++;
                }

                return new Token(TokenKind.Word, text[start.._position], start);
            }

            throw Error(text, start, $"unexpected character '{c}'");
        }

        private Token ReadQuoted(char quote, int start)
        {
            var builder = new StringBuilder();
            _position++;
            while (_position < text.Length)
            {
                var c = text[_position++];
                if (c == quote)
                {
                    if (_position < text.Length && text[_position] == quote)
                    {
                        builder.Append(quote);
                        _position++;
                        continue;
                    }

                    return new Token(quote == '`' ? TokenKind.Quoted : TokenKind.String, builder.ToString(), start);
                }

                if (c == '\\' && _position < text.Length)
                {
                    c = text[_position++];
                }

                builder.Append(c);
            }

            throw Error(text, start, $"the quote {quote} is not closed");
        }
    }
}
