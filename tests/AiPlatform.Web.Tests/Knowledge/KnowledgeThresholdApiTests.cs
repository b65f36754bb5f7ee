using System.Net;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Knowledge;

/// <summary>
/// Thresholds that are not numbers between 0 and 1: the web JSON defaults read "NaN" and "Infinity" from strings, and
/// neither may get through (NaN fails both range comparisons; stored, it would break every response that writes the view).
/// </summary>
public sealed class KnowledgeThresholdApiTests : ApiTestBase
{
    [Fact]
    public async Task A_non_finite_relevance_threshold_or_search_threshold_is_a_validation_problem()
    {
        var kb = await JsonAsync(Admin.PostAsJsonAsync("/api/v1/knowledge-bases", new { name = "thresholds", relevanceThreshold = 0.3 }), HttpStatusCode.Created);
        var id = kb.GetProperty("id").GetGuid();
        foreach (var value in new[] { "\"NaN\"", "\"Infinity\"", "\"-Infinity\"" })
        {
            await RefusedAsync(id, value);
        }

        // Nothing was stored: the knowledge base and the list still read as JSON, with the threshold it had.
        JsonDocument.Parse(await Admin.GetStringAsync($"/api/v1/knowledge-bases/{id}")).RootElement.GetProperty("relevanceThreshold").GetDouble().ShouldBe(0.3);
        JsonDocument.Parse(await Admin.GetStringAsync("/api/v1/knowledge-bases")).RootElement.EnumerateArray().Count().ShouldBe(1);
        (await Admin.PostAsJsonAsync($"/api/v1/knowledge-bases/{id}/search", new { query = "parking", threshold = 0.5 })).StatusCode.ShouldBe(HttpStatusCode.OK);
    }

    private async Task RefusedAsync(Guid id, string value)
    {
        var create = await Admin.PostAsync("/api/v1/knowledge-bases", Raw($$"""{"name":"other","relevanceThreshold":{{value}}}"""));
        await ShouldBeProblemAsync(create, "relevanceThreshold");
        var update = await Admin.PutAsync($"/api/v1/knowledge-bases/{id}", Raw($$"""{"name":"thresholds","relevanceThreshold":{{value}}}"""));
        await ShouldBeProblemAsync(update, "relevanceThreshold");
        var search = await Admin.PostAsync($"/api/v1/knowledge-bases/{id}/search", Raw($$"""{"query":"parking","threshold":{{value}}}"""));
        await ShouldBeProblemAsync(search, "threshold");
    }

    private static async Task<JsonElement> JsonAsync(Task<HttpResponseMessage> call, HttpStatusCode expected)
    {
        var response = await call;
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(expected, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    private static StringContent Raw(string json) => new(json, Encoding.UTF8, "application/json");

    private static async Task ShouldBeProblemAsync(HttpResponseMessage response, string field)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.BadRequest, text);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json");
        var errors = JsonDocument.Parse(text).RootElement.GetProperty("errors");
        errors.TryGetProperty(field, out var messages).ShouldBeTrue(text);
        messages[0].GetString()!.ShouldContain("between 0 and 1");
    }
}
