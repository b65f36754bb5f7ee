using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Web.Tests.Builders;
using static AiPlatform.Web.Tests.Api.Mlflow.RegistrySearchScenarios;

namespace AiPlatform.Web.Tests.Api.Mlflow;

/// <summary>
/// search_registered_models and search_model_versions as the MLflow 3.6 client sends them, over HTTP against the
/// platform on SQLite (<see cref="MlflowRegistrySearchPostgresTests"/> runs the ordering and paging on PostgreSQL).
/// </summary>
public sealed class MlflowRegistrySearchTests : ApiTestBase
{
    [Fact]
    public async Task Search_registered_models_with_the_clients_prompt_clause_finds_models_without_the_tag_and_filters_on_tags()
    {
        var mlflow = new MlflowClient(Admin);
        await CreateModelAsync(mlflow, "alpha", ("team", "ml"), ("stage", "prod"));
        await CreateModelAsync(mlflow, "beta", ("team", "ops"));
        await CreateModelAsync(mlflow, "gamma");
        await CreateModelAsync(mlflow, "summarize-prompt", ("mlflow.prompt.is_prompt", "true"));

        // search_registered_models(): the filter is the prompt clause alone; models have no prompt tag, so they match.
        var all = await SearchModelsAsync(mlflow);
        ModelNames(all).ShouldBe(["alpha", "beta", "gamma"]);
        NextPageToken(all).ShouldBeNull();
        var alpha = all.GetProperty("registered_models")[0];
        alpha.GetProperty("tags").EnumerateArray().Select(t => t.GetProperty("key").GetString()).ShouldBe(["stage", "team"]);
        alpha.GetProperty("creation_timestamp").GetInt64().ShouldBeGreaterThan(0);

        // search_registered_models(filter_string=…): tag filters with the prompt clause ANDed.
        ModelNames(await SearchModelsAsync(mlflow, "tags.team = 'ml'")).ShouldBe(["alpha"]);
        ModelNames(await SearchModelsAsync(mlflow, "tag.team = 'ops'")).ShouldBe(["beta"]);
        ModelNames(await SearchModelsAsync(mlflow, "tags.`team` = 'ml'")).ShouldBe(["alpha"]);
        ModelNames(await SearchModelsAsync(mlflow, "tags.\"team\" = 'ml' AND tags.stage = 'prod'")).ShouldBe(["alpha"]);
        // != on an ordinary tag: a model without the tag does not match (MLflow's store joins on the tag).
        ModelNames(await SearchModelsAsync(mlflow, "tags.team != 'ml'")).ShouldBe(["beta"]);
        ModelNames(await SearchModelsAsync(mlflow, "tags.team LIKE 'o%'")).ShouldBe(["beta"]);
        ModelNames(await SearchModelsAsync(mlflow, "tags.team LIKE 'O%'")).ShouldBeEmpty();
        ModelNames(await SearchModelsAsync(mlflow, "tags.team ILIKE 'O%'")).ShouldBe(["beta"]);
        ModelNames(await SearchModelsAsync(mlflow, "tags.missing = 'x'")).ShouldBeEmpty();
        ModelNames(await SearchModelsAsync(mlflow, "tags.missing != 'x'")).ShouldBeEmpty();
        ModelNames(await SearchModelsAsync(mlflow, "name = 'gamma'")).ShouldBe(["gamma"]);
        ModelNames(await SearchModelsAsync(mlflow, "name != 'gamma'")).ShouldBe(["alpha", "beta"]);
        ModelNames(await SearchModelsAsync(mlflow, "name LIKE '%a'")).ShouldBe(["alpha", "beta", "gamma"]);
        ModelNames(await SearchModelsAsync(mlflow, "name LIKE 'A%'")).ShouldBeEmpty();
        ModelNames(await SearchModelsAsync(mlflow, "name ILIKE 'A%'")).ShouldBe(["alpha"]);
        ModelNames(await SearchModelsAsync(mlflow, "attribute.name = 'beta'")).ShouldBe(["beta"]);

        // search_prompts / a filter that asks for prompts: the prompt tag then filters as any tag.
        ModelNames(await SearchModelsAsync(mlflow, "tag.`mlflow.prompt.is_prompt` = 'true'", promptClause: false)).ShouldBe(["summarize-prompt"]);
        // An older client (before 2.21) sends no clause: prompts are still left out, as MLflow's store does.
        ModelNames(await SearchModelsAsync(mlflow, promptClause: false)).ShouldBe(["alpha", "beta", "gamma"]);
        ModelNames(await SearchModelsAsync(mlflow, "tags.`mlflow.prompt.is_prompt` = 'false'", promptClause: false)).ShouldBe(["alpha", "beta", "gamma"]);
    }

    [Fact]
    public async Task Registered_models_order_by_every_key_both_ways_and_page_through_every_match_once() =>
        await ModelOrderingAndPagingAsync(new MlflowClient(Admin));

    [Fact]
    public async Task Search_model_versions_filters_on_every_attribute_mlflow_accepts_and_on_tags()
    {
        var mlflow = new MlflowClient(Admin);
        var runA = await CreateRunWithModelAsync(mlflow, "filters-a");
        var runB = await CreateRunWithModelAsync(mlflow, "filters-b");
        await CreateModelAsync(mlflow, "churn");
        await CreateModelAsync(mlflow, "fraud");
        await CreateVersionAsync(mlflow, "churn", runA, ("validated", "yes"));
        await CreateVersionAsync(mlflow, "churn", runA);
        await CreateVersionAsync(mlflow, "churn", runB, ("validated", "no"));
        await CreateVersionAsync(mlflow, "fraud", runB, ("validated", "yes"));

        // search_model_versions(filter_string=…) sends the filter as it is; the default order is the last update first.
        var byName = await SearchVersionsAsync(mlflow, "name = 'churn'");
        Versions(byName).ShouldBe(["churn/3", "churn/2", "churn/1"]);
        var first = byName.GetProperty("model_versions")[2];
        first.GetProperty("run_id").GetString().ShouldBe(runA);
        first.GetProperty("source").GetString().ShouldBe($"runs:/{runA}/model");
        first.GetProperty("tags")[0].GetProperty("key").GetString().ShouldBe("validated");

        Versions(await SearchVersionsAsync(mlflow, "name = 'churn' AND version_number > 1")).ShouldBe(["churn/3", "churn/2"]);
        Versions(await SearchVersionsAsync(mlflow, "name = 'churn' AND version_number >= 2 AND version_number < 3")).ShouldBe(["churn/2"]);
        Versions(await SearchVersionsAsync(mlflow, "name='churn' AND version_number=1")).ShouldBe(["churn/1"]);
        Versions(await SearchVersionsAsync(mlflow, "name = 'churn' AND version_number != 2")).ShouldBe(["churn/3", "churn/1"]);
        Versions(await SearchVersionsAsync(mlflow, "version_number <= 1")).ShouldBe(["fraud/1", "churn/1"]);
        Versions(await SearchVersionsAsync(mlflow, $"run_id = '{runA}'")).ShouldBe(["churn/2", "churn/1"]);
        Versions(await SearchVersionsAsync(mlflow, $"run_id IN ('{runA}', '{runB}') AND name = 'fraud'")).ShouldBe(["fraud/1"]);
        Versions(await SearchVersionsAsync(mlflow, $"run_id != '{runA}'")).ShouldBe(["fraud/1", "churn/3"]);
        Versions(await SearchVersionsAsync(mlflow, "run_id = 'not-a-run'")).ShouldBeEmpty();
        Versions(await SearchVersionsAsync(mlflow, $"source_path = 'runs:/{runB}/model'")).ShouldBe(["fraud/1", "churn/3"]);
        Versions(await SearchVersionsAsync(mlflow, $"source_path LIKE 'runs:/{runA}/%'")).ShouldBe(["churn/2", "churn/1"]);
        Versions(await SearchVersionsAsync(mlflow, "name ILIKE 'CH%' AND tags.validated = 'yes'")).ShouldBe(["churn/1"]);
        Versions(await SearchVersionsAsync(mlflow, "tags.validated != 'yes'")).ShouldBe(["churn/3"]);
        Versions(await SearchVersionsAsync(mlflow, "tags.`validated` LIKE 'y%'")).ShouldBe(["fraud/1", "churn/1"]);
        // The prompt clause, should a client send it for versions, keeps every version of an ordinary model.
        Versions(await SearchVersionsAsync(mlflow, "name = 'fraud' AND " + PromptClause)).ShouldBe(["fraud/1"]);
    }

    [Fact]
    public async Task Model_versions_come_newest_first_order_by_every_key_and_page_with_tokens() =>
        await VersionOrderingAndPagingAsync(new MlflowClient(Admin));

    [Fact]
    public async Task Bad_filters_order_by_max_results_and_page_tokens_are_invalid_parameter_values()
    {
        var mlflow = new MlflowClient(Admin);
        await CreateModelAsync(mlflow, "any");
        foreach (var filter in new[] { "metrics.rmse > 1", "creation_timestamp > 1", "run_id = 'x'", "name = 'a' OR name = 'b'", "name IN ('a')", "name = 1", "tags.team > 'a'", "name = 'unclosed" })
        {
            await MlflowClient.ShouldFailAsync(mlflow.GetAsync("registered-models/search", Query(filter, 100, null, null)), 400, "INVALID_PARAMETER_VALUE");
        }

        foreach (var filter in new[] { "current_stage = 'Production'", "version_number LIKE '1%'", "version_number = 'x'", "name IN ('a')", "params.a = 'b'", "status = 'READY'" })
        {
            await MlflowClient.ShouldFailAsync(mlflow.GetAsync("model-versions/search", Query(filter, 100, null, null)), 400, "INVALID_PARAMETER_VALUE");
        }

        foreach (var orderBy in new[] { "version_number", "run_id", "name SIDEWAYS", "metrics.x" })
        {
            await MlflowClient.ShouldFailAsync(mlflow.GetAsync("registered-models/search", Query(null, 100, [orderBy], null)), 400, "INVALID_PARAMETER_VALUE");
        }

        await MlflowClient.ShouldFailAsync(mlflow.GetAsync("registered-models/search", Query(null, 100, ["name", "name DESC"], null)), 400, "INVALID_PARAMETER_VALUE");
        await MlflowClient.ShouldFailAsync(mlflow.GetAsync("model-versions/search", Query(null, 100, ["run_id"], null)), 400, "INVALID_PARAMETER_VALUE");
        await MlflowClient.ShouldFailAsync(mlflow.GetAsync("model-versions/search", Query(null, 100, ["source_path DESC"], null)), 400, "INVALID_PARAMETER_VALUE");
        await MlflowClient.ShouldFailAsync(mlflow.GetAsync("registered-models/search", Query(null, 1001, null, null)), 400, "INVALID_PARAMETER_VALUE");
        await MlflowClient.ShouldFailAsync(mlflow.GetAsync("registered-models/search", Query(null, 0, null, null)), 400, "INVALID_PARAMETER_VALUE");
        await MlflowClient.ShouldFailAsync(mlflow.GetAsync("model-versions/search", Query(null, 200_001, null, null)), 400, "INVALID_PARAMETER_VALUE");
        await MlflowClient.ShouldFailAsync(mlflow.GetAsync("model-versions/search", ("max_results", "many")), 400, "INVALID_PARAMETER_VALUE");
        await MlflowClient.ShouldFailAsync(mlflow.GetAsync("model-versions/search", Query(null, 10, null, "not-a-token")), 400, "INVALID_PARAMETER_VALUE");
        ModelNames(await SearchModelsAsync(mlflow, maxResults: 1000)).ShouldBe(["any"]);
    }

    [Fact]
    public async Task Both_searches_return_only_models_the_caller_may_read()
    {
        var alice = await CreateUserAsync("alice", SystemRoles.ModelDeveloper);
        var bob = await CreateUserAsync("bob", SystemRoles.ModelDeveloper);
        var mlflowAlice = new MlflowClient(alice);
        var mlflowBob = new MlflowClient(bob);
        var runId = await CreateRunWithModelAsync(mlflowAlice, "alice-runs");
        await CreateModelAsync(mlflowAlice, "alice-private");
        await CreateModelAsync(mlflowAlice, "alice-shared");
        await CreateVersionAsync(mlflowAlice, "alice-private", runId);
        await CreateVersionAsync(mlflowAlice, "alice-shared", runId);
        var bobRun = await CreateRunWithModelAsync(mlflowBob, "bob-runs");
        await CreateModelAsync(mlflowBob, "bob-own");
        await CreateVersionAsync(mlflowBob, "bob-own", bobRun);

        ModelNames(await SearchModelsAsync(mlflowBob)).ShouldBe(["bob-own"]);
        Versions(await SearchVersionsAsync(mlflowBob)).ShouldBe(["bob-own/1"]);
        Versions(await SearchVersionsAsync(mlflowBob, $"run_id = '{runId}'")).ShouldBeEmpty();
        Versions(await SearchVersionsAsync(mlflowBob, "name = 'alice-private'")).ShouldBeEmpty();

        var shared = JsonDocument.Parse(await alice.GetStringAsync("/api/v1/models?q=alice-shared")).RootElement.GetProperty("items")[0].GetProperty("id").GetGuid();
        var bobId = (await bob.GetFromJsonAsync<JsonElement>("/api/v1/me", JsonDefaults.Options)).GetProperty("id").GetGuid();
        (await alice.PostAsJsonAsync($"/api/v1/models/{shared}/grants", new { principalType = "User", principalId = bobId, level = "Read" }, JsonDefaults.Options)).EnsureSuccessStatusCode();

        // A Read grant shows the model and its versions, in every page and order; nothing else of alice's appears.
        ModelNames(await SearchModelsAsync(mlflowBob)).ShouldBe(["alice-shared", "bob-own"]);
        ModelNames(await SearchModelsAsync(mlflowBob, maxResults: 1, orderBy: ["name DESC"])).ShouldBe(["bob-own"]);
        Versions(await SearchVersionsAsync(mlflowBob, orderBy: ["name ASC"])).ShouldBe(["alice-shared/1", "bob-own/1"]);
        Versions(await SearchVersionsAsync(mlflowBob, $"run_id = '{runId}'")).ShouldBe(["alice-shared/1"]);
        ModelNames(await SearchModelsAsync(mlflowAlice)).ShouldBe(["alice-private", "alice-shared"]);

        // A read-only token searches; a caller without credentials is refused.
        var created = await bob.PostAsJsonAsync("/api/v1/me/tokens", new { name = "mlflow-read", scope = "Read", expiresInDays = 7 }, JsonDefaults.Options);
        var token = (await created.Content.ReadFromJsonAsync<JsonElement>(JsonDefaults.Options)).GetProperty("value").GetString()!;
        var readOnly = MlflowClient.WithToken(Factory.CreateClient(), token);
        ModelNames(await SearchModelsAsync(readOnly)).ShouldBe(["alice-shared", "bob-own"]);
        Versions(await SearchVersionsAsync(readOnly)).Length.ShouldBe(2);
        var anonymous = new MlflowClient(Factory.CreateClient());
        (await anonymous.GetAsync("registered-models/search", Query(PromptClause, 100, null, null))).Status.ShouldBe((int)HttpStatusCode.Unauthorized);
        (await anonymous.GetAsync("model-versions/search", Query(null, 100, null, null))).Status.ShouldBe((int)HttpStatusCode.Unauthorized);
    }
}
