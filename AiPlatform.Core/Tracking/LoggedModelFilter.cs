using System.Globalization;
using System.Text.RegularExpressions;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Tracking;

/// <summary>
/// MLflow's search language for logged models: <c>name = 'model' AND metrics.accuracy &gt; 0.9 AND params.lr = '0.1'
/// AND tags.env != 'dev' AND source_run_id = '…'</c>, joined by AND; and <c>order_by</c> fields (attributes or
/// <c>metrics.&lt;key&gt;</c>, optionally per dataset). Evaluated over the models of the searched experiments.
/// </summary>
internal static class LoggedModelFilter
{
    /// <summary>Attributes, with whether they are numeric.</summary>
    private static readonly Dictionary<string, bool> Attributes = new(StringComparer.OrdinalIgnoreCase)
    {
        ["name"] = false,
        ["model_id"] = false,
        ["model_type"] = false,
        ["status"] = false,
        ["source_run_id"] = false,
        ["creation_timestamp"] = true,
        ["creation_time"] = true,
        ["last_updated_timestamp"] = true,
        ["last_updated_time"] = true,
    };

    private static readonly string[] NumericOperators = ["=", "!=", ">", ">=", "<", "<="];
    private static readonly string[] StringOperators = ["=", "!=", "LIKE", "ILIKE", "IN", "NOT IN"];

    public static IReadOnlyList<SearchClause> Parse(string? filter)
    {
        var clauses = new List<SearchClause>();
        if (string.IsNullOrWhiteSpace(filter))
        {
            return clauses;
        }

        var tokens = new SearchTokenizer(filter);
        while (true)
        {
            clauses.Add(ParseClause(tokens, filter));
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

    public static IReadOnlyList<LoggedModelOrder> ValidOrder(IReadOnlyList<LoggedModelOrder> order)
    {
        foreach (var o in order)
        {
            var (entity, key) = Identifier(o.FieldName, o.FieldName, 0);
            if (entity is not (SearchEntity.Metric or SearchEntity.Attribute))
            {
                throw new ValidationException("order_by", $"Logged models can be ordered by attributes and metrics, not by '{o.FieldName}'.");
            }

            if (entity != SearchEntity.Metric && o.DatasetName is not null)
            {
                throw new ValidationException("order_by", $"'dataset_name' may only be set when ordering by a metric, not by '{key}'.");
            }

            if (o.DatasetDigest is not null && o.DatasetName is null)
            {
                throw new ValidationException("order_by", "'dataset_digest' may only be set together with 'dataset_name'.");
            }
        }

        return order;
    }

    public static IReadOnlyList<LoggedModelDetails> Apply(IReadOnlyList<LoggedModelDetails> models, IReadOnlyList<SearchClause> clauses, IReadOnlyList<LoggedModelDatasetFilter> datasets, IReadOnlyList<LoggedModelOrder> order)
    {
        bool InDatasets(LoggedModelMetric m) => datasets.Count == 0 || datasets.Any(d => d.Name == m.DatasetName && (d.Digest is null || d.Digest == m.DatasetDigest));
        var matching = models.Where(m => clauses.All(c => Matches(m, c, InDatasets))).ToList();
        IOrderedEnumerable<LoggedModelDetails>? ordered = null;
        foreach (var o in order)
        {
            var (entity, key) = Identifier(o.FieldName, o.FieldName, 0);
            Func<LoggedModelDetails, object?> selector = entity == SearchEntity.Metric
                ? m => Latest(m, key, x => (o.DatasetName is null || x.DatasetName == o.DatasetName) && (o.DatasetDigest is null || x.DatasetDigest == o.DatasetDigest))?.RealValue
                : m => Attribute(m, key);
            // MLflow puts models without the value last, whichever the direction.
            ordered = ordered is null ? matching.OrderBy(m => selector(m) is null) : ordered.ThenBy(m => selector(m) is null);
            ordered = o.Ascending ? ordered.ThenBy(selector, ValueComparer.Instance) : ordered.ThenByDescending(selector, ValueComparer.Instance);
        }

        ordered = ordered is null ? matching.OrderByDescending(m => m.Model.CreatedAt) : ordered.ThenByDescending(m => m.Model.CreatedAt);
        return ordered.ThenBy(m => m.Model.Id).ToList();
    }

    private static bool Matches(LoggedModelDetails model, SearchClause clause, Func<LoggedModelMetric, bool> inDatasets) => clause.Entity switch
    {
        SearchEntity.Metric => Latest(model, clause.Key, inDatasets) is { } metric && Compare(metric.RealValue, clause),
        SearchEntity.Param => Compare(model.Params.FirstOrDefault(p => p.Key == clause.Key)?.Value, clause),
        SearchEntity.Tag => Compare(model.Tag(clause.Key), clause),
        _ => Attribute(model, clause.Key) switch
        {
            double d => Compare(d, clause),
            var v => Compare((string?)v, clause),
        },
    };

    /// <summary>The latest value of a metric (highest step, then timestamp), as MLflow ranks them.</summary>
    private static LoggedModelMetric? Latest(LoggedModelDetails model, string key, Func<LoggedModelMetric, bool> scope) =>
        model.Metrics.Where(m => m.Key == key && scope(m)).OrderByDescending(m => m.Step).ThenByDescending(m => m.Timestamp).ThenByDescending(m => m.Id).FirstOrDefault();

    private static object? Attribute(LoggedModelDetails m, string key) => key.ToLowerInvariant() switch
    {
        "name" => m.Model.Name,
        "model_id" => m.Model.MlflowId,
        "model_type" => m.Model.ModelType,
        "status" => "LOGGED_MODEL_" + m.Model.Status switch { LoggedModelStatus.Ready => "READY", LoggedModelStatus.UploadFailed => "UPLOAD_FAILED", _ => "PENDING" },
        "source_run_id" => m.Model.SourceRunId?.ToString("N"),
        "creation_timestamp" or "creation_time" => (double)m.Model.CreatedAt,
        _ => (double)m.Model.UpdatedAt,
    };

    private static bool Compare(double value, SearchClause clause) => clause.Value is double target && clause.Operator switch
    {
        "=" => value == target,
        "!=" => value != target,
        ">" => value > target,
        ">=" => value >= target,
        "<" => value < target,
        _ => value <= target,
    };

    private static bool Compare(string? value, SearchClause clause) => clause.Operator switch
    {
        "IS NULL" => value is null,
        "IS NOT NULL" => value is not null,
        "!=" => value != (string?)clause.Value,
        "NOT IN" => value is null || !((List<string>)clause.Value!).Contains(value),
        _ when value is null => false,
        "=" => value == (string)clause.Value!,
        "IN" => ((List<string>)clause.Value!).Contains(value),
        "LIKE" => Like(value, (string)clause.Value!, false),
        "ILIKE" => Like(value, (string)clause.Value!, true),
        _ => false,
    };

    /// <summary>
    /// SQL LIKE (<c>%</c> any run, <c>_</c> one character) without backtracking: when a later character fails, only the
    /// last <c>%</c> is retried one character further, so a match costs at most text × pattern steps, whatever the pattern.
    /// </summary>
    internal static bool Like(string text, string pattern, bool ignoreCase)
    {
        int t = 0, p = 0, star = -1, resume = 0;
        while (t < text.Length)
        {
            if (p < pattern.Length && pattern[p] == '%')
            {
                star = p++;
                resume = t;
            }
            else if (p < pattern.Length && (pattern[p] == '_' || Same(pattern[p], text[t], ignoreCase)))
            {
                p++;
                t++;
            }
            else if (star >= 0)
            {
                p = star + 1;
                t = ++resume;
            }
            else
            {
                return false;
            }
        }

        while (p < pattern.Length && pattern[p] == '%')
        {
            p++;
        }

        return p == pattern.Length;
    }

    private static bool Same(char a, char b, bool ignoreCase) =>
        a == b || (ignoreCase && char.ToUpperInvariant(a) == char.ToUpperInvariant(b));

    private static SearchClause ParseClause(SearchTokenizer tokens, string text)
    {
        var first = tokens.Next();
        if (first.Kind != SearchTokenKind.Word)
        {
            throw SearchFilter.Error(text, first.Position, first.Kind == SearchTokenKind.End ? "expected a comparison" : $"expected an identifier such as metrics.accuracy, found '{first.Text}'");
        }

        var word = first.Text;
        if (word.EndsWith('.') && tokens.Peek().Kind is SearchTokenKind.String or SearchTokenKind.Quoted)
        {
            word += tokens.Next().Text;
        }

        var (entity, key) = Identifier(word, text, first.Position);
        var opToken = tokens.Next();
        var op = opToken.Kind == SearchTokenKind.Operator ? opToken.Text : opToken.Kind == SearchTokenKind.Word ? opToken.Text.ToUpperInvariant() : string.Empty;
        if (op == "NOT" && tokens.Peek().IsWord("IN"))
        {
            tokens.Next();
            op = "NOT IN";
        }

        var numeric = entity == SearchEntity.Metric || (entity == SearchEntity.Attribute && Attributes[key]);
        var allowed = numeric ? NumericOperators : entity == SearchEntity.Attribute ? StringOperators : StringOperators[..4];
        if (!allowed.Contains(op))
        {
            throw SearchFilter.Error(text, opToken.Position, $"'{(op.Length == 0 ? opToken.Text : op)}' is not a valid comparator for {word}; use one of {string.Join(", ", allowed)}");
        }

        if (op is "IN" or "NOT IN")
        {
            return new SearchClause(entity, key, op, SearchFilter.ParseList(tokens, text));
        }

        var value = tokens.Next();
        if (numeric)
        {
            return value.Kind == SearchTokenKind.Number
                ? new SearchClause(entity, key, op, double.Parse(value.Text, NumberStyles.Float, CultureInfo.InvariantCulture))
                : throw SearchFilter.Error(text, value.Position, $"expected a number after {op}, found '{value.Text}'");
        }

        return value.Kind == SearchTokenKind.String
            ? new SearchClause(entity, key, op, value.Text)
            : throw SearchFilter.Error(text, value.Position, $"expected a quoted string after {op}, found '{value.Text}'");
    }

    private static (SearchEntity Entity, string Key) Identifier(string word, string text, int position)
    {
        var dot = word.IndexOf('.', StringComparison.Ordinal);
        var prefix = dot < 0 ? string.Empty : word[..dot].ToLowerInvariant();
        var rest = dot < 0 ? word : word[(dot + 1)..].Trim('`', '"');
        SearchEntity? entity = prefix switch
        {
            "metric" or "metrics" => SearchEntity.Metric,
            "param" or "params" => SearchEntity.Param,
            "tag" or "tags" => SearchEntity.Tag,
            "attribute" or "attributes" or "" => SearchEntity.Attribute,
            _ => null,
        };
        if (entity is null || rest.Length == 0)
        {
            throw SearchFilter.Error(text, position, $"invalid identifier '{word}'; use an attribute ({string.Join(", ", Attributes.Keys)}), metrics.<key>, params.<key> or tags.<key>");
        }

        if (entity == SearchEntity.Attribute)
        {
            rest = rest.ToLowerInvariant();
            if (!Attributes.ContainsKey(rest))
            {
                throw SearchFilter.Error(text, position, $"unknown attribute '{rest}'; use one of {string.Join(", ", Attributes.Keys)}");
            }
        }

        return (entity.Value, rest);
    }

    private sealed class ValueComparer : IComparer<object?>
    {
        public static readonly ValueComparer Instance = new();

        public int Compare(object? x, object? y) => (x, y) switch
        {
            (double a, double b) => a.CompareTo(b),
            (string a, string b) => string.CompareOrdinal(a, b),
            (null, null) => 0,
            (null, _) => 1,
            (_, null) => -1,
            _ => 0,
        };
    }
}
