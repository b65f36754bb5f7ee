using System.Globalization;
using System.Net;
using System.Text.Json;

namespace AiPlatform.Web.Tests.Api.Mlflow;

/// <summary>
/// The two registry searches replayed as the MLflow 3.6 client sends them (<c>RestStore.search_registered_models</c> and
/// <c>RestStore.search_model_versions</c>: GET with <c>filter</c>, <c>max_results</c>, repeated <c>order_by</c> and
/// <c>page_token</c> as query parameters), shared by the SQLite and PostgreSQL test classes.
/// </summary>
internal static class RegistrySearchScenarios
{
    /// <summary>What <c>mlflow.prompt.registry_utils.add_prompt_filter_string</c> ANDs to every model search of the client.</summary>
    public const string PromptClause = "tag.`mlflow.prompt.is_prompt` != 'true'";

    /// <summary>
    /// <c>MlflowClient.search_registered_models(filter_string, max_results=100, order_by, page_token)</c>: the client
    /// appends the prompt clause (alone when there is no filter) and the REST store GETs registered-models/search.
    /// </summary>
    public static async Task<JsonElement> SearchModelsAsync(MlflowClient mlflow, string? filter = null, int maxResults = 100, string[]? orderBy = null, string? pageToken = null, bool promptClause = true)
    {
        var sent = !promptClause ? filter : filter is null ? PromptClause : $"{filter} AND {PromptClause}";
        return await mlflow.OkAsync(mlflow.GetAsync("registered-models/search", Query(sent, maxResults, orderBy, pageToken)));
    }

    /// <summary><c>MlflowClient.search_model_versions(filter_string, max_results=10000, order_by, page_token)</c>.</summary>
    public static async Task<JsonElement> SearchVersionsAsync(MlflowClient mlflow, string? filter = null, int maxResults = 10_000, string[]? orderBy = null, string? pageToken = null) =>
        await mlflow.OkAsync(mlflow.GetAsync("model-versions/search", Query(filter, maxResults, orderBy, pageToken)));

    public static (string Name, string Value)[] Query(string? filter, int maxResults, string[]? orderBy, string? pageToken)
    {
        var query = new List<(string, string)>();
        if (filter is not null)
        {
            query.Add(("filter", filter));
        }

        query.Add(("max_results", maxResults.ToString(CultureInfo.InvariantCulture)));
        query.AddRange((orderBy ?? []).Select(o => ("order_by", o)));
        if (pageToken is not null)
        {
            query.Add(("page_token", pageToken));
        }

        return [.. query];
    }

    public static string[] ModelNames(JsonElement body) =>
        body.TryGetProperty("registered_models", out var models) ? [.. models.EnumerateArray().Select(m => m.GetProperty("name").GetString()!)] : [];

    public static string[] Versions(JsonElement body) =>
        body.TryGetProperty("model_versions", out var versions) ? [.. versions.EnumerateArray().Select(v => $"{v.GetProperty("name").GetString()}/{v.GetProperty("version").GetString()}")] : [];

    public static string? NextPageToken(JsonElement body) =>
        body.TryGetProperty("next_page_token", out var token) && token.ValueKind == JsonValueKind.String && token.GetString() is { Length: > 0 } text ? text : null;

    /// <summary>Creates a model; waits (without sleeping) until the clock has moved past its timestamps, so timestamps are distinct.</summary>
    public static async Task<JsonElement> CreateModelAsync(MlflowClient mlflow, string name, params (string Key, string Value)[] tags)
    {
        var created = (await mlflow.OkAsync(mlflow.PostAsync("registered-models/create", new { name, tags = tags.Select(t => new { key = t.Key, value = t.Value }) }))).GetProperty("registered_model");
        PassMillisecond(created.GetProperty("last_updated_timestamp").GetInt64());
        return created;
    }

    /// <summary>A run with a model folder in its artifacts, from which versions are registered.</summary>
    public static async Task<string> CreateRunWithModelAsync(MlflowClient mlflow, string experimentName)
    {
        var experimentId = (await mlflow.OkAsync(mlflow.PostAsync("experiments/create", new { name = experimentName }))).GetProperty("experiment_id").GetString()!;
        var runId = (await mlflow.OkAsync(mlflow.PostAsync("runs/create", new { experiment_id = experimentId }))).GetProperty("run").GetProperty("info").GetProperty("run_id").GetString()!;
        var put = await mlflow.Http.PutAsync($"/api/2.0/mlflow-artifacts/artifacts/{experimentId}/{runId}/artifacts/model/MLmodel", new StringContent("flavors:\n  python_function: {}\n"));
        put.StatusCode.ShouldBe(HttpStatusCode.OK);
        return runId;
    }

    public static async Task<JsonElement> CreateVersionAsync(MlflowClient mlflow, string model, string runId, params (string Key, string Value)[] tags)
    {
        var created = (await mlflow.OkAsync(mlflow.PostAsync("model-versions/create", new { name = model, source = $"runs:/{runId}/model", run_id = runId, tags = tags.Select(t => new { key = t.Key, value = t.Value }) }))).GetProperty("model_version");
        PassMillisecond(created.GetProperty("last_updated_timestamp").GetInt64());
        return created;
    }

    public static void PassMillisecond(long timestamp) =>
        SpinWait.SpinUntil(() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds() > timestamp, TimeSpan.FromSeconds(30))
            .ShouldBeTrue($"the clock did not pass {timestamp} ms");

    /// <summary>
    /// Ordering of registered models on every key and direction, several keys, and paging through all pages with a
    /// small max_results: the pages together hold every match once, in the order of one unpaged search.
    /// </summary>
    public static async Task ModelOrderingAndPagingAsync(MlflowClient mlflow)
    {
        // Created in an order that is neither name order nor its reverse.
        foreach (var name in new[] { "ord-c", "ord-a", "ord-e", "ord-b", "ord-d" })
        {
            await CreateModelAsync(mlflow, name, ("kind", name == "ord-e" ? "big" : "small"));
        }

        // The update moves ord-a's last_updated_timestamp past every other model's.
        var updated = (await mlflow.OkAsync(PatchAsync(mlflow, "registered-models/update", new { name = "ord-a", description = "refreshed" }))).GetProperty("registered_model");
        PassMillisecond(updated.GetProperty("last_updated_timestamp").GetInt64());

        const string Filter = "name LIKE 'ord-%'";
        ModelNames(await SearchModelsAsync(mlflow, Filter)).ShouldBe(["ord-a", "ord-b", "ord-c", "ord-d", "ord-e"]);
        ModelNames(await SearchModelsAsync(mlflow, Filter, orderBy: ["name ASC"])).ShouldBe(["ord-a", "ord-b", "ord-c", "ord-d", "ord-e"]);
        ModelNames(await SearchModelsAsync(mlflow, Filter, orderBy: ["name DESC"])).ShouldBe(["ord-e", "ord-d", "ord-c", "ord-b", "ord-a"]);
        ModelNames(await SearchModelsAsync(mlflow, Filter, orderBy: ["creation_timestamp ASC"])).ShouldBe(["ord-c", "ord-a", "ord-e", "ord-b", "ord-d"]);
        ModelNames(await SearchModelsAsync(mlflow, Filter, orderBy: ["creation_timestamp DESC"])).ShouldBe(["ord-d", "ord-b", "ord-e", "ord-a", "ord-c"]);
        ModelNames(await SearchModelsAsync(mlflow, Filter, orderBy: ["last_updated_timestamp ASC"])).ShouldBe(["ord-c", "ord-e", "ord-b", "ord-d", "ord-a"]);
        ModelNames(await SearchModelsAsync(mlflow, Filter, orderBy: ["last_updated_timestamp DESC"])).ShouldBe(["ord-a", "ord-d", "ord-b", "ord-e", "ord-c"]);
        // "timestamp" is MLflow's older key for the last update.
        ModelNames(await SearchModelsAsync(mlflow, Filter, orderBy: ["timestamp DESC"])).ShouldBe(["ord-a", "ord-d", "ord-b", "ord-e", "ord-c"]);

        // Several keys, with a tag filter.
        ModelNames(await SearchModelsAsync(mlflow, Filter + " AND tags.kind = 'small'", orderBy: ["last_updated_timestamp DESC", "name DESC"])).ShouldBe(["ord-a", "ord-d", "ord-b", "ord-c"]);

        foreach (var orderBy in new[] { Array.Empty<string>(), ["name DESC"], ["creation_timestamp DESC"], ["last_updated_timestamp ASC", "name DESC"] })
        {
            var whole = ModelNames(await SearchModelsAsync(mlflow, Filter, orderBy: orderBy));
            var paged = new List<string>();
            string? token = null;
            var pages = 0;
            do
            {
                var page = await SearchModelsAsync(mlflow, Filter, maxResults: 2, orderBy: orderBy, pageToken: token);
                ModelNames(page).Length.ShouldBeLessThanOrEqualTo(2);
                paged.AddRange(ModelNames(page));
                token = NextPageToken(page);
                pages++;
            }
            while (token is not null && pages < 10);

            pages.ShouldBe(3, string.Join(",", orderBy));
            paged.ToArray().ShouldBe(whole, string.Join(",", orderBy));
        }

        // A page that ends exactly at the last match has no next token.
        NextPageToken(await SearchModelsAsync(mlflow, Filter, maxResults: 5)).ShouldBeNull();
        NextPageToken(await SearchModelsAsync(mlflow, Filter, maxResults: 4)).ShouldNotBeNull();
    }

    /// <summary>Versions: MLflow's default order (last update first), every order key both ways, and paging.</summary>
    public static async Task VersionOrderingAndPagingAsync(MlflowClient mlflow)
    {
        var runId = await CreateRunWithModelAsync(mlflow, "versions-ordering");
        await CreateModelAsync(mlflow, "vo-b");
        await CreateModelAsync(mlflow, "vo-a");
        for (var i = 0; i < 4; i++)
        {
            await CreateVersionAsync(mlflow, "vo-b", runId);
        }

        await CreateVersionAsync(mlflow, "vo-a", runId);
        await CreateVersionAsync(mlflow, "vo-a", runId);

        // Describing vo-b version 2 makes it the most recently updated version.
        var described = (await mlflow.OkAsync(PatchAsync(mlflow, "model-versions/update", new { name = "vo-b", version = "2", description = "checked" }))).GetProperty("model_version");
        PassMillisecond(described.GetProperty("last_updated_timestamp").GetInt64());

        const string Filter = "name LIKE 'vo-%'";
        Versions(await SearchVersionsAsync(mlflow, Filter)).ShouldBe(["vo-b/2", "vo-a/2", "vo-a/1", "vo-b/4", "vo-b/3", "vo-b/1"]);
        Versions(await SearchVersionsAsync(mlflow, Filter, orderBy: ["last_updated_timestamp DESC"])).ShouldBe(["vo-b/2", "vo-a/2", "vo-a/1", "vo-b/4", "vo-b/3", "vo-b/1"]);
        Versions(await SearchVersionsAsync(mlflow, Filter, orderBy: ["last_updated_timestamp ASC"])).ShouldBe(["vo-b/1", "vo-b/3", "vo-b/4", "vo-a/1", "vo-a/2", "vo-b/2"]);
        Versions(await SearchVersionsAsync(mlflow, Filter, orderBy: ["creation_timestamp ASC"])).ShouldBe(["vo-b/1", "vo-b/2", "vo-b/3", "vo-b/4", "vo-a/1", "vo-a/2"]);
        Versions(await SearchVersionsAsync(mlflow, Filter, orderBy: ["creation_timestamp DESC"])).ShouldBe(["vo-a/2", "vo-a/1", "vo-b/4", "vo-b/3", "vo-b/2", "vo-b/1"]);
        // One key: the tie-breaks are name ascending, then version descending (MLflow's store).
        Versions(await SearchVersionsAsync(mlflow, Filter, orderBy: ["name ASC"])).ShouldBe(["vo-a/2", "vo-a/1", "vo-b/4", "vo-b/3", "vo-b/2", "vo-b/1"]);
        Versions(await SearchVersionsAsync(mlflow, Filter, orderBy: ["name DESC"])).ShouldBe(["vo-b/4", "vo-b/3", "vo-b/2", "vo-b/1", "vo-a/2", "vo-a/1"]);
        Versions(await SearchVersionsAsync(mlflow, Filter, orderBy: ["version_number ASC"])).ShouldBe(["vo-a/1", "vo-b/1", "vo-a/2", "vo-b/2", "vo-b/3", "vo-b/4"]);
        Versions(await SearchVersionsAsync(mlflow, Filter, orderBy: ["version_number DESC"])).ShouldBe(["vo-b/4", "vo-b/3", "vo-a/2", "vo-b/2", "vo-a/1", "vo-b/1"]);
        Versions(await SearchVersionsAsync(mlflow, Filter, orderBy: ["name DESC", "version_number ASC"])).ShouldBe(["vo-b/1", "vo-b/2", "vo-b/3", "vo-b/4", "vo-a/1", "vo-a/2"]);

        foreach (var orderBy in new[] { Array.Empty<string>(), ["version_number ASC"], ["name DESC", "version_number ASC"] })
        {
            var whole = Versions(await SearchVersionsAsync(mlflow, Filter, orderBy: orderBy));
            var paged = new List<string>();
            string? token = null;
            var pages = 0;
            do
            {
                var page = await SearchVersionsAsync(mlflow, Filter, maxResults: 4, orderBy: orderBy, pageToken: token);
                paged.AddRange(Versions(page));
                token = NextPageToken(page);
                pages++;
            }
            while (token is not null && pages < 10);

            pages.ShouldBe(2);
            paged.ToArray().ShouldBe(whole);
        }
    }

    /// <summary>The REST store's PATCH calls (update_registered_model, update_model_version).</summary>
    public static async Task<(int Status, JsonElement Body)> PatchAsync(MlflowClient mlflow, string endpoint, object body)
    {
        using var response = await mlflow.Http.PatchAsync("/api/2.0/mlflow/" + endpoint, new StringContent(JsonSerializer.Serialize(body), System.Text.Encoding.UTF8, "application/json"));
        return ((int)response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }
}
