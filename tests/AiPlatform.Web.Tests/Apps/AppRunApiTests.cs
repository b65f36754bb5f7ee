using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using Microsoft.Extensions.DependencyInjection;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Apps;

/// <summary>Running apps over HTTP with the real engine: the draft, single nodes, the published version with its publisher's rights, runs and their visibility, chat memory.</summary>
public sealed class AppRunApiTests : ApiTestBase
{
    [Fact]
    public async Task The_draft_runs_start_template_end_and_the_run_is_recorded_with_its_nodes_and_trace()
    {
        var id = await AppApi.CreateAsync(Admin, "greeter");
        await AppApi.SaveDraftAsync(Admin, id, AppApi.Workflow("Hello {{ name }}!"));

        var result = await AppApi.JsonAsync(Admin.PostAsJsonAsync($"/api/v1/apps/{id}/draft/run", new { inputs = new { name = "Ada" } }), HttpStatusCode.OK);
        result.GetProperty("status").GetString().ShouldBe("Succeeded", result.GetRawText());
        result.GetProperty("outputs").GetProperty("text").GetString().ShouldBe("Hello Ada!");
        var traceId = result.GetProperty("traceId").GetString();
        traceId.ShouldNotBeNullOrEmpty();

        var run = await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/apps/{id}/runs/{result.GetProperty("runId").GetGuid()}"), HttpStatusCode.OK);
        run.GetProperty("source").GetString().ShouldBe("draft");
        run.GetProperty("version").ValueKind.ShouldBe(JsonValueKind.Null);
        run.GetProperty("inputs").GetProperty("name").GetString().ShouldBe("Ada");
        run.GetProperty("traceId").GetString().ShouldBe(traceId);
        run.GetProperty("endedAt").ValueKind.ShouldNotBe(JsonValueKind.Null);
        run.GetProperty("nodes").EnumerateArray().Select(n => (n.GetProperty("nodeId").GetString(), n.GetProperty("status").GetString()))
            .ShouldBe([("start", "Succeeded"), ("tpl", "Succeeded"), ("end", "Succeeded")]);
        (await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/apps/{id}/runs"), HttpStatusCode.OK)).GetProperty("totalCount").GetInt32().ShouldBe(1);

        var node = await AppApi.JsonAsync(Admin.PostAsJsonAsync($"/api/v1/apps/{id}/draft/nodes/tpl/run", new { variables = new { start = new { name = "Grace" } } }), HttpStatusCode.OK);
        node.GetProperty("status").GetString().ShouldBe("Succeeded", node.GetRawText());
        node.GetProperty("source").GetString().ShouldBe("node");
        node.GetProperty("outputs").GetProperty("text").GetString().ShouldBe("Hello Grace!");
        (await Admin.PostAsJsonAsync($"/api/v1/apps/{id}/draft/nodes/nope/run", new { variables = new { } })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_published_app_runs_for_a_read_grantee_with_the_publishers_rights_who_sees_only_their_own_runs()
    {
        var builder = await CreateUserAsync("builder", SystemRoles.AppBuilder);
        var id = await AppApi.CreateAsync(builder, "whoami");
        await AppApi.PublishAsync(builder, id, AppApi.Workflow("{{ name }} ran as {{ user }} for {{ caller }}"));
        var reader = await CreateUserAsync("reader", SystemRoles.Viewer);
        (await reader.PostAsJsonAsync("/api/v1/apps/whoami/run", new { inputs = new { name = "r" } })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        await AppApi.GrantAsync(builder, reader, id, "Read");

        var form = await AppApi.JsonAsync(reader.GetAsync("/api/v1/apps/whoami/published"), HttpStatusCode.OK);
        form.GetProperty("inputs").GetProperty("fields")[0].GetProperty("name").GetString().ShouldBe("name");
        var result = await AppApi.JsonAsync(reader.PostAsJsonAsync("/api/v1/apps/whoami/run", new { inputs = new { name = "reader" } }), HttpStatusCode.OK);
        result.GetProperty("status").GetString().ShouldBe("Succeeded", result.GetRawText());
        var text = result.GetProperty("outputs").GetProperty("text").GetString()!;
        text.ShouldStartWith("reader ran as ");
        text.ShouldContain("builder");
        text.ShouldNotContain("ran as reader");
        text.ShouldEndWith(" for reader"); // {{sys.user}} is the caller, {{sys.publisher}} the user whose rights the run used

        await AppApi.JsonAsync(builder.PostAsJsonAsync("/api/v1/apps/whoami/run", new { inputs = new { name = "owner" } }), HttpStatusCode.OK);
        var own = await AppApi.JsonAsync(reader.GetAsync($"/api/v1/apps/{id}/runs"), HttpStatusCode.OK);
        own.GetProperty("items").EnumerateArray().Select(r => r.GetProperty("inputs").GetProperty("name").GetString()).ShouldBe(["reader"]);
        var runAs = own.GetProperty("items")[0];
        runAs.GetProperty("runAsId").GetGuid().ShouldBe(await AppApi.UserIdAsync(builder));
        runAs.GetProperty("version").GetInt32().ShouldBe(1);
        (await AppApi.JsonAsync(builder.GetAsync($"/api/v1/apps/{id}/runs"), HttpStatusCode.OK)).GetProperty("totalCount").GetInt32().ShouldBe(2);
        var theirs = (await AppApi.JsonAsync(builder.GetAsync($"/api/v1/apps/{id}/runs"), HttpStatusCode.OK)).GetProperty("items").EnumerateArray()
            .Single(r => r.GetProperty("inputs").GetProperty("name").GetString() == "owner").GetProperty("id").GetGuid();
        (await reader.GetAsync($"/api/v1/apps/{id}/runs/{theirs}")).StatusCode.ShouldBe(HttpStatusCode.NotFound, "a Read grantee does not see other users' inputs");

        var builderId = await AppApi.UserIdAsync(builder);
        (await Admin.PostAsync($"/api/v1/users/{builderId}/disable", null)).StatusCode.ShouldBe(HttpStatusCode.NoContent);
        await AppApi.ProblemAsync(await reader.PostAsJsonAsync("/api/v1/apps/whoami/run", new { inputs = new { name = "late" } }), HttpStatusCode.Conflict, "conflict", "Apps.Error.PublisherInactive");
    }

    [Fact]
    public async Task A_chat_app_remembers_the_callers_own_conversation_and_refuses_someone_elses()
    {
        var id = await AppApi.CreateAsync(Admin, "echo", "Chat");
        await AppApi.PublishAsync(Admin, id, Chat("You said {{sys.query}}. Before: {{sys.history}}"));
        var other = await CreateUserAsync("other", SystemRoles.Viewer);
        await AppApi.GrantAsync(Admin, other, id, "Read");

        var first = await AppApi.JsonAsync(Admin.PostAsJsonAsync("/api/v1/apps/echo/run", new { query = "apples" }), HttpStatusCode.OK);
        first.GetProperty("status").GetString().ShouldBe("Succeeded", first.GetRawText());
        first.GetProperty("answer").GetString()!.ShouldStartWith("You said apples.");
        var conversation = first.GetProperty("conversationId").GetGuid();

        var second = await AppApi.JsonAsync(Admin.PostAsJsonAsync("/api/v1/apps/echo/run", new { query = "pears", conversationId = conversation }), HttpStatusCode.OK);
        second.GetProperty("conversationId").GetGuid().ShouldBe(conversation);
        second.GetProperty("answer").GetString()!.ShouldContain("apples", Case.Sensitive, "the first turn is the memory of the second");
        (await AppApi.JsonAsync(Admin.PostAsJsonAsync("/api/v1/apps/echo/run", new { query = "plums" }), HttpStatusCode.OK)).GetProperty("answer").GetString()!.ShouldNotContain("apples");

        await AppApi.ProblemAsync(await other.PostAsJsonAsync("/api/v1/apps/echo/run", new { query = "mine now", conversationId = conversation }), HttpStatusCode.Forbidden, "forbidden", "Apps.Error.ConversationNotYours");
        await AppApi.ProblemAsync(await Admin.PostAsJsonAsync("/api/v1/apps/echo/run", new { inputs = new { } }), HttpStatusCode.BadRequest, "validation", "Apps.Error.QueryRequired");
        (await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/apps/{id}/runs?conversationId={conversation}"), HttpStatusCode.OK)).GetProperty("totalCount").GetInt32().ShouldBe(2);
    }

    /// <summary>A chat app: start → answer.</summary>
    internal static JsonObject Chat(string answer) => new()
    {
        ["nodes"] = new JsonArray(
            new JsonObject { ["id"] = "start", ["type"] = "start" },
            new JsonObject { ["id"] = "answer", ["type"] = "answer", ["x"] = 300, ["config"] = new JsonObject { ["text"] = answer } }),
        ["edges"] = new JsonArray(new JsonObject { ["source"] = "start", ["target"] = "answer" }),
    };

    [Fact]
    public async Task A_caller_over_the_concurrent_run_limit_gets_429_until_a_run_ends()
    {
        var limits = Factory.Services.GetRequiredService<AppSettings>();
        limits.MaxConcurrentRunsPerCaller = 1;
        var spin = await AppApi.CreateAsync(Admin, "spin");
        await AppApi.PublishAsync(Admin, spin, new JsonObject
        {
            ["nodes"] = new JsonArray(
                new JsonObject { ["id"] = "start", ["type"] = "start" },
                new JsonObject { ["id"] = "loop", ["type"] = "code", ["config"] = new JsonObject { ["code"] = "function main(inputs) { while (true) {} }" } },
                new JsonObject { ["id"] = "end", ["type"] = "end", ["config"] = new JsonObject { ["outputs"] = new JsonArray(new JsonObject { ["name"] = "x", ["value"] = "{{loop.result}}" }) } }),
            ["edges"] = new JsonArray(new JsonObject { ["source"] = "start", ["target"] = "loop" }, new JsonObject { ["source"] = "loop", ["target"] = "end" }),
        });
        var quick = await AppApi.CreateAsync(Admin, "quick");
        await AppApi.PublishAsync(Admin, quick, AppApi.Workflow("hi {{ name }}"));

        // The first run spins until the code node's time limit; meanwhile the same caller's next run is refused.
        var first = Admin.PostAsJsonAsync("/api/v1/apps/spin/run", new { inputs = new { } });
        var limiter = Factory.Services.GetRequiredService<AppRunLimiter>();
        var me = (await AppApi.JsonAsync(Admin.GetAsync("/api/v1/me"), HttpStatusCode.OK)).GetProperty("id").GetGuid();
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (limiter.Running(me) == 0)
        {
            DateTime.UtcNow.ShouldBeLessThan(deadline);
            await Task.Delay(20);
        }

        var refused = await Admin.PostAsJsonAsync("/api/v1/apps/quick/run", new { inputs = new { name = "x" } });
        refused.Headers.RetryAfter!.Delta.ShouldBe(TimeSpan.FromSeconds(1));
        await AppApi.ProblemAsync(refused, HttpStatusCode.TooManyRequests, null, "Apps.Error.TooManyRuns");

        (await AppApi.JsonAsync(first, HttpStatusCode.OK)).GetProperty("status").GetString().ShouldBe("Failed", "the code node's time limit stopped it");
        limiter.Running(me).ShouldBe(0);
        (await AppApi.JsonAsync(Admin.PostAsJsonAsync("/api/v1/apps/quick/run", new { inputs = new { name = "x" } }), HttpStatusCode.OK)).GetProperty("outputs").GetProperty("text").GetString().ShouldBe("hi x");
    }

    [Fact]
    public async Task A_file_sent_as_bytes_runs_and_its_record_keeps_only_a_preview_of_them()
    {
        var id = await AppApi.CreateAsync(Admin, "sizer");
        var graph = AppApi.Workflow("{{ doc.name }}: {{ doc.size }} bytes");
        graph["nodes"]![0]!["config"] = new JsonObject { ["fields"] = new JsonArray(new JsonObject { ["name"] = "doc", ["type"] = "file", ["required"] = true }) };
        var template = graph["nodes"]![1]!["config"]!.AsObject();
        template["variables"] = new JsonArray(new JsonObject { ["name"] = "doc", ["value"] = "{{start.doc}}" });
        await AppApi.PublishAsync(Admin, id, graph);
        var bytes = new byte[200_000];
        bytes[0] = 0x89;

        var run = await AppApi.JsonAsync(Admin.PostAsJsonAsync("/api/v1/apps/sizer/run", new { inputs = new { doc = new { name = "scan.png", contentType = "image/png", base64 = Convert.ToBase64String(bytes) } } }), HttpStatusCode.OK);
        run.GetProperty("outputs").GetProperty("text").GetString().ShouldBe("scan.png: 200000 bytes", run.GetRawText());
        var stored = await Admin.GetStringAsync($"/api/v1/apps/{id}/runs/{run.GetProperty("runId").GetGuid()}");
        stored.Length.ShouldBeLessThan(100_000, "the record keeps a preview of the bytes, not all of them");
        stored.ShouldContain("\"truncated\":true");

        // A file over the limit fails the start node with the reason (as any wrong input does).
        var tooLarge = await AppApi.JsonAsync(Admin.PostAsJsonAsync("/api/v1/apps/sizer/run", new { inputs = new { doc = new { name = "big.bin", base64 = Convert.ToBase64String(new byte[1_000_001]) } } }), HttpStatusCode.OK);
        tooLarge.GetProperty("status").GetString().ShouldBe("Failed");
        tooLarge.GetProperty("errorNode").GetString().ShouldBe("start");
        tooLarge.GetProperty("errorKey").GetString().ShouldBe("Apps.Error.InputFileTooLarge");
    }
}
