using System.Diagnostics;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Access;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Apps;

/// <summary>Server-Sent Events from the run endpoint, and cancelling a run that is going on.</summary>
public sealed class AppStreamApiTests : ApiTestBase
{
    [Fact]
    public async Task A_streamed_run_sends_node_events_the_answer_and_done_with_the_result()
    {
        var id = await AppApi.CreateAsync(Admin, "streamer", "Chat");
        await AppApi.PublishAsync(Admin, id, AppRunApiTests.Chat("You said {{sys.query}}"));

        var response = await Admin.PostAsJsonAsync("/api/v1/apps/streamer/run", new { query = "hello", stream = true });
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
        var events = Parse(await response.Content.ReadAsStringAsync());

        events.Select(e => e.Name).Distinct().ShouldBe(["node_started", "node_finished", "answer_delta", "done"], ignoreOrder: true);
        events[^1].Name.ShouldBe("done");
        events.Where(e => e.Name == "node_started").Select(e => e.Data["nodeId"]!.GetValue<string>()).ShouldBe(["start", "answer"]);
        events.Single(e => e.Name == "node_finished" && e.Data["nodeId"]!.GetValue<string>() == "answer").Data["node"]!["status"]!.GetValue<string>().ShouldBe("Succeeded");
        string.Concat(events.Where(e => e.Name == "answer_delta").Select(e => e.Data["text"]!.GetValue<string>())).ShouldBe("You said hello");
        var done = events[^1].Data;
        done["status"]!.GetValue<string>().ShouldBe("Succeeded");
        done["answer"]!.GetValue<string>().ShouldBe("You said hello");
        done["runId"]!.GetValue<string>().ShouldNotBeNullOrEmpty();

        using var request = new HttpRequestMessage(HttpMethod.Post, "/api/v1/apps/streamer/run") { Content = JsonContent.Create(new { query = "again" }) };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("text/event-stream"));
        var byHeader = await Admin.SendAsync(request);
        byHeader.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
        Parse(await byHeader.Content.ReadAsStringAsync())[^1].Data["answer"]!.GetValue<string>().ShouldBe("You said again");

        var refused = await Admin.PostAsJsonAsync("/api/v1/apps/no-such-app/run", new { query = "x", stream = true });
        await AppApi.ProblemAsync(refused, HttpStatusCode.NotFound, "not-found", null);

        var openApi = await AppApi.JsonAsync(Admin.GetAsync("/openapi/v1.json"), HttpStatusCode.OK);
        var run = openApi.GetProperty("paths").GetProperty("/api/v1/apps/{slug}/run").GetProperty("post");
        run.GetProperty("operationId").GetString().ShouldBe("RunApp");
        run.GetProperty("summary").GetString()!.ShouldContain("text/event-stream");
        run.GetProperty("responses").GetProperty("200").GetProperty("content").TryGetProperty("text/event-stream", out _).ShouldBeTrue();
    }

    [Fact]
    public async Task A_running_run_is_cancelled_by_its_caller_and_hidden_from_other_read_grantees()
    {
        var id = await AppApi.CreateAsync(Admin, "slow");
        await AppApi.PublishAsync(Admin, id, SlowLoop());
        var other = await CreateUserAsync("other", SystemRoles.Viewer);
        await AppApi.GrantAsync(Admin, other, id, "Read");

        var running = Admin.PostAsJsonAsync("/api/v1/apps/slow/run", new { inputs = new { } });
        var runId = await RunningRunAsync(id);

        (await other.PostAsync($"/api/v1/apps/{id}/runs/{runId}/cancel", null)).StatusCode.ShouldBe(HttpStatusCode.NotFound, "a Read grantee cannot see, let alone stop, someone else's run");
        var cancel = await Admin.PostAsync($"/api/v1/apps/{id}/runs/{runId}/cancel", null);
        cancel.StatusCode.ShouldBe(HttpStatusCode.Accepted, await cancel.Content.ReadAsStringAsync());

        var result = await AppApi.JsonAsync(running, HttpStatusCode.OK);
        result.GetProperty("status").GetString().ShouldBe("Cancelled", result.GetRawText());
        var run = await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/apps/{id}/runs/{runId}"), HttpStatusCode.OK);
        run.GetProperty("status").GetString().ShouldBe("Cancelled");
        run.GetProperty("endedAt").ValueKind.ShouldNotBe(JsonValueKind.Null);
        await AppApi.ProblemAsync(await Admin.PostAsync($"/api/v1/apps/{id}/runs/{runId}/cancel", null), HttpStatusCode.Conflict, "conflict", "Apps.Error.RunNotRunning");
    }

    /// <summary>start → a loop of up to 1000 rounds of 100 ms of busy code → end: a run that lasts until cancelled.</summary>
    internal static JsonObject SlowLoop()
    {
        var body = new JsonObject
        {
            ["nodes"] = new JsonArray(new JsonObject
            {
                ["id"] = "spin",
                ["type"] = "code",
                ["config"] = new JsonObject
                {
                    ["code"] = "function main(inputs) { var t = Date.now(); while (Date.now() - t < 100) { } return { i: inputs.i }; }",
                    ["inputs"] = new JsonArray(new JsonObject { ["name"] = "i", ["value"] = "{{loop.index}}" }),
                },
            }),
            ["edges"] = new JsonArray(),
        };
        return new JsonObject
        {
            ["nodes"] = new JsonArray(
                new JsonObject { ["id"] = "start", ["type"] = "start" },
                new JsonObject { ["id"] = "loop", ["type"] = "loop", ["config"] = new JsonObject { ["maxIterations"] = 1000, ["body"] = body } },
                new JsonObject { ["id"] = "end", ["type"] = "end", ["config"] = new JsonObject { ["outputs"] = new JsonArray(new JsonObject { ["name"] = "rounds", ["value"] = "{{loop.index}}" }) } }),
            ["edges"] = new JsonArray(new JsonObject { ["source"] = "start", ["target"] = "loop" }, new JsonObject { ["source"] = "loop", ["target"] = "end" }),
        };
    }

    /// <summary>Waits (60 s at most) until the app has a run marked Running, and returns its id.</summary>
    private async Task<Guid> RunningRunAsync(Guid id)
    {
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed < TimeSpan.FromSeconds(60))
        {
            var runs = await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/apps/{id}/runs"), HttpStatusCode.OK);
            if (runs.GetProperty("items").EnumerateArray().FirstOrDefault(r => r.GetProperty("status").GetString() == "Running") is { ValueKind: JsonValueKind.Object } run)
            {
                return run.GetProperty("id").GetGuid();
            }

            await Task.Delay(50);
        }

        throw new TimeoutException("no run of the app was marked Running within 60 s");
    }

    private static List<(string Name, JsonObject Data)> Parse(string text) =>
        [.. text.Split("\n\n", StringSplitOptions.RemoveEmptyEntries)
            .Select(block => block.Split('\n'))
            .Select(lines => (lines.Single(l => l.StartsWith("event: ", StringComparison.Ordinal))[7..], (JsonObject)JsonNode.Parse(lines.Single(l => l.StartsWith("data: ", StringComparison.Ordinal))[6..])!))];
}
