using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace AiPlatform.Web.Tests.Apps;

/// <summary>What the app API tests share: creating apps and drafts, grants, and reading answers and problems.</summary>
internal static class AppApi
{
    public static async Task<Guid> CreateAsync(HttpClient client, string slug, string kind = "Workflow") =>
        (await JsonAsync(client.PostAsJsonAsync("/api/v1/apps", new { name = "App " + slug, slug, kind }), HttpStatusCode.Created)).GetProperty("id").GetGuid();

    /// <summary>start (field <c>name</c>) → tpl (a Liquid template over <c>name</c> = the start field and <c>user</c> = <c>sys.user</c>) → end (output <c>text</c> = the template's text).</summary>
    public static JsonObject Workflow(string template) => new()
    {
        ["nodes"] = new JsonArray(
            new JsonObject { ["id"] = "start", ["type"] = "start", ["config"] = new JsonObject { ["fields"] = new JsonArray(new JsonObject { ["name"] = "name", ["type"] = "text", ["required"] = false }) } },
            new JsonObject { ["id"] = "tpl", ["type"] = "template", ["x"] = 300, ["config"] = new JsonObject
            {
                ["template"] = template,
                ["variables"] = new JsonArray(new JsonObject { ["name"] = "name", ["value"] = "{{start.name}}" }, new JsonObject { ["name"] = "user", ["value"] = "{{sys.publisher}}" }, new JsonObject { ["name"] = "caller", ["value"] = "{{sys.user}}" }),
            } },
            new JsonObject { ["id"] = "end", ["type"] = "end", ["x"] = 600, ["config"] = new JsonObject { ["outputs"] = new JsonArray(new JsonObject { ["name"] = "text", ["value"] = "{{tpl.text}}" }) } }),
        ["edges"] = new JsonArray(new JsonObject { ["source"] = "start", ["target"] = "tpl" }, new JsonObject { ["source"] = "tpl", ["target"] = "end" }),
    };

    /// <summary>Saves <paramref name="graph"/> as the draft on its current revision.</summary>
    public static async Task<int> SaveDraftAsync(HttpClient client, Guid id, JsonObject graph)
    {
        var draft = await JsonAsync(client.GetAsync($"/api/v1/apps/{id}/draft"), HttpStatusCode.OK);
        var saved = await JsonAsync(client.PutAsJsonAsync($"/api/v1/apps/{id}/draft", new { graph, revision = draft.GetProperty("revision").GetInt32() }), HttpStatusCode.OK);
        return saved.GetProperty("revision").GetInt32();
    }

    public static async Task PublishAsync(HttpClient client, Guid id, JsonObject graph)
    {
        await SaveDraftAsync(client, id, graph);
        await JsonAsync(client.PostAsJsonAsync($"/api/v1/apps/{id}/publish", new { message = "test" }), HttpStatusCode.Created);
    }

    public static async Task<Guid> UserIdAsync(HttpClient client) =>
        (await JsonAsync(client.GetAsync("/api/v1/me"), HttpStatusCode.OK)).GetProperty("id").GetGuid();

    public static async Task<Guid> GrantAsync(HttpClient owner, HttpClient grantee, Guid id, string level, string collection = "apps") =>
        (await JsonAsync(owner.PostAsJsonAsync($"/api/v1/{collection}/{id}/grants", new { principalType = "User", principalId = await UserIdAsync(grantee), level }), HttpStatusCode.OK)).GetProperty("id").GetGuid();

    /// <summary>The template of the draft's or version's <c>tpl</c> node.</summary>
    public static string? TemplateOf(JsonElement graph) =>
        graph.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("id").GetString() == "tpl").GetProperty("config").GetProperty("template").GetString();

    public static async Task<JsonElement> JsonAsync(Task<HttpResponseMessage> call, HttpStatusCode expected)
    {
        var response = await call;
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(expected, text);
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Checks a problem answer: status, <c>type</c> (its code, when given) and <c>messageKey</c> (when given).</summary>
    public static async Task<JsonElement> ProblemAsync(HttpResponseMessage response, HttpStatusCode status, string? code, string? messageKey)
    {
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(status, text);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("application/problem+json", text);
        var problem = JsonDocument.Parse(text).RootElement.Clone();
        if (code is not null)
        {
            problem.GetProperty("type").GetString().ShouldBe("urn:aiplatform:problem:" + code, text);
        }

        if (messageKey is not null)
        {
            problem.GetProperty("messageKey").GetString().ShouldBe(messageKey, text);
        }

        return problem;
    }
}
