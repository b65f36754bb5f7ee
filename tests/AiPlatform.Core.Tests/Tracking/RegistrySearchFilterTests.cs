using AiPlatform.Core.Common;
using AiPlatform.Core.Registry;
using AiPlatform.Core.Tracking;

namespace AiPlatform.Core.Tests.Tracking;

public sealed class RegistrySearchFilterTests
{
    [Fact]
    public void Parses_the_clause_the_mlflow_client_appends_and_tag_keys_in_every_quoting()
    {
        RegistrySearchFilter.ParseModelFilter("name LIKE 'churn%' AND tag.`mlflow.prompt.is_prompt` != 'true' AND tags.\"a b\" = 'x' AND tags.team ILIKE 'o%'").ShouldBe(
        [
            new SearchClause(SearchEntity.Attribute, "name", "LIKE", "churn%"),
            new SearchClause(SearchEntity.Tag, "mlflow.prompt.is_prompt", "!=", "true"),
            new SearchClause(SearchEntity.Tag, "a b", "=", "x"),
            new SearchClause(SearchEntity.Tag, "team", "ILIKE", "o%"),
        ]);
    }

    [Fact]
    public void Parses_version_attributes_with_numbers_and_run_id_lists()
    {
        var clauses = RegistrySearchFilter.ParseVersionFilter("name = 'm' and version_number >= 2 and run_id IN ('a', 'b') and source_path LIKE 'runs:/%' and version_number != '3'");
        clauses[1].ShouldBe(new SearchClause(SearchEntity.Attribute, "version_number", ">=", 2.0));
        ((IEnumerable<string>)clauses[2].Value!).ShouldBe(["a", "b"]);
        clauses[3].ShouldBe(new SearchClause(SearchEntity.Attribute, "source_path", "LIKE", "runs:/%"));
        clauses[4].ShouldBe(new SearchClause(SearchEntity.Attribute, "version_number", "!=", 3.0));
    }

    [Theory]
    [InlineData("version_number = 1")]
    [InlineData("run_id = 'x'")]
    [InlineData("creation_timestamp > 1")]
    [InlineData("metrics.x > 1")]
    [InlineData("name IN ('a')")]
    [InlineData("name = 'a' OR name = 'b'")]
    [InlineData("tags.k > 'a'")]
    [InlineData("name = x")]
    public void Rejects_what_search_registered_models_does_not_accept(string filter) =>
        Should.Throw<ValidationException>(() => RegistrySearchFilter.ParseModelFilter(filter));

    [Theory]
    [InlineData("current_stage = 'Production'")]
    [InlineData("version_number LIKE '1%'")]
    [InlineData("version_number = 'one'")]
    [InlineData("name IN ('a')")]
    [InlineData("source_path IN ('a')")]
    [InlineData("params.p = 'a'")]
    public void Rejects_what_search_model_versions_does_not_accept(string filter) =>
        Should.Throw<ValidationException>(() => RegistrySearchFilter.ParseVersionFilter(filter));

    [Fact]
    public void Order_by_reads_directions_maps_timestamp_and_refuses_unknown_or_repeated_keys()
    {
        RegistrySearchFilter.ParseOrderBy(["name DESC", "timestamp", "attribute.creation_timestamp asc"], RegistrySearchFilter.ModelOrderKeys).ShouldBe(
        [
            new SearchOrder(SearchEntity.Attribute, "name", false),
            new SearchOrder(SearchEntity.Attribute, "last_updated_timestamp", true),
            new SearchOrder(SearchEntity.Attribute, "creation_timestamp", true),
        ]);
        Should.Throw<ValidationException>(() => RegistrySearchFilter.ParseOrderBy(["version_number"], RegistrySearchFilter.ModelOrderKeys));
        Should.Throw<ValidationException>(() => RegistrySearchFilter.ParseOrderBy(["timestamp", "last_updated_timestamp DESC"], RegistrySearchFilter.ModelOrderKeys));
        Should.Throw<ValidationException>(() => RegistrySearchFilter.ParseOrderBy(["name UP"], RegistrySearchFilter.VersionOrderKeys));
        Should.Throw<ValidationException>(() => RegistrySearchFilter.ParseOrderBy(["run_id"], RegistrySearchFilter.VersionOrderKeys));
    }

    [Theory]
    [InlineData("tag.`mlflow.prompt.is_prompt` != 'true'", true, 0)]
    [InlineData("tags.`mlflow.prompt.is_prompt` = 'false'", true, 0)]
    [InlineData("tags.`mlflow.prompt.is_prompt` = 'true'", false, 1)]
    [InlineData("tags.`mlflow.prompt.is_prompt` != 'FALSE'", false, 1)]
    [InlineData("tags.team = 'ml'", true, 1)]
    public void Prompt_clauses_turn_into_leaving_prompts_out_unless_the_filter_asks_for_prompts(string filter, bool excludePrompts, int clausesLeft)
    {
        var (clauses, exclude) = RegistryService.WithoutPromptClauses(RegistrySearchFilter.ParseModelFilter(filter));
        exclude.ShouldBe(excludePrompts);
        clauses.Count.ShouldBe(clausesLeft);
    }
}
