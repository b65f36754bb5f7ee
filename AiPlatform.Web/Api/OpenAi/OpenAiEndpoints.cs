using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Chat;
using AiPlatform.Core.Common;
using Microsoft.Extensions.AI;
using AiMessage = Microsoft.Extensions.AI.ChatMessage;

namespace AiPlatform.Web.Api.OpenAi;

/// <summary>
/// The OpenAI-compatible gateway: <c>GET /v1/models</c> and <c>POST /v1/chat/completions</c> (streaming or not) over
/// the models the caller may use, with platform tokens, so that SDKs and tools such as OpenWebUI use the platform's
/// models under its permissions; every call's tokens are counted. Errors use OpenAI's <c>{"error": {...}}</c> shape.
/// </summary>
public static class OpenAiEndpoints
{
    public static void MapOpenAiEndpoints(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1").WithTags("OpenAI-compatible gateway").AddEndpointFilter(OpenAiErrors.FilterAsync).DisableAntiforgery();
        v1.MapGet("/models", ListModelsAsync).WithName("GatewayListModels");
        v1.MapPost("/chat/completions", CompleteAsync).WithName("GatewayChatCompletions").Accepts<JsonElement>("application/json");
        v1.MapFallback(NoSuchRoute).ExcludeFromDescription();
    }

    private static async Task<IResult> ListModelsAsync(GatewayService gateway, CancellationToken ct) => Results.Json(new
    {
        @object = "list",
        data = (await gateway.ListModelsAsync(ct)).Select(m => new { id = m.Name, @object = "model", created = m.CreatedAt.ToUnixTimeSeconds(), owned_by = "aiplatform", max_model_len = m.ContextTokens }),
    });

    private static IResult NoSuchRoute() => OpenAiErrors.Error(404, "No such route in the OpenAI-compatible gateway.", "invalid_request_error");

    private static async Task<IResult> CompleteAsync(HttpContext http, GatewayService gateway)
    {
        var ct = http.RequestAborted;
        await gateway.EnsureAllowanceAsync(ct);
        using var doc = await JsonDocument.ParseAsync(http.Request.Body, default, ct);
        var body = doc.RootElement;
        var name = body.TryGetProperty("model", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : throw new ValidationException("model", "'model' is required.");
        if (!body.TryGetProperty("messages", out var messagesElement) || messagesElement.ValueKind != JsonValueKind.Array || messagesElement.GetArrayLength() == 0)
        {
            throw new ValidationException("messages", "'messages' must be a non-empty array.");
        }

        var (model, client) = await gateway.GetClientAsync(name, ct);
        var messages = messagesElement.EnumerateArray().Select(ToMessage).ToList();
        var options = new ChatOptions();
        if ((Number(body, "max_completion_tokens") ?? Number(body, "max_tokens")) is { } max)
        {
            options.MaxOutputTokens = (int)max;
        }

        if (Number(body, "temperature") is { } temperature)
        {
            options.Temperature = (float)temperature;
        }

        if (Number(body, "top_p") is { } topP)
        {
            options.TopP = (float)topP;
        }

        if (body.TryGetProperty("stop", out var stopElement))
        {
            options.StopSequences = stopElement.ValueKind switch
            {
                JsonValueKind.String => [stopElement.GetString()!],
                JsonValueKind.Array => [.. stopElement.EnumerateArray().Where(e => e.ValueKind == JsonValueKind.String).Select(e => e.GetString()!).Take(4)],
                _ => null,
            };
        }

        var id = "chatcmpl-" + Guid.NewGuid().ToString("N");
        var created = DateTimeOffset.UtcNow.ToUnixTimeSeconds();
        var stream = body.TryGetProperty("stream", out var s) && s.ValueKind == JsonValueKind.True;
        if (!stream)
        {
            ChatResponse response;
            try
            {
                response = await client.GetResponseAsync(messages, options, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                return OpenAiErrors.Refused(model.Name, e);
            }

            var promptTokens = (int)(response.Usage?.InputTokenCount ?? 0);
            var completionTokens = (int)(response.Usage?.OutputTokenCount ?? 0);
            await gateway.RecordUsageAsync(model.Name, promptTokens, completionTokens, CancellationToken.None);
            return Results.Json(new
            {
                id,
                @object = "chat.completion",
                created,
                model = model.Name,
                choices = new[] { new { index = 0, message = new { role = "assistant", content = response.Text }, finish_reason = Finish(response.FinishReason) } },
                usage = new { prompt_tokens = promptTokens, completion_tokens = completionTokens, total_tokens = promptTokens + completionTokens },
            });
        }

        var includeUsage = body.TryGetProperty("stream_options", out var so) && so.TryGetProperty("include_usage", out var iu) && iu.ValueKind == JsonValueKind.True;
        UsageDetails? usage = null;
        ChatFinishReason? finish = null;
        var chunks = 0;

        // The provider is asked before anything is written, so that a refused request gets its HTTP status.
        await using var updates = client.GetStreamingResponseAsync(messages, options, ct).GetAsyncEnumerator(ct);
        bool more;
        try
        {
            more = await updates.MoveNextAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            return OpenAiErrors.Refused(model.Name, e);
        }

        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        await Write(http, Chunk(id, created, model.Name, new JsonObject { ["role"] = "assistant", ["content"] = string.Empty }, null));
        try
        {
            for (; more; more = await updates.MoveNextAsync())
            {
                var update = updates.Current;
                usage = update.Contents.OfType<UsageContent>().LastOrDefault()?.Details ?? usage;
                finish = update.FinishReason ?? finish;
                if (update.Text is { Length: > 0 } text)
                {
                    chunks++;
                    await Write(http, Chunk(id, created, model.Name, new JsonObject { ["content"] = text }, null));
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await gateway.RecordUsageAsync(model.Name, (int)(usage?.InputTokenCount ?? 0), (int)(usage?.OutputTokenCount ?? chunks), CancellationToken.None);
            return Results.Empty;
        }
        catch (Exception e)
        {
            // The status (200) is already sent, so the request log would call this call a success (and log it at Debug).
            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OpenAiEndpoints))
                .LogWarning(e, "The model {Model} failed in the middle of a streamed answer", model.Name);
            await Write(http, new JsonObject { ["error"] = new JsonObject { ["message"] = $"The model '{model.Name}' did not answer: {e.Message}", ["type"] = "server_error" } });
            await http.Response.WriteAsync("data: [DONE]\n\n", CancellationToken.None);
            return Results.Empty;
        }

        var prompt = (int)(usage?.InputTokenCount ?? 0);
        var completion = (int)(usage?.OutputTokenCount ?? chunks);
        await gateway.RecordUsageAsync(model.Name, prompt, completion, CancellationToken.None);
        await Write(http, Chunk(id, created, model.Name, new JsonObject(), Finish(finish)));
        if (includeUsage)
        {
            var last = Chunk(id, created, model.Name, null, null);
            last["usage"] = new JsonObject { ["prompt_tokens"] = prompt, ["completion_tokens"] = completion, ["total_tokens"] = prompt + completion };
            await Write(http, last);
        }

        await http.Response.WriteAsync("data: [DONE]\n\n", CancellationToken.None);
        return Results.Empty;
    }

    private static JsonObject Chunk(string id, long created, string model, JsonObject? delta, string? finish) => new()
    {
        ["id"] = id,
        ["object"] = "chat.completion.chunk",
        ["created"] = created,
        ["model"] = model,
        ["choices"] = delta is null ? new JsonArray() : new JsonArray(new JsonObject { ["index"] = 0, ["delta"] = delta, ["finish_reason"] = finish }),
    };

    private static async Task Write(HttpContext http, JsonObject chunk)
    {
        await http.Response.WriteAsync("data: " + chunk.ToJsonString() + "\n\n", http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
    }

    private static string Finish(ChatFinishReason? reason) => reason == ChatFinishReason.Length ? "length" : reason == ChatFinishReason.ContentFilter ? "content_filter" : "stop";

    private static double? Number(JsonElement body, string name) => body.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number ? v.GetDouble() : null;

    private static AiMessage ToMessage(JsonElement m)
    {
        var role = m.TryGetProperty("role", out var r) ? r.GetString() : null;
        var content = m.TryGetProperty("content", out var c) ? c.ValueKind switch
        {
            JsonValueKind.String => c.GetString()!,
            JsonValueKind.Array => string.Concat(c.EnumerateArray().Where(p => p.TryGetProperty("text", out _)).Select(p => p.GetProperty("text").GetString())),
            _ => string.Empty,
        } : string.Empty;
        return new AiMessage(role switch
        {
            "system" or "developer" => ChatRole.System,
            "assistant" => ChatRole.Assistant,
            "user" => ChatRole.User,
            _ => throw new ValidationException("messages", $"Unknown role '{role}'."),
        }, content);
    }
}
