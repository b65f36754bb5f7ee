using System.Text.Json.Nodes;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;

namespace AiPlatform.Core.Tests.Apps;

public sealed class AppEvaluationScorersTests
{
    private static AppEvaluationScorer Scorer(string kind, JsonObject? settings = null, string? name = null) => new(kind, name, settings);

    private static bool Passes(string kind, string output, string? expected, JsonObject? settings = null) =>
        AppEvaluationScorers.ScoreText(Scorer(kind, settings), output, expected).Passed;

    [Fact]
    public void Exact_trims_and_is_case_sensitive_unless_asked()
    {
        Passes(AppEvaluationScorers.Exact, "  Paris \n", "Paris").ShouldBeTrue();
        Passes(AppEvaluationScorers.Exact, "paris", "Paris").ShouldBeFalse();
        Passes(AppEvaluationScorers.Exact, "paris", "Paris", new JsonObject { ["ignoreCase"] = true }).ShouldBeTrue();
        Passes(AppEvaluationScorers.Exact, "Paris, France", "Paris").ShouldBeFalse();
    }

    [Fact]
    public void Contains_ignores_case_by_default()
    {
        Passes(AppEvaluationScorers.Contains, "The capital is PARIS.", "paris").ShouldBeTrue();
        Passes(AppEvaluationScorers.Contains, "The capital is PARIS.", "paris", new JsonObject { ["ignoreCase"] = false }).ShouldBeFalse();
        Passes(AppEvaluationScorers.Contains, "The capital is Lyon.", "Paris").ShouldBeFalse();
    }

    [Fact]
    public void Regex_uses_the_pattern_setting_or_else_the_expected_value()
    {
        Passes(AppEvaluationScorers.Regex, "order #12345 shipped", null, new JsonObject { ["pattern"] = @"#\d{5}\b" }).ShouldBeTrue();
        Passes(AppEvaluationScorers.Regex, "order #123 shipped", null, new JsonObject { ["pattern"] = @"#\d{5}\b" }).ShouldBeFalse();
        Passes(AppEvaluationScorers.Regex, "Yes, indeed", "^(yes|no)\\b", new JsonObject { ["ignoreCase"] = true }).ShouldBeTrue();
        Passes(AppEvaluationScorers.Regex, "Maybe", "^(yes|no)\\b").ShouldBeFalse();
        AppEvaluationScorers.NeedsExpected(Scorer(AppEvaluationScorers.Regex, new JsonObject { ["pattern"] = "x" })).ShouldBeFalse();
        AppEvaluationScorers.NeedsExpected(Scorer(AppEvaluationScorers.Regex)).ShouldBeTrue();
    }

    [Fact]
    public void An_invalid_pattern_is_refused_with_a_message_key()
    {
        var error = Should.Throw<ValidationException>(() => AppEvaluationScorers.Validate(Scorer(AppEvaluationScorers.Regex, new JsonObject { ["pattern"] = "(unclosed" }, "shape")));
        error.MessageKey.ShouldBe("Apps.Error.EvalScorerPattern");
        error.MessageArguments.ShouldContain("shape");
    }

    [Fact]
    public void Json_field_finds_nested_fields_and_array_items_and_compares_numbers_by_value()
    {
        var settings = new JsonObject { ["path"] = "result.label" };
        Passes(AppEvaluationScorers.JsonField, """{"result": {"label": "spam", "p": 0.9}}""", "spam", settings).ShouldBeTrue();
        Passes(AppEvaluationScorers.JsonField, """{"result": {"label": "ham"}}""", "spam", settings).ShouldBeFalse();
        Passes(AppEvaluationScorers.JsonField, """Here you go: {"result": {"label": "spam"}} hope it helps""", "spam", settings).ShouldBeTrue();
        Passes(AppEvaluationScorers.JsonField, """{"items": [{"n": 1}, {"n": 2.0}]}""", "2", new JsonObject { ["path"] = "$.items[1].n" }).ShouldBeTrue();
        Passes(AppEvaluationScorers.JsonField, "not json", "spam", settings).ShouldBeFalse();
        Passes(AppEvaluationScorers.JsonField, """{"result": {}}""", "spam", settings).ShouldBeFalse();
        Should.Throw<ValidationException>(() => AppEvaluationScorers.Validate(Scorer(AppEvaluationScorers.JsonField))).MessageKey.ShouldBe("Apps.Error.EvalScorerPath");
    }

    [Fact]
    public void Numeric_takes_the_first_number_and_a_tolerance_absolute_or_relative()
    {
        Passes(AppEvaluationScorers.Numeric, "The total is 41.8 dollars", "42", new JsonObject { ["tolerance"] = 0.5 }).ShouldBeTrue();
        Passes(AppEvaluationScorers.Numeric, "The total is 41.2 dollars", "42", new JsonObject { ["tolerance"] = 0.5 }).ShouldBeFalse();
        Passes(AppEvaluationScorers.Numeric, "42", "42").ShouldBeTrue();
        Passes(AppEvaluationScorers.Numeric, "-3.5e2", "-350").ShouldBeTrue();
        Passes(AppEvaluationScorers.Numeric, "1050", "1000", new JsonObject { ["tolerance"] = 0.05, ["relative"] = true }).ShouldBeTrue();
        Passes(AppEvaluationScorers.Numeric, "1051", "1000", new JsonObject { ["tolerance"] = 0.05, ["relative"] = true }).ShouldBeFalse();
        Passes(AppEvaluationScorers.Numeric, "no number here", "1").ShouldBeFalse();
        Should.Throw<ValidationException>(() => AppEvaluationScorers.Validate(Scorer(AppEvaluationScorers.Numeric, new JsonObject { ["tolerance"] = -1 }))).MessageKey.ShouldBe("Apps.Error.EvalScorerTolerance");
    }

    [Fact]
    public void Cosine_similarity_and_the_judges_score()
    {
        AppEvaluationScorers.Cosine([1f, 0f], [1f, 0f]).ShouldBe(1, 1e-9);
        AppEvaluationScorers.Cosine([1f, 0f], [0f, 1f]).ShouldBe(0, 1e-9);
        AppEvaluationScorers.Cosine([1f, 1f], [1f, 0f]).ShouldBe(Math.Sqrt(0.5), 1e-6);
        AppEvaluationScorers.Cosine([1f], [1f, 0f]).ShouldBe(0);
        AppEvaluationScorers.JudgeScore("""{"score": 5, "reason": "good"}""", 5).ShouldBe(1);
        AppEvaluationScorers.JudgeScore("```json\n{\"score\": 3}\n```", 5).ShouldBe(0.5);
        AppEvaluationScorers.JudgeScore("I'd give it 2 out of 5", 5).ShouldBe(0.25);
        AppEvaluationScorers.JudgeScore("no idea", 5).ShouldBeNull();
    }

    [Fact]
    public void Unknown_kinds_and_a_judge_without_a_model_are_refused()
    {
        Should.Throw<ValidationException>(() => AppEvaluationScorers.Validate(Scorer("bleu"))).MessageKey.ShouldBe("Apps.Error.EvalScorerKind");
        Should.Throw<ValidationException>(() => AppEvaluationScorers.Validate(Scorer(AppEvaluationScorers.LlmJudge))).MessageKey.ShouldBe("Apps.Error.EvalScorerModel");
        Should.Throw<ValidationException>(() => AppEvaluationScorers.Validate(Scorer(AppEvaluationScorers.Embedding, new JsonObject { ["threshold"] = 2 }))).MessageKey.ShouldBe("Apps.Error.EvalScorerThreshold");
        AppEvaluationScorers.Validate(Scorer(AppEvaluationScorers.LlmJudge, new JsonObject { ["model"] = "m", ["rubric"] = "polite" }));
    }

    [Fact]
    public void Settings_are_checked_against_the_dataset_versions_columns()
    {
        var app = new App { Id = Guid.NewGuid(), Slug = "qa", Name = "QA", Kind = AppKind.Workflow };
        var version = new DatasetVersion { Number = 3, ContentHash = "h", ObjectKey = "k", Source = "upload", CreatedBy = "u", Columns = [new DatasetColumn("question", "VARCHAR"), new DatasetColumn("answer", "VARCHAR")] };
        var exact = new AppEvaluationScorer(AppEvaluationScorers.Exact);
        var ok = AppEvaluationService.Validate(app, new AppEvaluationSettings(new Dictionary<string, string> { ["q"] = "question" }, null, "answer", null, [exact]), version);
        ok.Inputs!["q"].ShouldBe("question");

        var unknown = Should.Throw<ValidationException>(() => AppEvaluationService.Validate(app, new AppEvaluationSettings(new Dictionary<string, string> { ["q"] = "prompt" }, null, "answer", null, [exact]), version));
        unknown.MessageKey.ShouldBe("Apps.Error.EvalColumn");
        unknown.MessageArguments.ShouldContain("prompt");
        Should.Throw<ValidationException>(() => AppEvaluationService.Validate(app, new AppEvaluationSettings(null, null, null, null, [exact]), version)).MessageKey.ShouldBe("Apps.Error.EvalExpectedColumn");
        Should.Throw<ValidationException>(() => AppEvaluationService.Validate(app, new AppEvaluationSettings(null, null, "answer", null, [exact, exact]), version)).MessageKey.ShouldBe("Apps.Error.EvalScorerDuplicate");
        Should.Throw<ValidationException>(() => AppEvaluationService.Validate(app, new AppEvaluationSettings(null, null, "answer", null, [exact], 9), version)).MessageKey.ShouldBe("Apps.Error.EvalConcurrency");
        Should.Throw<ValidationException>(() => AppEvaluationService.Validate(app, new AppEvaluationSettings(null, null, "answer", null, []), version)).MessageKey.ShouldBe("Apps.Error.EvalScorersCount");
        var chat = new App { Id = Guid.NewGuid(), Slug = "bot", Name = "Bot", Kind = AppKind.Chat };
        Should.Throw<ValidationException>(() => AppEvaluationService.Validate(chat, new AppEvaluationSettings(null, null, "answer", null, [exact]), version)).MessageKey.ShouldBe("Apps.Error.EvalQueryColumn");
    }

    [Fact]
    public void The_summary_has_means_pass_rates_percentiles_and_tokens_and_the_csv_quotes_cells()
    {
        var settings = new AppEvaluationSettings(null, null, "answer", null, [new AppEvaluationScorer(AppEvaluationScorers.Exact), new AppEvaluationScorer(AppEvaluationScorers.Contains, "has")]);
        AppEvaluationRow Row(int n, bool exact, bool has, double ms, string? error = null) => new(n, new JsonObject { ["q"] = $"q{n}" }, null, error is null ? $"out, \"{n}\"" : null, "x",
            error is null ? new Dictionary<string, AppEvaluationScore> { ["exact"] = AppEvaluationScore.Of(exact), ["has"] = AppEvaluationScore.Of(has) } : new Dictionary<string, AppEvaluationScore>(),
            error is null && exact && has, error, ms, 10, null);
        var rows = new[] { Row(1, true, true, 10), Row(2, false, true, 20), Row(3, false, false, 30), Row(4, true, true, 40, "boom") };
        var summary = AppEvaluationService.Summarize(settings, rows);
        summary["rows"].ShouldBe(4);
        summary["rows_failed"].ShouldBe(1);
        summary["pass_rate"].ShouldBe(0.25);
        summary["exact.mean"].ShouldBe(0.25);
        summary["has.pass_rate"].ShouldBe(0.5);
        summary["latency_p50_ms"].ShouldBe(20);
        summary["latency_p95_ms"].ShouldBe(30);
        summary["tokens"].ShouldBe(40);

        var csv = AppEvaluationService.ToCsv(settings, rows).Split('\n');
        csv[0].TrimEnd().ShouldBe("row,inputs,query,output,expected,exact,has,passed,error,latency_ms,tokens,app_run_id");
        csv[1].ShouldStartWith("1,\"{\"\"q\"\":\"\"q1\"\"}\",,\"out, \"\"1\"\"\",x,1,1,true,,10,10,");
    }
}
