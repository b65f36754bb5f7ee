using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Access;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Apps;

/// <summary>Publishing refuses what cannot run, naming the node; a published app uses its publisher's rights, re-checked at every run.</summary>
public sealed class AppPublishApiTests : ApiTestBase
{
    [Fact]
    public async Task Publish_refuses_a_cycle_and_an_unknown_variable_naming_the_node_and_validate_lists_the_problems()
    {
        var id = await AppApi.CreateAsync(Admin, "broken");
        var cycle = AppApi.Workflow("x");
        cycle["nodes"]!.AsArray().Add(new JsonObject { ["id"] = "again", ["type"] = "template", ["config"] = new JsonObject { ["template"] = "y" } });
        cycle["edges"]!.AsArray().Add(new JsonObject { ["source"] = "tpl", ["target"] = "again" });
        cycle["edges"]!.AsArray().Add(new JsonObject { ["source"] = "again", ["target"] = "tpl" });
        await AppApi.SaveDraftAsync(Admin, id, cycle);

        var refused = await AppApi.ProblemAsync(await Admin.PostAsJsonAsync($"/api/v1/apps/{id}/publish", new { message = "v1" }), HttpStatusCode.BadRequest, "app-graph-invalid", null);
        var errors = refused.GetProperty("errors");
        refused.GetProperty("messageKey").GetString().ShouldBe("Apps.Error.Cycle", refused.GetRawText());
        (errors.TryGetProperty("tpl", out _) || errors.TryGetProperty("again", out _)).ShouldBeTrue(refused.GetRawText());
        var validation = await AppApi.JsonAsync(Admin.PostAsync($"/api/v1/apps/{id}/validate", null), HttpStatusCode.OK);
        validation.GetProperty("valid").GetBoolean().ShouldBeFalse();
        validation.GetProperty("issues").EnumerateArray().Select(i => i.GetProperty("key").GetString()).ShouldContain("Apps.Error.Cycle");

        var unknown = AppApi.Workflow("{{ name }}");
        unknown["nodes"]![1]!["config"]!["variables"]![0]!["value"] = "{{nope.text}}";
        await AppApi.SaveDraftAsync(Admin, id, unknown);
        var missing = await AppApi.ProblemAsync(await Admin.PostAsJsonAsync($"/api/v1/apps/{id}/publish", new { message = "v1" }), HttpStatusCode.BadRequest, "app-graph-invalid", "Apps.Error.UnknownVariable");
        missing.GetProperty("errors").GetProperty("tpl")[0].GetString()!.ShouldContain("nope");
        missing.GetProperty("messageArguments")[0].GetString().ShouldBe("tpl");
        (await Admin.PostAsJsonAsync($"/api/v1/apps/{id}/draft/run", new { inputs = new { } })).StatusCode.ShouldBe(HttpStatusCode.BadRequest, "the draft does not run either");
        (await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/apps/{id}/versions"), HttpStatusCode.OK)).GetArrayLength().ShouldBe(0);

        await AppApi.SaveDraftAsync(Admin, id, AppApi.Workflow("{% if name %}unclosed"));
        var liquid = await AppApi.ProblemAsync(await Admin.PostAsJsonAsync($"/api/v1/apps/{id}/publish", new { message = "v1" }), HttpStatusCode.BadRequest, "app-graph-invalid", "Apps.Error.TemplateInvalid");
        liquid.GetProperty("errors").TryGetProperty("tpl", out _).ShouldBeTrue(liquid.GetRawText());

        await AppApi.SaveDraftAsync(Admin, id, AppApi.Workflow("{{ name }}"));
        (await AppApi.JsonAsync(Admin.PostAsync($"/api/v1/apps/{id}/validate", null), HttpStatusCode.OK)).GetProperty("valid").GetBoolean().ShouldBeTrue();
        (await AppApi.JsonAsync(Admin.PostAsJsonAsync($"/api/v1/apps/{id}/publish", new { message = "v1" }), HttpStatusCode.Created)).GetProperty("number").GetInt32().ShouldBe(1);
    }

    [Fact]
    public async Task A_knowledge_base_the_publisher_cannot_read_is_refused_and_a_revoked_grant_fails_the_node_at_run_time()
    {
        var publisher = await CreateUserAsync("publisher", SystemRoles.AppBuilder);
        var keeper = await CreateUserAsync("keeper", SystemRoles.AppBuilder);
        var reader = await CreateUserAsync("reader", SystemRoles.Viewer);
        var kb = (await AppApi.JsonAsync(keeper.PostAsJsonAsync("/api/v1/knowledge-bases", new { name = "handbook" }), HttpStatusCode.Created)).GetProperty("id").GetGuid();
        var id = await AppApi.CreateAsync(publisher, "kb-app");
        await AppApi.GrantAsync(publisher, reader, id, "Read");
        await AppApi.SaveDraftAsync(publisher, id, Retrieval(kb));

        var refused = await AppApi.ProblemAsync(await publisher.PostAsJsonAsync($"/api/v1/apps/{id}/publish", new { message = "v1" }), HttpStatusCode.BadRequest, "app-graph-invalid", "Apps.Error.Reference");
        refused.GetProperty("errors").GetProperty("kb")[0].GetString()!.ShouldContain(kb.ToString());
        refused.GetProperty("messageArguments").EnumerateArray().Select(a => a.GetString()).ShouldBe(["kb", "knowledgeBases", kb.ToString()]);

        var grant = await AppApi.GrantAsync(keeper, publisher, kb, "Read", "knowledge-bases");
        await AppApi.JsonAsync(publisher.PostAsJsonAsync($"/api/v1/apps/{id}/publish", new { message = "v1" }), HttpStatusCode.Created);
        (await reader.GetAsync($"/api/v1/knowledge-bases/{kb}")).StatusCode.ShouldBe(HttpStatusCode.NotFound, "the reader holds no grant on the knowledge base");
        var ran = await AppApi.JsonAsync(reader.PostAsJsonAsync("/api/v1/apps/kb-app/run", new { inputs = new { name = "vacation" } }), HttpStatusCode.OK);
        ran.GetProperty("status").GetString().ShouldBe("Succeeded", ran.GetRawText());

        (await keeper.DeleteAsync($"/api/v1/knowledge-bases/{kb}/grants/{grant}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        var failed = await AppApi.JsonAsync(reader.PostAsJsonAsync("/api/v1/apps/kb-app/run", new { inputs = new { name = "vacation" } }), HttpStatusCode.OK);
        failed.GetProperty("status").GetString().ShouldBe("Failed", failed.GetRawText());
        failed.GetProperty("errorNode").GetString().ShouldBe("kb");
        failed.GetProperty("errorKey").GetString().ShouldBe("Apps.Error.KnowledgeBaseNotReadable");
        failed.GetProperty("error").GetString().ShouldNotBeNullOrEmpty();
        var run = await AppApi.JsonAsync(publisher.GetAsync($"/api/v1/apps/{id}/runs/{failed.GetProperty("runId").GetGuid()}"), HttpStatusCode.OK);
        run.GetProperty("nodes").EnumerateArray().Single(n => n.GetProperty("nodeId").GetString() == "kb").GetProperty("status").GetString().ShouldBe("Failed");
        await AppApi.ProblemAsync(await publisher.PostAsJsonAsync($"/api/v1/apps/{id}/rollback", new { version = 1 }), HttpStatusCode.BadRequest, "app-graph-invalid", "Apps.Error.Reference");
    }

    /// <summary>start (field <c>name</c>) → kb (retrieval from <paramref name="knowledgeBase"/>) → end (output <c>text</c>).</summary>
    private static JsonObject Retrieval(Guid knowledgeBase) => new()
    {
        ["nodes"] = new JsonArray(
            new JsonObject { ["id"] = "start", ["type"] = "start", ["config"] = new JsonObject { ["fields"] = new JsonArray(new JsonObject { ["name"] = "name", ["type"] = "text" }) } },
            new JsonObject { ["id"] = "kb", ["type"] = "knowledge", ["config"] = new JsonObject { ["knowledgeBases"] = new JsonArray(knowledgeBase.ToString()), ["query"] = "{{start.name}}", ["topK"] = 3 } },
            new JsonObject { ["id"] = "end", ["type"] = "end", ["config"] = new JsonObject { ["outputs"] = new JsonArray(new JsonObject { ["name"] = "text", ["value"] = "{{kb.text}}" }) } }),
        ["edges"] = new JsonArray(new JsonObject { ["source"] = "start", ["target"] = "kb" }, new JsonObject { ["source"] = "kb", ["target"] = "end" }),
    };
}
