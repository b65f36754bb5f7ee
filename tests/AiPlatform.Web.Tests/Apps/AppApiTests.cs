using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Access;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Apps;

/// <summary>Apps over HTTP: CRUD and addresses, rights by level, the draft's revision, versions, diff, restore, rollback, YAML export and import.</summary>
public sealed class AppApiTests : ApiTestBase
{
    [Fact]
    public async Task The_owner_creates_reads_renames_and_deletes_an_app_and_addresses_are_checked()
    {
        var bad = await Admin.PostAsJsonAsync("/api/v1/apps", new { name = "FAQ", slug = "Not A Slug", kind = "Workflow" });
        await AppApi.ProblemAsync(bad, HttpStatusCode.BadRequest, "validation", "Apps.Error.Slug");

        var app = await AppApi.JsonAsync(Admin.PostAsJsonAsync("/api/v1/apps", new { name = "FAQ bot", slug = "faq-bot", description = "HR answers", kind = "Chat" }), HttpStatusCode.Created);
        var id = app.GetProperty("id").GetGuid();
        app.GetProperty("permission").GetString().ShouldBe("Manage");
        app.GetProperty("kind").GetString().ShouldBe("Chat");
        app.GetProperty("publishedVersionId").ValueKind.ShouldBe(JsonValueKind.Null);

        await AppApi.ProblemAsync(await Admin.PostAsJsonAsync("/api/v1/apps", new { name = "Other", slug = "faq-bot" }), HttpStatusCode.Conflict, "conflict", "Apps.Error.SlugTaken");
        (await Admin.PostAsJsonAsync("/api/v1/apps", new { name = "", slug = "empty-name" })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        var list = await AppApi.JsonAsync(Admin.GetAsync("/api/v1/apps?q=hr+answers"), HttpStatusCode.OK);
        list.GetProperty("items").EnumerateArray().Select(a => a.GetProperty("slug").GetString()).ShouldBe(["faq-bot"]);
        list.GetProperty("totalCount").GetInt32().ShouldBe(1);

        var renamed = await AppApi.JsonAsync(Admin.PutAsJsonAsync($"/api/v1/apps/{id}", new { name = "HR bot", slug = "hr-bot", kind = "Chat" }), HttpStatusCode.OK);
        renamed.GetProperty("slug").GetString().ShouldBe("hr-bot");
        renamed.GetProperty("description").ValueKind.ShouldBe(JsonValueKind.Null);
        (await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/apps/{id}"), HttpStatusCode.OK)).GetProperty("name").GetString().ShouldBe("HR bot");
        var audit = await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/audit?objectId={id}&pageSize=50"), HttpStatusCode.OK);
        audit.GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()).ShouldBe(["app.update", "app.create"], ignoreOrder: true);

        (await Admin.DeleteAsync($"/api/v1/apps/{id}")).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await AppApi.ProblemAsync(await Admin.GetAsync($"/api/v1/apps/{id}"), HttpStatusCode.NotFound, "not-found", null);
        (await Admin.PostAsJsonAsync("/api/v1/apps", new { name = "Reuse", slug = "hr-bot" })).StatusCode.ShouldBe(HttpStatusCode.Created, "a deleted app's address is free again");
    }

    [Fact]
    public async Task A_read_grantee_sees_the_app_but_not_its_draft_or_versions_and_cannot_change_or_publish_it()
    {
        var id = await AppApi.CreateAsync(Admin, "shared-app");
        var reader = await CreateUserAsync("reader", SystemRoles.Viewer);
        var outsider = await CreateUserAsync("outsider", SystemRoles.AppBuilder);

        (await outsider.GetAsync($"/api/v1/apps/{id}")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await outsider.GetAsync($"/api/v1/apps/{id}/draft")).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await outsider.PostAsJsonAsync($"/api/v1/apps/{id}/publish", new { message = "x" })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await AppApi.JsonAsync(outsider.GetAsync("/api/v1/apps"), HttpStatusCode.OK)).GetProperty("totalCount").GetInt32().ShouldBe(0);

        await AppApi.GrantAsync(Admin, reader, id, "Read");
        (await AppApi.JsonAsync(reader.GetAsync($"/api/v1/apps/{id}"), HttpStatusCode.OK)).GetProperty("permission").GetString().ShouldBe("Read");
        await AppApi.ProblemAsync(await reader.GetAsync($"/api/v1/apps/{id}/draft"), HttpStatusCode.Forbidden, "forbidden", "Error.NeedsLevel.Write");
        (await reader.PutAsJsonAsync($"/api/v1/apps/{id}/draft", new { graph = new { nodes = Array.Empty<object>(), edges = Array.Empty<object>() }, revision = 0 })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await reader.GetAsync($"/api/v1/apps/{id}/versions")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await reader.GetAsync($"/api/v1/apps/{id}/export")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await reader.PostAsJsonAsync($"/api/v1/apps/{id}/publish", new { message = "x" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await reader.PutAsJsonAsync($"/api/v1/apps/{id}", new { name = "hijacked", slug = "hijacked" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await reader.DeleteAsync($"/api/v1/apps/{id}")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await reader.PostAsJsonAsync($"/api/v1/apps/{id}/draft/run", new { inputs = new { } })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await reader.PostAsJsonAsync("/api/v1/apps", new { name = "mine", slug = "readers-app" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden, "Viewer has no apps.create");

        var writer = await CreateUserAsync("writer", SystemRoles.Viewer);
        await AppApi.GrantAsync(Admin, writer, id, "Write");
        (await writer.GetAsync($"/api/v1/apps/{id}/draft")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await writer.PostAsJsonAsync($"/api/v1/apps/{id}/publish", new { message = "x" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden, "publishing needs Manage");

        var anonymous = Factory.CreateClient();
        await AppApi.ProblemAsync(await anonymous.GetAsync("/api/v1/apps"), HttpStatusCode.Unauthorized, null, null);
        (await anonymous.PostAsJsonAsync("/api/v1/apps/shared-app/run", new { inputs = new { } })).StatusCode.ShouldBe(HttpStatusCode.Unauthorized);

        var token = await AppApi.JsonAsync(Admin.PostAsJsonAsync("/api/v1/me/tokens", new { name = "ro", scope = "Read" }), HttpStatusCode.Created);
        var readOnly = Factory.CreateClient();
        readOnly.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token.GetProperty("value").GetString());
        (await readOnly.GetAsync($"/api/v1/apps/{id}")).StatusCode.ShouldBe(HttpStatusCode.OK);
        (await readOnly.PostAsJsonAsync("/api/v1/apps", new { name = "x", slug = "read-only-app" })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await readOnly.PutAsJsonAsync($"/api/v1/apps/{id}/draft", new { graph = new { nodes = Array.Empty<object>() }, revision = 0 })).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        (await readOnly.PostAsync($"/api/v1/apps/{id}/draft/run", JsonContent.Create(new { inputs = new { } }))).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
    }

    [Fact]
    public async Task A_draft_save_on_a_stale_revision_is_refused_and_the_newer_draft_is_kept()
    {
        var id = await AppApi.CreateAsync(Admin, "drafty");
        var draft = await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/apps/{id}/draft"), HttpStatusCode.OK);
        draft.GetProperty("revision").GetInt32().ShouldBe(0);
        draft.GetProperty("graph").GetProperty("nodes").EnumerateArray().Select(n => n.GetProperty("type").GetString()).ShouldBe(["start", "end"]);

        var first = AppApi.Workflow("Hello {{start.name}}");
        var saved = await AppApi.JsonAsync(Admin.PutAsJsonAsync($"/api/v1/apps/{id}/draft", new { graph = first, revision = 0 }), HttpStatusCode.OK);
        saved.GetProperty("revision").GetInt32().ShouldBe(1);

        var stale = await Admin.PutAsJsonAsync($"/api/v1/apps/{id}/draft", new { graph = AppApi.Workflow("Bye"), revision = 0 });
        await AppApi.ProblemAsync(stale, HttpStatusCode.Conflict, "conflict", "Apps.Error.DraftStale");
        var kept = await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/apps/{id}/draft"), HttpStatusCode.OK);
        kept.GetProperty("revision").GetInt32().ShouldBe(1);
        AppApi.TemplateOf(kept.GetProperty("graph")).ShouldBe("Hello {{start.name}}");

        var badId = await Admin.PutAsJsonAsync($"/api/v1/apps/{id}/draft", new { graph = new { nodes = new[] { new { id = "1bad", type = "start" } } }, revision = 1 });
        await AppApi.ProblemAsync(badId, HttpStatusCode.BadRequest, "validation", "Apps.Error.NodeIdInvalid");
    }

    [Fact]
    public async Task Versions_are_numbered_listed_compared_restored_and_rolled_back()
    {
        var id = await AppApi.CreateAsync(Admin, "versioned");
        await AppApi.SaveDraftAsync(Admin, id, AppApi.Workflow("one"));
        var v1 = await AppApi.JsonAsync(Admin.PostAsJsonAsync($"/api/v1/apps/{id}/publish", new { message = "first" }), HttpStatusCode.Created);
        v1.GetProperty("number").GetInt32().ShouldBe(1);
        var graph = AppApi.Workflow("two");
        graph["nodes"]!.AsArray().Add(new JsonObject { ["id"] = "note", ["type"] = "template", ["config"] = new JsonObject { ["template"] = "extra" } });
        graph["edges"]!.AsArray().Add(new JsonObject { ["source"] = "start", ["target"] = "note" });
        graph["edges"]!.AsArray().Add(new JsonObject { ["source"] = "note", ["target"] = "end" });
        await AppApi.SaveDraftAsync(Admin, id, graph);
        (await AppApi.JsonAsync(Admin.PostAsJsonAsync($"/api/v1/apps/{id}/publish", new { message = "second" }), HttpStatusCode.Created)).GetProperty("number").GetInt32().ShouldBe(2);

        await AppApi.ProblemAsync(await Admin.PutAsJsonAsync($"/api/v1/apps/{id}", new { name = "Versioned", slug = "versioned", kind = "Chat" }), HttpStatusCode.BadRequest, "validation", "Apps.Error.KindChange");

        var versions = await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/apps/{id}/versions"), HttpStatusCode.OK);
        versions.EnumerateArray().Select(v => (v.GetProperty("number").GetInt32(), v.GetProperty("message").GetString(), v.GetProperty("published").GetBoolean()))
            .ShouldBe([(2, "second", true), (1, "first", false)]);
        AppApi.TemplateOf((await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/apps/{id}/versions/1"), HttpStatusCode.OK)).GetProperty("graph")).ShouldBe("one");
        (await Admin.GetAsync($"/api/v1/apps/{id}/versions/9")).StatusCode.ShouldBe(HttpStatusCode.NotFound);

        var diff = await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/apps/{id}/versions/diff?from=1&to=2"), HttpStatusCode.OK);
        diff.GetProperty("addedNodes").EnumerateArray().Select(n => n.GetProperty("id").GetString()).ShouldBe(["note"]);
        diff.GetProperty("changedNodes").EnumerateArray().Single().GetProperty("settings").EnumerateArray().Select(s => s.GetString()).ShouldBe(["template"]);
        diff.GetProperty("addedEdges").GetArrayLength().ShouldBe(2);
        diff.GetProperty("removedNodes").GetArrayLength().ShouldBe(0);
        (await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/apps/{id}/versions/diff?from=2&to=draft"), HttpStatusCode.OK)).GetProperty("isEmpty").GetBoolean().ShouldBeTrue();
        (await Admin.GetAsync($"/api/v1/apps/{id}/versions/diff?from=1&to=latest")).StatusCode.ShouldBe(HttpStatusCode.BadRequest);

        var restored = await AppApi.JsonAsync(Admin.PostAsync($"/api/v1/apps/{id}/versions/1/restore", null), HttpStatusCode.OK);
        AppApi.TemplateOf(restored.GetProperty("graph")).ShouldBe("one");
        restored.GetProperty("revision").GetInt32().ShouldBe(3);
        (await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/apps/{id}/versions/diff?from=1&to=draft"), HttpStatusCode.OK)).GetProperty("isEmpty").GetBoolean().ShouldBeTrue();
        (await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/apps/{id}"), HttpStatusCode.OK)).GetProperty("publishedVersionId").GetGuid().ShouldNotBe(v1.GetProperty("id").GetGuid(), "restoring changes the draft only");

        var exported = await Admin.GetAsync($"/api/v1/apps/{id}/export?version=1");
        exported.Content.Headers.ContentDisposition!.FileName!.Trim('"').ShouldBe("versioned-v1.yaml");
        (await exported.Content.ReadAsStringAsync()).ShouldContain("template: one");

        var rolled = await AppApi.JsonAsync(Admin.PostAsJsonAsync($"/api/v1/apps/{id}/rollback", new { version = 1 }), HttpStatusCode.OK);
        rolled.GetProperty("publishedVersionId").GetGuid().ShouldBe(v1.GetProperty("id").GetGuid());
        (await Admin.PostAsJsonAsync($"/api/v1/apps/{id}/rollback", new { version = 7 })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        var published = await AppApi.JsonAsync(Admin.GetAsync("/api/v1/apps/versioned/published"), HttpStatusCode.OK);
        published.GetProperty("version").GetInt32().ShouldBe(1);

        var actions = (await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/audit?objectId={id}&pageSize=50"), HttpStatusCode.OK)).GetProperty("items").EnumerateArray().Select(e => e.GetProperty("action").GetString()).ToList();
        actions.ShouldContain("app.publish");
        actions.ShouldContain("app.restore");
        actions.ShouldContain("app.rollback");
        actions.Count(a => a == "app.draft.save").ShouldBe(1, "the first save is audited, later ones within the quiet period are not");
    }

    [Fact]
    public async Task An_exported_app_imports_as_a_new_app_with_a_free_address_and_a_bad_file_names_its_line()
    {
        var id = await AppApi.CreateAsync(Admin, "exported");
        var graph = AppApi.Workflow("Dear {{start.name}},\n  thanks: \"yes\" #1\ntrue");
        graph["nodes"]![0]!["config"] = new JsonObject { ["fields"] = new JsonArray(new JsonObject { ["name"] = "name", ["type"] = "text", ["required"] = true, ["label"] = "123" }) };
        await AppApi.SaveDraftAsync(Admin, id, graph);

        var export = await Admin.GetAsync($"/api/v1/apps/{id}/export");
        export.StatusCode.ShouldBe(HttpStatusCode.OK);
        export.Content.Headers.ContentType!.MediaType.ShouldBe("text/yaml");
        export.Content.Headers.ContentDisposition!.FileName!.Trim('"').ShouldBe("exported.yaml");
        var yaml = await export.Content.ReadAsStringAsync();
        yaml.ShouldContain("format: aiplatform-app/v1");
        yaml.ShouldContain("slug: exported");

        var imported = await AppApi.JsonAsync(Admin.PostAsync("/api/v1/apps/import", new StringContent(yaml, Encoding.UTF8, "text/yaml")), HttpStatusCode.Created);
        imported.GetProperty("slug").GetString().ShouldBe("exported-2");
        var copy = await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/apps/{imported.GetProperty("id").GetGuid()}/draft"), HttpStatusCode.OK);
        var original = await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/apps/{id}/draft"), HttpStatusCode.OK);
        JsonNode.DeepEquals(JsonNode.Parse(copy.GetProperty("graph").GetRawText()), JsonNode.Parse(original.GetProperty("graph").GetRawText())).ShouldBeTrue(copy.GetProperty("graph").GetRawText());
        AppApi.TemplateOf(copy.GetProperty("graph")).ShouldBe("Dear {{start.name}},\n  thanks: \"yes\" #1\ntrue");

        var bad = await Admin.PostAsync("/api/v1/apps/import", new StringContent("format: aiplatform-app/v1\nname: broken\ngraph:\n  nodes: [unclosed\n", Encoding.UTF8, "text/yaml"));
        var problem = await AppApi.ProblemAsync(bad, HttpStatusCode.BadRequest, "validation", "Apps.Error.Document");
        problem.GetProperty("detail").GetString()!.ShouldContain("line");
        var noName = await Admin.PostAsync("/api/v1/apps/import", new StringContent("format: aiplatform-app/v1\nkind: workflow\n", Encoding.UTF8, "text/yaml"));
        await AppApi.ProblemAsync(noName, HttpStatusCode.BadRequest, "validation", "Apps.Error.Document");
    }

    [Fact]
    public async Task A_deeply_nested_aliased_or_oversized_import_is_refused_and_the_server_keeps_answering()
    {
        // 400,000 nested flow sequences (800 KB): building the YAML model recursively used to overflow the stack and kill the process.
        var deep = "format: aiplatform-app/v1\nname: deep\nx: " + new string('[', 400_000) + new string(']', 400_000) + "\n";
        var refused = await AppApi.ProblemAsync(await Admin.PostAsync("/api/v1/apps/import", new StringContent(deep, Encoding.UTF8, "text/yaml")), HttpStatusCode.BadRequest, "validation", "Apps.Error.Document");
        refused.GetProperty("detail").GetString()!.ShouldContain("64");

        // Billion laughs in small: each level repeats the one before ten times.
        var laughs = new StringBuilder("format: aiplatform-app/v1\nname: laughs\nl0: &l0 [lol, lol, lol, lol, lol, lol, lol, lol, lol, lol]\n");
        for (var level = 1; level <= 6; level++)
        {
            laughs.Append(System.Globalization.CultureInfo.InvariantCulture, $"l{level}: &l{level} [{string.Join(", ", Enumerable.Repeat($"*l{level - 1}", 10))}]\n");
        }

        var aliased = await AppApi.ProblemAsync(await Admin.PostAsync("/api/v1/apps/import", new StringContent(laughs.ToString(), Encoding.UTF8, "text/yaml")), HttpStatusCode.BadRequest, "validation", "Apps.Error.Document");
        aliased.GetProperty("detail").GetString()!.ShouldContain("not supported");
        await AppApi.ProblemAsync(await Admin.PostAsync("/api/v1/apps/import", new StringContent("format: aiplatform-app/v1\nname: &n anchored\n", Encoding.UTF8, "text/yaml")), HttpStatusCode.BadRequest, "validation", "Apps.Error.Document");

        // Many small elements within the size limit are refused by count.
        var wide = "format: aiplatform-app/v1\nname: wide\nx: [" + string.Join(",", Enumerable.Repeat("1", 250_000)) + "]\n";
        var many = await AppApi.ProblemAsync(await Admin.PostAsync("/api/v1/apps/import", new StringContent(wide, Encoding.UTF8, "text/yaml")), HttpStatusCode.BadRequest, "validation", "Apps.Error.Document");
        many.GetProperty("detail").GetString()!.ShouldContain("200000");

        // The body may be as large as a draft, not twice that.
        var large = "format: aiplatform-app/v1\nname: large\ndescription: \"" + new string('a', 1_200_000) + "\"\n";
        await AppApi.ProblemAsync(await Admin.PostAsync("/api/v1/apps/import", new StringContent(large, Encoding.UTF8, "text/yaml")), HttpStatusCode.BadRequest, "validation", "Apps.Error.DocumentTooLarge");

        // Still up, and a normal file with nesting well inside the limit still imports.
        var id = await AppApi.CreateAsync(Admin, "still-up");
        var yaml = await (await Admin.GetAsync($"/api/v1/apps/{id}/export")).Content.ReadAsStringAsync();
        var imported = await AppApi.JsonAsync(Admin.PostAsync("/api/v1/apps/import", new StringContent(yaml, Encoding.UTF8, "text/yaml")), HttpStatusCode.Created);
        imported.GetProperty("slug").GetString().ShouldBe("still-up-2");
    }
}
