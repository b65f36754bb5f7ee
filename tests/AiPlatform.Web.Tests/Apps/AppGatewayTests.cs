using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Web.Tests.Builders;

namespace AiPlatform.Web.Tests.Apps;

/// <summary>Chat apps as OpenAI gateway models (<c>app:{slug}</c>): listed for readers, run with messages as question and memory, streamed as chunks; workflow apps refused.</summary>
public sealed class AppGatewayTests : ApiTestBase
{
    [Fact]
    public async Task Models_list_the_published_chat_apps_the_caller_may_read()
    {
        var chat = await AppApi.CreateAsync(Admin, "helper", "Chat");
        await AppApi.PublishAsync(Admin, chat, AppRunApiTests.Chat("ok {{sys.query}}"));
        await AppApi.CreateAsync(Admin, "unpublished", "Chat");
        var flow = await AppApi.CreateAsync(Admin, "flow");
        await AppApi.PublishAsync(Admin, flow, AppApi.Workflow("x {{ name }}"));

        var ids = await ModelIdsAsync(Admin);
        ids.ShouldContain("app:helper");
        ids.ShouldNotContain("app:unpublished");
        ids.ShouldNotContain("app:flow");

        var reader = await CreateUserAsync("reader", SystemRoles.Viewer);
        // A Viewer has no chat.use: with no chat app to read, the gateway refuses them as before.
        (await reader.GetAsync("/v1/models")).StatusCode.ShouldBe(HttpStatusCode.Forbidden);
        await AppApi.GrantAsync(Admin, reader, chat, "Read");
        (await ModelIdsAsync(reader)).ShouldContain("app:helper");
    }

    [Fact]
    public async Task A_chat_completion_runs_the_app_with_the_last_user_message_and_earlier_pairs_as_memory()
    {
        var id = await AppApi.CreateAsync(Admin, "echo", "Chat");
        await AppApi.PublishAsync(Admin, id, AppRunApiTests.Chat("You said {{sys.query}}. Before: {{sys.history}}"));
        var answer = await AppApi.JsonAsync(Admin.PostAsJsonAsync("/v1/chat/completions", new
        {
            model = "app:echo",
            messages = new object[]
            {
                new { role = "system", content = "be nice" },
                new { role = "user", content = "apples" },
                new { role = "assistant", content = "noted apples" },
                new { role = "user", content = new object[] { new { type = "text", text = "pears" } } },
            },
        }), HttpStatusCode.OK);
        answer.GetProperty("object").GetString().ShouldBe("chat.completion");
        answer.GetProperty("model").GetString().ShouldBe("app:echo");
        var text = answer.GetProperty("choices")[0].GetProperty("message").GetProperty("content").GetString()!;
        text.ShouldStartWith("You said pears.");
        text.ShouldContain("apples", Case.Sensitive, "the earlier pair is the memory");
        answer.GetProperty("choices")[0].GetProperty("finish_reason").GetString().ShouldBe("stop");
        answer.GetProperty("usage").GetProperty("total_tokens").GetInt64().ShouldBe(0);

        var runs = await AppApi.JsonAsync(Admin.GetAsync($"/api/v1/apps/{id}/runs"), HttpStatusCode.OK);
        runs.GetProperty("items")[0].GetProperty("source").GetString().ShouldBe("gateway");

        var flow = await AppApi.CreateAsync(Admin, "flowy");
        await AppApi.PublishAsync(Admin, flow, AppApi.Workflow("x {{ name }}"));
        var refused = await Admin.PostAsJsonAsync("/v1/chat/completions", new { model = "app:flowy", messages = new[] { new { role = "user", content = "hi" } } });
        refused.StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var error = JsonDocument.Parse(await refused.Content.ReadAsStringAsync()).RootElement.GetProperty("error");
        error.GetProperty("message").GetString()!.ShouldContain("app:flowy");
        (await Admin.PostAsJsonAsync("/v1/chat/completions", new { model = "app:nope", messages = new[] { new { role = "user", content = "hi" } } })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
        (await Admin.PostAsJsonAsync("/v1/chat/completions", new { model = "app:echo", messages = new[] { new { role = "assistant", content = "hi" } } })).StatusCode.ShouldBe(HttpStatusCode.BadRequest);
        var outsider = await CreateUserAsync("outsider", SystemRoles.Viewer);
        (await outsider.PostAsJsonAsync("/v1/chat/completions", new { model = "app:echo", messages = new[] { new { role = "user", content = "hi" } } })).StatusCode.ShouldBe(HttpStatusCode.NotFound);
    }

    [Fact]
    public async Task A_streamed_chat_completion_sends_openai_chunks_with_usage_and_done()
    {
        var id = await AppApi.CreateAsync(Admin, "streamer", "Chat");
        await AppApi.PublishAsync(Admin, id, AppRunApiTests.Chat("Streamed {{sys.query}}"));
        var response = await Admin.PostAsJsonAsync("/v1/chat/completions", new
        {
            model = "app:streamer",
            stream = true,
            stream_options = new { include_usage = true },
            messages = new[] { new { role = "user", content = "plums" } },
        });
        response.StatusCode.ShouldBe(HttpStatusCode.OK);
        response.Content.Headers.ContentType!.MediaType.ShouldBe("text/event-stream");
        var lines = (await response.Content.ReadAsStringAsync()).Split('\n').Where(l => l.StartsWith("data: ", StringComparison.Ordinal)).Select(l => l[6..]).ToList();
        lines[^1].ShouldBe("[DONE]");
        var chunks = lines[..^1].Select(l => JsonDocument.Parse(l).RootElement).ToList();
        chunks.ShouldAllBe(c => c.GetProperty("object").GetString() == "chat.completion.chunk" && c.GetProperty("model").GetString() == "app:streamer");
        chunks[0].GetProperty("choices")[0].GetProperty("delta").GetProperty("role").GetString().ShouldBe("assistant");
        var text = string.Concat(chunks.Where(c => c.GetProperty("choices").GetArrayLength() > 0)
            .Select(c => c.GetProperty("choices")[0].GetProperty("delta")).Select(d => d.TryGetProperty("content", out var t) ? t.GetString() : null));
        text.ShouldBe("Streamed plums");
        chunks.Single(c => c.GetProperty("choices").GetArrayLength() > 0 && c.GetProperty("choices")[0].GetProperty("finish_reason").ValueKind == JsonValueKind.String)
            .GetProperty("choices")[0].GetProperty("finish_reason").GetString().ShouldBe("stop");
        chunks[^1].GetProperty("choices").GetArrayLength().ShouldBe(0);
        chunks[^1].GetProperty("usage").GetProperty("total_tokens").GetInt64().ShouldBe(0);
    }

    private static async Task<List<string>> ModelIdsAsync(HttpClient client) =>
        [.. (await AppApi.JsonAsync(client.GetAsync("/v1/models"), HttpStatusCode.OK)).GetProperty("data").EnumerateArray().Select(m => m.GetProperty("id").GetString()!)];
}
