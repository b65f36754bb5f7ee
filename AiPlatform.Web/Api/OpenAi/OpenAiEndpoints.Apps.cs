using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Common;

namespace AiPlatform.Web.Api.OpenAi;

/// <summary>
/// Chat apps as gateway models (<c>app:{slug}</c>): listed by <c>GET /v1/models</c> for callers who may read them, and
/// answered by <c>POST /v1/chat/completions</c> through the app's published version: the last user message is the
/// question, earlier user/assistant pairs are the memory, the answer (streamed as chunks when asked) carries the run's
/// token usage. The OpenAI fields that tune a model (temperature, tools, n…) do not apply to an app and are ignored;
/// an optional <c>inputs</c> object fills the start node's fields.
/// </summary>
public static partial class OpenAiEndpoints
{
    private static async Task<IEnumerable<JsonObject>> AppModelsAsync(HttpContext http, CancellationToken ct) =>
        (await http.RequestServices.GetRequiredService<AppGatewayService>().ListModelsAsync(ct))
            .Select(a => new JsonObject { ["id"] = AppGatewayService.ModelPrefix + a.Slug, ["object"] = "model", ["created"] = a.CreatedAt.ToUnixTimeSeconds(), ["owned_by"] = "aiplatform-app" });

    private static async Task<IResult> CompleteWithAppAsync(HttpContext http, JsonObject body, string model, JsonArray messages, CancellationToken ct)
    {
        var streaming = body["stream"] is JsonValue s && s.GetValueKind() == JsonValueKind.True;
        var includeUsage = body["stream_options"] is JsonObject so && so["include_usage"] is JsonValue iu && iu.GetValueKind() == JsonValueKind.True;
        var inputs = body["inputs"] switch
        {
            null => null,
            JsonObject o => (JsonObject)o.DeepClone(),
            _ => throw new ValidationException("inputs", "'inputs' must be an object of the app's start fields."),
        };
        var (query, history) = Conversation(messages, model);
        var gateway = http.RequestServices.GetRequiredService<AppGatewayService>();
        var id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        if (!streaming)
        {
            var run = await gateway.CompleteAsync(model, query, history, inputs, null, ct);
            if (run.Status != AppRunStatus.Succeeded)
            {
                return OpenAiErrors.Error(500, $"The app '{model}' failed{(run.ErrorNodeId is { } n ? $" at node '{n}'" : string.Empty)}: {run.Error ?? run.Status.ToString()}", "server_error");
            }

            return Json(new JsonObject
            {
                ["id"] = id,
                ["object"] = "chat.completion",
                ["created"] = created,
                ["model"] = model,
                ["choices"] = new JsonArray(new JsonObject
                {
                    ["index"] = 0,
                    ["message"] = new JsonObject { ["role"] = "assistant", ["content"] = run.Answer ?? string.Empty },
                    ["finish_reason"] = "stop",
                }),
                ["usage"] = UsageOf(run),
            });
        }

        var started = false;
        JsonObject Chunk(JsonObject delta, string? finish) => new()
        {
            ["id"] = id,
            ["object"] = "chat.completion.chunk",
            ["created"] = created,
            ["model"] = model,
            ["choices"] = new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finish }),
        };
        async Task StartAsync()
        {
            if (!started)
            {
                started = true;
                http.Response.ContentType = "text/event-stream";
                http.Response.Headers.CacheControl = "no-cache";
                await Write(http, Chunk(new JsonObject { ["role"] = "assistant", ["content"] = string.Empty }, null));
            }
        }

        var streamed = false;
        var result = await gateway.CompleteAsync(model, query, history, inputs, async e =>
        {
            if (e.Kind == AppRunEventKind.AnswerDelta && !string.IsNullOrEmpty(e.Text))
            {
                await StartAsync();
                streamed = true;
                await Write(http, Chunk(new JsonObject { ["content"] = e.Text }, null));
            }
        }, ct);

        // Refusals before anything ran (404, 400, 409) stay HTTP errors; a run that failed after the stream began ends it with an error chunk.
        await StartAsync();
        if (result.Status != AppRunStatus.Succeeded)
        {
            await Write(http, new JsonObject { ["error"] = new JsonObject { ["message"] = $"The app '{model}' failed{(result.ErrorNodeId is { } n ? $" at node '{n}'" : string.Empty)}: {result.Error ?? result.Status.ToString()}", ["type"] = "server_error", ["param"] = null, ["code"] = null } });
        }
        else
        {
            if (!streamed && !string.IsNullOrEmpty(result.Answer))
            {
                await Write(http, Chunk(new JsonObject { ["content"] = result.Answer }, null));
            }

            await Write(http, Chunk([], "stop"));
            if (includeUsage)
            {
                await Write(http, new JsonObject { ["id"] = id, ["object"] = "chat.completion.chunk", ["created"] = created, ["model"] = model, ["choices"] = new JsonArray(), ["usage"] = UsageOf(result) });
            }
        }

        await http.Response.WriteAsync("data: [DONE]\n\n", CancellationToken.None);
        return Results.Empty;
    }

    private static JsonObject UsageOf(AppRun run) => new()
    {
        ["prompt_tokens"] = run.PromptTokens,
        ["completion_tokens"] = run.CompletionTokens,
        ["total_tokens"] = run.PromptTokens + run.CompletionTokens,
    };

    /// <summary>The last user message (the question) and the earlier user/assistant pairs (oldest first); system and tool messages are not part of an app's memory.</summary>
    private static (string Query, IReadOnlyList<AppChatTurn> History) Conversation(JsonArray messages, string model)
    {
        var list = messages.OfType<JsonObject>().Select(m => (Role: m["role"]?.GetValue<string>(), Text: TextOf(m["content"]))).Where(m => m.Role is "user" or "assistant").ToList();
        if (list.Count == 0 || list[^1].Role != "user" || string.IsNullOrWhiteSpace(list[^1].Text))
        {
            throw new ValidationException("messages", $"The model '{model}' answers the last message, which must be the user's text.");
        }

        var history = new List<AppChatTurn>();
        for (var i = 0; i < list.Count - 2; i++)
        {
            if (list[i].Role == "user" && list[i + 1].Role == "assistant")
            {
                history.Add(new AppChatTurn(list[i].Text ?? string.Empty, list[i + 1].Text ?? string.Empty));
                i++;
            }
        }

        return (list[^1].Text!, history);
    }

    /// <summary>A message's text: a string, or the text parts of an array of content parts.</summary>
    private static string? TextOf(JsonNode? content) => content switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonArray parts => string.Concat(parts.OfType<JsonObject>().Where(p => p["type"] is JsonValue t && t.GetValueKind() == JsonValueKind.String && t.GetValue<string>() == "text")
            .Select(p => p["text"] is JsonValue x && x.GetValueKind() == JsonValueKind.String ? x.GetValue<string>() : string.Empty)),
        _ => null,
    };
}
