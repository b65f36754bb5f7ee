using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Access;
using AiPlatform.Web.Tests.Builders;
using AiPlatform.Web.Tests.Security;

namespace AiPlatform.Web.Tests.Apps;

/// <summary>
/// What a caller below Write gets from a published app's run (review i18 F3, F12, F14): the app's outputs, never what its
/// nodes read and returned on the publisher's behalf, nor an inner node's or a provider's error text; read-only tokens
/// cannot run an app that sends writing HTTP requests.
/// </summary>
public sealed class AppRunRedactionApiTests : ApiTestBase
{
    [Fact]
    public async Task A_read_grantee_gets_the_outputs_but_no_node_inputs_outputs_or_inner_errors_while_a_writer_gets_them()
    {
        var builder = await CreateUserAsync("builder", SystemRoles.AppBuilder);
        var id = await AppApi.CreateAsync(builder, "salaries");
        await AppApi.PublishAsync(builder, id, Salaries());
        var reader = await CreateUserAsync("reader", SystemRoles.Viewer);
        await AppApi.GrantAsync(builder, reader, id, "Read");

        var result = await AppApi.JsonAsync(reader.PostAsJsonAsync("/api/v1/apps/salaries/run", new { inputs = new { name = "r" } }), HttpStatusCode.OK);
        result.GetProperty("status").GetString().ShouldBe("Succeeded", result.GetRawText());
        result.GetProperty("outputs").GetProperty("greeting").GetString().ShouldBe("hello r");
        var runId = result.GetProperty("runId").GetGuid();

        var response = await reader.GetAsync($"/api/v1/apps/{id}/runs/{runId}");
        var text = await response.Content.ReadAsStringAsync();
        response.StatusCode.ShouldBe(HttpStatusCode.OK, text);
        text.ShouldNotContain("salary_table", Case.Sensitive, text);
        text.ShouldNotContain("999999");
        var nodes = JsonNode.Parse(text)!["nodes"]!.AsArray();
        nodes.Select(n => n!["nodeId"]!.GetValue<string>()).ShouldBe(["start", "secret", "end"]);
        foreach (var node in nodes.Cast<JsonObject>())
        {
            node.Select(p => p.Key).ShouldBeSubsetOf(["nodeId", "nodeType", "title", "status", "durationMs"]);
        }

        (await reader.GetStringAsync($"/api/v1/apps/{id}/runs")).ShouldNotContain("salary_table");

        var stream = await reader.PostAsJsonAsync("/api/v1/apps/salaries/run", new { inputs = new { name = "s" }, stream = true });
        var events = await stream.Content.ReadAsStringAsync();
        stream.StatusCode.ShouldBe(HttpStatusCode.OK, events);
        events.ShouldContain("event: node_finished");
        events.ShouldContain("hello s");
        events.ShouldNotContain("salary_table");
        events.ShouldNotContain("\"inputs\"");

        // The publisher (Write and above) still sees every node's inputs and outputs, of the reader's run too.
        var full = await AppApi.JsonAsync(builder.GetAsync($"/api/v1/apps/{id}/runs/{runId}"), HttpStatusCode.OK);
        full.GetProperty("nodes")[1].GetProperty("outputs").GetProperty("salary_table")[0].GetProperty("salary").GetInt32().ShouldBe(999999);
        var writerStream = await (await builder.PostAsJsonAsync("/api/v1/apps/salaries/run", new { inputs = new { name = "w" }, stream = true })).Content.ReadAsStringAsync();
        writerStream.ShouldContain("salary_table");

        // A failing inner node: the reader learns which node failed, not the text (which can name internal hosts).
        await AppApi.PublishAsync(builder, id, Salaries(fail: true));
        var failed = await AppApi.JsonAsync(reader.PostAsJsonAsync("/api/v1/apps/salaries/run", new { inputs = new { name = "f" } }), HttpStatusCode.OK);
        failed.GetProperty("status").GetString().ShouldBe("Failed", failed.GetRawText());
        failed.GetProperty("errorNode").GetString().ShouldBe("secret");
        failed.GetProperty("errorKey").GetString().ShouldBe("Apps.Error.NodeFailedHidden");
        failed.GetRawText().ShouldNotContain("10.0.0.5");
        (await reader.GetStringAsync($"/api/v1/apps/{id}/runs/{failed.GetProperty("runId").GetGuid()}")).ShouldNotContain("10.0.0.5");
        var seen = await AppApi.JsonAsync(builder.GetAsync($"/api/v1/apps/{id}/runs/{failed.GetProperty("runId").GetGuid()}"), HttpStatusCode.OK);
        seen.GetProperty("error").GetString()!.ShouldContain("10.0.0.5");
    }

    [Fact]
    public async Task A_read_only_token_cannot_run_an_app_that_sends_writing_http_requests()
    {
        var id = await AppApi.CreateAsync(Admin, "ticket");
        await AppApi.PublishAsync(Admin, id, Hook("POST"));
        var reader = await CreateUserAsync("reader", SystemRoles.Viewer);
        await AppApi.GrantAsync(Admin, reader, id, "Read");
        var token = await reader.MintTokenAsync("Read");
        using var readOnly = Factory.CreateClient().WithBearer(token);

        await AppApi.ProblemAsync(await readOnly.PostAsJsonAsync("/api/v1/apps/ticket/run", new { inputs = new { } }), HttpStatusCode.Forbidden, null, "Apps.Error.ReadOnlyWrites");
        (await AppApi.JsonAsync(readOnly.GetAsync($"/api/v1/apps/{id}/runs"), HttpStatusCode.OK)).GetProperty("totalCount").GetInt32().ShouldBe(0, "the run was refused before it started");

        // Nor one that calls such an app as a sub-app, however deep: refused before it starts, naming the path.
        var wrapper = await AppApi.CreateAsync(Admin, "helpdesk");
        await AppApi.PublishAsync(Admin, wrapper, CallsTicket());
        await AppApi.GrantAsync(Admin, reader, wrapper, "Read");
        var refused = await AppApi.ProblemAsync(await readOnly.PostAsJsonAsync("/api/v1/apps/helpdesk/run", new { inputs = new { } }), HttpStatusCode.Forbidden, null, "Apps.Error.ReadOnlyWrites");
        // A Read grantee cannot see graphs: the message names this app's node, not what the sub-app holds.
        refused.GetProperty("messageArguments")[0].GetString().ShouldBe("call");
        refused.GetRawText().ShouldNotContain("hook");
        (await AppApi.JsonAsync(readOnly.GetAsync($"/api/v1/apps/{wrapper}/runs"), HttpStatusCode.OK)).GetProperty("totalCount").GetInt32().ShouldBe(0);

        var other = await AppApi.CreateAsync(Admin, "lookup");
        await AppApi.PublishAsync(Admin, other, AppApi.Workflow("hi {{ name }}"));
        await AppApi.GrantAsync(Admin, reader, other, "Read");
        var allowed = await AppApi.JsonAsync(readOnly.PostAsJsonAsync("/api/v1/apps/lookup/run", new { inputs = new { name = "ro" } }), HttpStatusCode.OK);
        allowed.GetProperty("outputs").GetProperty("text").GetString().ShouldBe("hi ro");
    }

    /// <summary>start (name) → secret (code: a salary table and a greeting, or an error naming an internal host) → end (only the greeting).</summary>
    private static JsonObject Salaries(bool fail = false) => new()
    {
        ["nodes"] = new JsonArray(
            new JsonObject { ["id"] = "start", ["type"] = "start", ["config"] = new JsonObject { ["fields"] = new JsonArray(new JsonObject { ["name"] = "name", ["type"] = "text", ["required"] = false }) } },
            new JsonObject
            {
                ["id"] = "secret",
                ["type"] = "code",
                ["config"] = new JsonObject
                {
                    ["code"] = fail
                        ? "function main(inputs) { throw new Error('connection to 10.0.0.5:5432 refused'); }"
                        : "function main(inputs) { return { salary_table: [{ who: 'ceo', salary: 999999 }], greeting: 'hello ' + inputs.name }; }",
                    ["inputs"] = new JsonArray(new JsonObject { ["name"] = "name", ["value"] = "{{start.name}}" }),
                },
            },
            new JsonObject { ["id"] = "end", ["type"] = "end", ["config"] = new JsonObject { ["outputs"] = new JsonArray(new JsonObject { ["name"] = "greeting", ["value"] = "{{secret.greeting}}" }) } }),
        ["edges"] = new JsonArray(new JsonObject { ["source"] = "start", ["target"] = "secret" }, new JsonObject { ["source"] = "secret", ["target"] = "end" }),
    };

    /// <summary>start → hook (an HTTP request with <paramref name="method"/>) → end.</summary>
    /// <summary>start → call (the sub-app <c>ticket</c>) → end.</summary>
    private static JsonObject CallsTicket() => new()
    {
        ["nodes"] = new JsonArray(
            new JsonObject { ["id"] = "start", ["type"] = "start" },
            new JsonObject { ["id"] = "call", ["type"] = "sub-app", ["config"] = new JsonObject { ["app"] = "ticket" } },
            new JsonObject { ["id"] = "end", ["type"] = "end", ["config"] = new JsonObject { ["outputs"] = new JsonArray(new JsonObject { ["name"] = "status", ["value"] = "{{call.outputs.status}}" }) } }),
        ["edges"] = new JsonArray(new JsonObject { ["source"] = "start", ["target"] = "call" }, new JsonObject { ["source"] = "call", ["target"] = "end" }),
    };

    private static JsonObject Hook(string method) => new()
    {
        ["nodes"] = new JsonArray(
            new JsonObject { ["id"] = "start", ["type"] = "start" },
            new JsonObject { ["id"] = "hook", ["type"] = "http", ["config"] = new JsonObject { ["method"] = method, ["url"] = "https://tickets.example.org/api/tickets", ["body"] = "{}" } },
            new JsonObject { ["id"] = "end", ["type"] = "end", ["config"] = new JsonObject { ["outputs"] = new JsonArray(new JsonObject { ["name"] = "status", ["value"] = "{{hook.status}}" }) } }),
        ["edges"] = new JsonArray(new JsonObject { ["source"] = "start", ["target"] = "hook" }, new JsonObject { ["source"] = "hook", ["target"] = "end" }),
    };
}
