using AiPlatform.Core.Common;
using AiPlatform.Core.Tracking;

namespace AiPlatform.Core.Tests.Tracking;

public sealed class SearchFilterTests
{
    [Fact]
    public void Parses_comparisons_on_every_entity_kind_joined_by_and()
    {
        var clauses = SearchFilter.ParseRunFilter("metrics.rmse < 1 and params.model_class = 'LR' AND tags.\"my tag\" LIKE 'x%' and attributes.status IN ('FINISHED', 'FAILED') and tags.mlflow.runName != \"a\" and datasets.digest = 'ab12'");

        clauses.ShouldBe(
        [
            new SearchClause(SearchEntity.Metric, "rmse", "<", 1.0),
            new SearchClause(SearchEntity.Param, "model_class", "=", "LR"),
            new SearchClause(SearchEntity.Tag, "my tag", "LIKE", "x%"),
            clauses[3],
            new SearchClause(SearchEntity.Tag, "mlflow.runName", "!=", "a"),
            new SearchClause(SearchEntity.Dataset, "digest", "=", "ab12"),
        ]);
        clauses[3].Entity.ShouldBe(SearchEntity.Attribute);
        clauses[3].Operator.ShouldBe("IN");
        ((IEnumerable<string>)clauses[3].Value!).ShouldBe(["FINISHED", "FAILED"]);
    }

    [Theory]
    [InlineData("metrics.`f1 score` >= -1.5e-3", SearchEntity.Metric, "f1 score", ">=", -0.0015)]
    [InlineData("run_name ILIKE '%sweep%'", SearchEntity.Attribute, "run_name", "ILIKE", "%sweep%")]
    [InlineData("attribute.start_time > 1700000000000", SearchEntity.Attribute, "start_time", ">", 1700000000000.0)]
    [InlineData("params.lr='it''s'", SearchEntity.Param, "lr", "=", "it's")]
    [InlineData("tags.done IS NULL", SearchEntity.Tag, "done", "IS NULL", null)]
    public void Parses_single_clauses(string filter, SearchEntity entity, string key, string op, object? value) =>
        SearchFilter.ParseRunFilter(filter).Single().ShouldBe(new SearchClause(entity, key, op, value));

    [Theory]
    [InlineData("metrics.acc >> 1", "position 14")]
    [InlineData("metrics.acc > 'high'", "expected a number")]
    [InlineData("params.lr > '0.1'", "not a valid comparator")]
    [InlineData("metrics.acc > 1 or metrics.acc < 0", "OR is not supported")]
    [InlineData("foo.bar = 'x'", "unknown attribute")]
    [InlineData("params.lr = 'open", "not closed")]
    [InlineData("params. = 'x'", "expected a key")]
    [InlineData("attributes.run_id IN 'a'", "expected (")]
    [InlineData("metrics.acc IS NULL", "IS NULL works on")]
    public void Rejects_bad_filters_with_a_position_and_what_was_expected(string filter, string expected)
    {
        var error = Should.Throw<ValidationException>(() => SearchFilter.ParseRunFilter(filter));
        error.Errors["filter"].Single().ShouldContain(expected);
    }

    [Fact]
    public void Parses_order_by_clauses_and_rejects_bad_ones()
    {
        SearchFilter.ParseOrderBy(["metrics.rmse DESC", "params.lr", "attributes.start_time asc", "metrics.`a b` DESC"]).ShouldBe(
        [
            new SearchOrder(SearchEntity.Metric, "rmse", false),
            new SearchOrder(SearchEntity.Param, "lr", true),
            new SearchOrder(SearchEntity.Attribute, "start_time", true),
            new SearchOrder(SearchEntity.Metric, "a b", false),
        ]);
        Should.Throw<ValidationException>(() => SearchFilter.ParseOrderBy(["metrics.rmse DOWN"]));
        Should.Throw<ValidationException>(() => SearchFilter.ParseOrderBy(["datasets.name"]));
        SearchFilter.ParseOrderBy(["name ASC"], experiments: true).Single().ShouldBe(new SearchOrder(SearchEntity.Attribute, "name", true));
        Should.Throw<ValidationException>(() => SearchFilter.ParseOrderBy(["metrics.x"], experiments: true));
    }

    [Fact]
    public void Experiment_filters_allow_name_and_tags_only()
    {
        SearchFilter.ParseExperimentFilter("name LIKE 'churn%' and tags.team = 'risk'").Count.ShouldBe(2);
        Should.Throw<ValidationException>(() => SearchFilter.ParseExperimentFilter("metrics.acc > 1"));
    }

    [Theory]
    [InlineData("model/MLmodel", "model/MLmodel")]
    [InlineData("plots/confusion matrix.png", "plots/confusion matrix.png")]
    [InlineData("dir/", "dir")]
    public void Artifact_paths_stay_relative(string path, string expected) => ArtifactService.NormalizePath(path, false).ShouldBe(expected);

    [Theory]
    [InlineData("../x")]
    [InlineData("a/../../x")]
    [InlineData("/etc/passwd")]
    [InlineData("a\\..\\x")]
    [InlineData("C:/windows")]
    [InlineData("a//b")]
    [InlineData("a/./b")]
    [InlineData("")]
    public void Artifact_paths_cannot_escape(string path) => Should.Throw<ValidationException>(() => ArtifactService.NormalizePath(path, false));

    [Theory]
    [InlineData("lr", true)]
    [InlineData("train/loss", true)]
    [InlineData("val acc:top-1", true)]
    [InlineData("a/../b", false)]
    [InlineData("/abs", false)]
    [InlineData("semi;colon", false)]
    public void Keys_follow_mlflows_rules(string key, bool valid)
    {
        if (valid)
        {
            TrackingLimits.ValidKey(key, "Param").ShouldBe(key);
        }
        else
        {
            Should.Throw<ValidationException>(() => TrackingLimits.ValidKey(key, "Param"));
        }
    }
}
