using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Apps;

/// <summary>
/// One scorer of an evaluation: its kind (<see cref="AppEvaluationScorers"/>), a name (unique within the evaluation,
/// used as the metric's name) and its settings.
/// </summary>
public sealed record AppEvaluationScorer(string Kind, string? Name = null, JsonObject? Settings = null)
{
    public string MetricName => string.IsNullOrWhiteSpace(Name) ? Kind : Name.Trim();
}

/// <summary>A row's score for one scorer: a value between 0 and 1 and whether it passed.</summary>
public sealed record AppEvaluationScore(double Value, bool Passed)
{
    public static AppEvaluationScore Of(bool passed) => new(passed ? 1 : 0, passed);
}

/// <summary>
/// The scorers that compare text without a model: exact, contains, regex, JSON-field match and numeric tolerance.
/// Embedding similarity and LLM-as-judge need a model and are scored by <see cref="AppEvaluationService"/>.
/// </summary>
public static partial class AppEvaluationScorers
{
    public const string Exact = "exact";
    public const string Contains = "contains";
    public const string Regex = "regex";
    public const string JsonField = "json-field";
    public const string Numeric = "numeric";
    public const string Embedding = "embedding";
    public const string LlmJudge = "llm-judge";

    public static readonly IReadOnlyList<string> Kinds = [Exact, Contains, Regex, JsonField, Numeric, Embedding, LlmJudge];

    public static readonly TimeSpan RegexTimeout = TimeSpan.FromSeconds(1);

    /// <summary>Whether the kind compares with an expected value (so the evaluation needs an expected column).</summary>
    public static bool NeedsExpected(AppEvaluationScorer scorer) => scorer.Kind switch
    {
        Regex => string.IsNullOrEmpty(Text(scorer, "pattern")),
        LlmJudge => false,
        _ => true,
    };

    /// <summary>Checks a scorer's kind and settings; throws <see cref="ValidationException"/> with a message key.</summary>
    public static void Validate(AppEvaluationScorer scorer)
    {
        if (!Kinds.Contains(scorer.Kind))
        {
            throw Invalid($"'{scorer.Kind}' is not a scorer; use one of {string.Join(", ", Kinds)}.", "Apps.Error.EvalScorerKind", scorer.Kind);
        }

        switch (scorer.Kind)
        {
            case Regex when Text(scorer, "pattern") is { Length: > 0 } pattern:
                try
                {
                    _ = new Regex(pattern, RegexOptions.None, RegexTimeout);
                }
                catch (ArgumentException e)
                {
                    throw Invalid($"The scorer '{scorer.MetricName}' has an invalid pattern: {e.Message}", "Apps.Error.EvalScorerPattern", scorer.MetricName);
                }

                break;
            case JsonField when string.IsNullOrWhiteSpace(Text(scorer, "path")):
                throw Invalid($"The scorer '{scorer.MetricName}' needs a field path (e.g. answer.label).", "Apps.Error.EvalScorerPath", scorer.MetricName);
            case Numeric when Number(scorer, "tolerance") is < 0:
                throw Invalid($"The scorer '{scorer.MetricName}' needs a tolerance of 0 or more.", "Apps.Error.EvalScorerTolerance", scorer.MetricName);
            case Embedding when Number(scorer, "threshold") is < -1 or > 1:
            case LlmJudge when Number(scorer, "threshold") is < 0 or > 1:
                throw Invalid($"The scorer '{scorer.MetricName}' needs a threshold between 0 and 1.", "Apps.Error.EvalScorerThreshold", scorer.MetricName);
            case LlmJudge when string.IsNullOrWhiteSpace(Text(scorer, "model")):
                throw Invalid($"The scorer '{scorer.MetricName}' needs a model.", "Apps.Error.EvalScorerModel", scorer.MetricName);
        }
    }

    /// <summary>Scores <paramref name="output"/> against <paramref name="expected"/> with a text scorer.</summary>
    public static AppEvaluationScore ScoreText(AppEvaluationScorer scorer, string output, string? expected) => scorer.Kind switch
    {
        Exact => Of(ExactMatch(output, expected ?? string.Empty, Flag(scorer, "ignoreCase", false))),
        Contains => Of(ContainsMatch(output, expected ?? string.Empty, Flag(scorer, "ignoreCase", true))),
        Regex => Of(RegexMatch(output, Text(scorer, "pattern") is { Length: > 0 } p ? p : expected ?? string.Empty, Flag(scorer, "ignoreCase", false))),
        JsonField => Of(JsonFieldMatch(output, Text(scorer, "path") ?? string.Empty, expected ?? string.Empty)),
        Numeric => Of(NumericMatch(output, expected ?? string.Empty, Number(scorer, "tolerance") ?? 0, Flag(scorer, "relative", false))),
        _ => throw new InvalidOperationException($"'{scorer.Kind}' is not a text scorer."),
    };

    public static bool ExactMatch(string output, string expected, bool ignoreCase) =>
        string.Equals(output.Trim(), expected.Trim(), ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    public static bool ContainsMatch(string output, string expected, bool ignoreCase) =>
        output.Contains(expected.Trim(), ignoreCase ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal);

    /// <summary>Whether the pattern matches somewhere in the output; a pattern that runs past the timeout does not match.</summary>
    public static bool RegexMatch(string output, string pattern, bool ignoreCase)
    {
        try
        {
            return System.Text.RegularExpressions.Regex.IsMatch(output, pattern, ignoreCase ? RegexOptions.IgnoreCase : RegexOptions.None, RegexTimeout);
        }
        catch (RegexMatchTimeoutException)
        {
            return false;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }

    /// <summary>
    /// The output parsed as JSON (the first object in it when it has text around), the field at <paramref name="path"/>
    /// (dots and [index]), compared with the expected value: numbers by value, booleans and text trimmed, case-sensitively.
    /// </summary>
    public static bool JsonFieldMatch(string output, string path, string expected)
    {
        if (ParseJson(output) is not { } root || Select(root, path) is not { } value)
        {
            return false;
        }

        var text = value is JsonValue v && v.TryGetValue<string>(out var s) ? s : value.ToJsonString();
        if (ParseNumber(text) is { } a && ParseNumber(expected) is { } b)
        {
            return a.Equals(b);
        }

        return string.Equals(text.Trim(), expected.Trim(), StringComparison.Ordinal);
    }

    /// <summary>The first number in the output within <paramref name="tolerance"/> of the expected number (relative to it when <paramref name="relative"/>).</summary>
    public static bool NumericMatch(string output, string expected, double tolerance, bool relative)
    {
        if (FirstNumber(output) is not { } actual || (ParseNumber(expected) ?? FirstNumber(expected)) is not { } wanted)
        {
            return false;
        }

        var allowed = relative ? Math.Abs(wanted) * tolerance : tolerance;
        return Math.Abs(actual - wanted) <= allowed + 1e-12;
    }

    /// <summary>Cosine similarity of two vectors (1 for the same direction).</summary>
    public static double Cosine(IReadOnlyList<float> a, IReadOnlyList<float> b)
    {
        if (a.Count != b.Count || a.Count == 0)
        {
            return 0;
        }

        double dot = 0, na = 0, nb = 0;
        for (var i = 0; i < a.Count; i++)
        {
            dot += a[i] * b[i];
            na += a[i] * a[i];
            nb += b[i] * b[i];
        }

        return na == 0 || nb == 0 ? 0 : dot / Math.Sqrt(na * nb);
    }

    /// <summary>The score a judge gave: the first number in its reply on the scale 1 … <paramref name="scale"/>, mapped to 0 … 1; null when there is none.</summary>
    public static double? JudgeScore(string reply, int scale)
    {
        if (ParseJson(reply) is JsonObject o && o["score"] is JsonValue v && double.TryParse(v.ToString(), NumberStyles.Float, CultureInfo.InvariantCulture, out var fromJson))
        {
            return Math.Clamp((fromJson - 1) / (scale - 1), 0, 1);
        }

        return FirstNumber(reply) is { } n ? Math.Clamp((n - 1) / (scale - 1), 0, 1) : null;
    }

    public static string? Text(AppEvaluationScorer scorer, string key) =>
        scorer.Settings?[key] is JsonValue v && v.TryGetValue<string>(out var s) ? s : null;

    public static double? Number(AppEvaluationScorer scorer, string key) => scorer.Settings?[key] switch
    {
        JsonValue v when v.TryGetValue<string>(out var s) => ParseNumber(s),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => ParseNumber(v.ToJsonString()),
        _ => null,
    };

    public static bool Flag(AppEvaluationScorer scorer, string key, bool fallback) =>
        scorer.Settings?[key] is JsonValue v && v.TryGetValue<bool>(out var b) ? b : fallback;

    private static AppEvaluationScore Of(bool passed) => AppEvaluationScore.Of(passed);

    private static ValidationException Invalid(string message, string key, params object[] arguments) =>
        new("scorers", message) { MessageKey = key, MessageArguments = arguments };

    private static double? ParseNumber(string text) =>
        double.TryParse(text.Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d) ? d : null;

    private static double? FirstNumber(string text)
    {
        var match = NumberPattern().Match(text);
        return match.Success ? ParseNumber(match.Value) : null;
    }

    private static JsonNode? ParseJson(string text)
    {
        var trimmed = text.Trim();
        foreach (var candidate in new[] { trimmed, Between(trimmed, '{', '}'), Between(trimmed, '[', ']') })
        {
            if (candidate is null)
            {
                continue;
            }

            try
            {
                return JsonNode.Parse(candidate);
            }
            catch (JsonException)
            {
            }
        }

        return null;
    }

    private static string? Between(string text, char open, char close)
    {
        var start = text.IndexOf(open, StringComparison.Ordinal);
        var end = text.LastIndexOf(close);
        return start >= 0 && end > start ? text[start..(end + 1)] : null;
    }

    private static JsonNode? Select(JsonNode root, string path)
    {
        var current = root;
        var trimmed = path.Trim();
        trimmed = trimmed.StartsWith("$.", StringComparison.Ordinal) ? trimmed[2..] : trimmed.TrimStart('$');
        foreach (var part in PathPart().Matches(trimmed).Select(m => m.Value))
        {
            current = part.StartsWith('[')
                ? current is JsonArray array && int.TryParse(part[1..^1], NumberStyles.None, CultureInfo.InvariantCulture, out var index) && index < array.Count ? array[index] : null
                : current is JsonObject obj ? obj[part] : null;
            if (current is null)
            {
                return null;
            }
        }

        return current;
    }

    [GeneratedRegex(@"-?\d+(?:\.\d+)?(?:[eE][-+]?\d+)?")]
    private static partial Regex NumberPattern();

    [GeneratedRegex(@"\[\d+\]|[^.\[\]]+")]
    private static partial Regex PathPart();
}
