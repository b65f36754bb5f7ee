using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Chat;
using AiPlatform.Core.Common;

namespace AiPlatform.Web.Api.OpenAi;

/// <summary>
/// The OpenAI-compatible gateway: <c>GET /v1/models</c>, <c>POST /v1/chat/completions</c> (streaming or not) and
/// <c>POST /v1/embeddings</c> over the models the caller may use, with platform tokens, so that SDKs and tools such as
/// OpenWebUI use the platform's models under its permissions; every call's tokens are counted.
/// </summary>
/// <remarks>
/// Requests are passed through, not re-modelled: the body goes to the provider as the client wrote it with only
/// <c>model</c> renamed (tools, tool_choice, response_format, logprobs, n, seed, user and any field a provider adds
/// reach it), and the answer — tool_calls, several choices, logprobs — comes back as the provider wrote it, with the
/// platform's model name. Errors use OpenAI's <c>{"error": {...}}</c> shape.
/// </remarks>
public static class OpenAiEndpoints
{
    public static void MapOpenAiEndpoints(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1").WithTags("OpenAI-compatible gateway").AddEndpointFilter(OpenAiErrors.FilterAsync).DisableAntiforgery();
        v1.MapGet("/models", ListModelsAsync).WithName("GatewayListModels");
        v1.MapPost("/chat/completions", CompleteAsync).WithName("GatewayChatCompletions").Accepts<JsonElement>("application/json");
        v1.MapPost("/embeddings", EmbedAsync).WithName("GatewayEmbeddings").Accepts<JsonElement>("application/json");
        v1.MapFallback(NoSuchRoute).ExcludeFromDescription();
    }

    private static async Task<IResult> ListModelsAsync(GatewayService gateway, CancellationToken ct)
    {
        var models = (await gateway.ListModelsAsync(ct))
            .Select(m => new JsonObject { ["id"] = m.Name, ["object"] = "model", ["created"] = m.CreatedAt.ToUnixTimeSeconds(), ["owned_by"] = "aiplatform", ["max_model_len"] = m.ContextTokens })
            .Append(new JsonObject { ["id"] = GatewayService.LocalEmbeddingModel, ["object"] = "model", ["created"] = 0, ["owned_by"] = "aiplatform" });
        return Json(new JsonObject { ["object"] = "list", ["data"] = new JsonArray([.. models]) });
    }

    private static IResult NoSuchRoute() => OpenAiErrors.Error(404, "No such route in the OpenAI-compatible gateway.", "invalid_request_error");

    private static async Task<IResult> CompleteAsync(HttpContext http, GatewayService gateway)
    {
        var ct = http.RequestAborted;
        await gateway.EnsureAllowanceAsync(ct);
        var body = await ReadAsync(http, ct);
        var name = ModelOf(body);
        if (body["messages"] is not JsonArray { Count: > 0 } messages)
        {
            throw new ValidationException("messages", "'messages' must be a non-empty array.");
        }

        foreach (var message in messages)
        {
            var role = message is JsonObject m && m["role"] is JsonValue r && r.GetValueKind() == JsonValueKind.String ? r.GetValue<string>() : null;
            if (role is not ("system" or "developer" or "user" or "assistant" or "tool" or "function"))
            {
                throw new ValidationException("messages", $"Unknown role '{role}'.");
            }
        }

        if (name == GatewayService.LocalEmbeddingModel)
        {
            throw new ValidationException("model", $"'{name}' is an embedding model: call POST /v1/embeddings.");
        }

        var (model, endpoint) = await gateway.GetEndpointAsync(name, ct);
        var upstream = Upstream(body, endpoint);
        var started = Stopwatch.GetTimestamp();
        if (body["stream"] is not JsonValue s || s.GetValueKind() != JsonValueKind.True)
        {
            JsonObject answer;
            try
            {
                answer = await gateway.ForwardAsync(endpoint, "chat/completions", upstream, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                await gateway.CompleteAsync(new GatewayCall("chat.completions", model.Name, body, null, 0, 0, Stopwatch.GetElapsedTime(started), GatewayCallStatus.Failed, e.Message), CancellationToken.None);
                return OpenAiErrors.Refused(model.Name, e);
            }

            answer["model"] = model.Name;
            var (prompt, completion) = Usage(answer["usage"]);
            await gateway.CompleteAsync(new GatewayCall("chat.completions", model.Name, body, AnswerOf(answer), prompt ?? 0, completion ?? 0, Stopwatch.GetElapsedTime(started), GatewayCallStatus.Completed), CancellationToken.None);
            return Json(answer);
        }

        // The provider is asked for the usage (as the OpenAI SDK always does); the client sees it only if it asked too.
        var includeUsage = body["stream_options"] is JsonObject so && so["include_usage"] is JsonValue iu && iu.GetValueKind() == JsonValueKind.True;
        var options = upstream["stream_options"] as JsonObject ?? [];
        options["include_usage"] = true;
        upstream["stream_options"] = options;

        // The provider is asked before anything is written, so that a refused request gets its HTTP status.
        await using var chunks = gateway.ForwardStreamAsync(endpoint, "chat/completions", upstream, ct).GetAsyncEnumerator(ct);
        bool more;
        try
        {
            more = await chunks.MoveNextAsync();
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            await gateway.CompleteAsync(new GatewayCall("chat.completions", model.Name, body, null, 0, 0, Stopwatch.GetElapsedTime(started), GatewayCallStatus.Failed, e.Message), CancellationToken.None);
            return OpenAiErrors.Refused(model.Name, e);
        }

        http.Response.ContentType = "text/event-stream";
        http.Response.Headers.CacheControl = "no-cache";
        var stream = new StreamedAnswer();
        try
        {
            for (; more; more = await chunks.MoveNextAsync())
            {
                var chunk = chunks.Current;
                if (chunk.ContainsKey("model"))
                {
                    chunk["model"] = model.Name;
                }

                stream.Take(chunk);
                if (!includeUsage && chunk.Remove("usage") && chunk["choices"] is JsonArray { Count: 0 })
                {
                    continue;
                }

                await Write(http, chunk);
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            await gateway.CompleteAsync(stream.Call(model.Name, body, started, GatewayCallStatus.Cancelled), CancellationToken.None);
            return Results.Empty;
        }
        catch (Exception e)
        {
            // The status (200) is already sent, so the request log would call this call a success (and log it at Debug).
            http.RequestServices.GetRequiredService<ILoggerFactory>().CreateLogger(typeof(OpenAiEndpoints))
                .LogWarning(e, "The model {Model} failed in the middle of a streamed answer", model.Name);
            await gateway.CompleteAsync(stream.Call(model.Name, body, started, GatewayCallStatus.Failed, e.Message), CancellationToken.None);
            await Write(http, new JsonObject { ["error"] = new JsonObject { ["message"] = $"The model '{model.Name}' did not answer: {e.Message}", ["type"] = "server_error", ["param"] = null, ["code"] = null } });
            await http.Response.WriteAsync("data: [DONE]\n\n", CancellationToken.None);
            return Results.Empty;
        }

        await gateway.CompleteAsync(stream.Call(model.Name, body, started, GatewayCallStatus.Completed), CancellationToken.None);
        await http.Response.WriteAsync("data: [DONE]\n\n", CancellationToken.None);
        return Results.Empty;
    }

    /// <summary>
    /// <c>POST /v1/embeddings</c>: a provider's model (the body passed through, asked for floats so that every provider
    /// can answer, and written back in the encoding the client asked for) or the built-in all-MiniLM-L6-v2; counted and
    /// refused over quota like chat.
    /// </summary>
    private static async Task<IResult> EmbedAsync(HttpContext http, GatewayService gateway)
    {
        var ct = http.RequestAborted;
        await gateway.EnsureAllowanceAsync(ct);
        var body = await ReadAsync(http, ct);
        var name = ModelOf(body);
        var base64 = body["encoding_format"] switch
        {
            null => false,
            JsonValue f when f.GetValueKind() == JsonValueKind.String && f.GetValue<string>() is "float" or "base64" => f.GetValue<string>() == "base64",
            _ => throw new ValidationException("encoding_format", "'encoding_format' is float or base64."),
        };
        var input = body["input"] ?? throw new ValidationException("input", "'input' is required.");
        var started = Stopwatch.GetTimestamp();
        JsonObject answer;
        if (name == GatewayService.LocalEmbeddingModel)
        {
            var texts = Texts(input);
            if (body["dimensions"] is JsonValue d && (d.GetValueKind() != JsonValueKind.Number || d.GetValue<double>() != GatewayService.LocalEmbeddingDimensions))
            {
                throw new ValidationException("dimensions", $"'{name}' has {GatewayService.LocalEmbeddingDimensions} dimensions.");
            }

            var vectors = await gateway.EmbedLocallyAsync(texts, ct);

            // About four characters a token, as for providers that do not count.
            var tokens = texts.Sum(t => (t.Length / 4) + 1);
            answer = new JsonObject
            {
                ["object"] = "list",
                ["data"] = new JsonArray([.. vectors.Select((v, i) => new JsonObject { ["object"] = "embedding", ["index"] = i, ["embedding"] = new JsonArray([.. v.Select(x => JsonValue.Create(x))]) })]),
                ["model"] = name,
                ["usage"] = new JsonObject { ["prompt_tokens"] = tokens, ["total_tokens"] = tokens },
            };
        }
        else
        {
            var (model, endpoint) = await gateway.GetEndpointAsync(name, ct);
            var upstream = Upstream(body, endpoint);
            upstream["encoding_format"] = "float";
            try
            {
                answer = await gateway.ForwardAsync(endpoint, "embeddings", upstream, ct);
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                await gateway.CompleteAsync(new GatewayCall("embeddings", model.Name, body, null, 0, 0, Stopwatch.GetElapsedTime(started), GatewayCallStatus.Failed, e.Message), CancellationToken.None);
                return OpenAiErrors.Refused(model.Name, e);
            }

            answer["model"] = model.Name;
        }

        var (prompt, _) = Usage(answer["usage"]);
        var counted = prompt ?? EstimatedTokens(input);
        if (base64 && answer["data"] is JsonArray data)
        {
            foreach (var item in data.OfType<JsonObject>())
            {
                if (item["embedding"] is JsonArray floats)
                {
                    var values = floats.Select(f => f!.GetValue<float>()).ToArray();
                    item["embedding"] = Convert.ToBase64String(System.Runtime.InteropServices.MemoryMarshal.AsBytes(values.AsSpan()));
                }
            }
        }

        await gateway.CompleteAsync(new GatewayCall("embeddings", name, body, null, counted, 0, Stopwatch.GetElapsedTime(started), GatewayCallStatus.Completed), CancellationToken.None);
        return Json(answer);
    }

    /// <summary>The body for the provider: the client's, with the provider's id of the model.</summary>
    private static JsonObject Upstream(JsonObject body, ProviderEndpoint endpoint)
    {
        var upstream = body.DeepClone().AsObject();
        upstream["model"] = endpoint.ModelId;
        return upstream;
    }

    private static async Task<JsonObject> ReadAsync(HttpContext http, CancellationToken ct) =>
        await JsonNode.ParseAsync(http.Request.Body, cancellationToken: ct) as JsonObject ?? throw new ValidationException("body", "The body is a JSON object.");

    private static string ModelOf(JsonObject body) =>
        body["model"] is JsonValue m && m.GetValueKind() == JsonValueKind.String ? m.GetValue<string>() : throw new ValidationException("model", "'model' is required.");

    /// <summary>The texts of an embeddings input for the built-in model: a string or an array of strings.</summary>
    private static List<string> Texts(JsonNode input) =>
        input switch
        {
            JsonValue v when v.GetValueKind() == JsonValueKind.String => [v.GetValue<string>()],
            JsonArray { Count: > 0 } items when items.All(i => i is JsonValue s && s.GetValueKind() == JsonValueKind.String) => [.. items.Select(i => i!.GetValue<string>())],
            _ => throw new ValidationException("input", $"'{GatewayService.LocalEmbeddingModel}' takes a string or an array of strings."),
        };

    /// <summary>For providers that do not count: about four characters a text token, one a token id.</summary>
    private static int EstimatedTokens(JsonNode? input) => input switch
    {
        JsonValue v when v.GetValueKind() == JsonValueKind.String => (v.GetValue<string>().Length / 4) + 1,
        JsonValue => 1,
        JsonArray items => items.Sum(EstimatedTokens),
        _ => 0,
    };

    private static (int? Prompt, int? Completion) Usage(JsonNode? usage) =>
        usage is JsonObject u ? (Int(u["prompt_tokens"]), Int(u["completion_tokens"])) : (null, null);

    private static int? Int(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var n) ? n : null;

    /// <summary>The first choice's text, or its tool calls as JSON.</summary>
    private static string? AnswerOf(JsonObject answer) =>
        answer["choices"] is JsonArray { Count: > 0 } choices && choices[0]?["message"] is JsonObject message
            ? message["content"] is JsonValue c && c.GetValueKind() == JsonValueKind.String ? c.GetValue<string>() : message["tool_calls"]?.ToJsonString()
            : null;

    private static IResult Json(JsonObject body) => Results.Text(body.ToJsonString(), "application/json");

    private static async Task Write(HttpContext http, JsonObject chunk)
    {
        await http.Response.WriteAsync("data: " + chunk.ToJsonString() + "\n\n", http.RequestAborted);
        await http.Response.Body.FlushAsync(http.RequestAborted);
    }

    /// <summary>What a stream has carried so far: the first choice's text and tool-call arguments, and the provider's usage.</summary>
    private sealed class StreamedAnswer
    {
        private readonly System.Text.StringBuilder _text = new();
        private int _pieces;
        private int? _prompt;
        private int? _completion;

        public void Take(JsonObject chunk)
        {
            if (Usage(chunk["usage"]) is ({ } p, var c))
            {
                (_prompt, _completion) = (p, c);
            }

            if (chunk["choices"] is JsonArray { Count: > 0 } choices && choices[0]?["delta"] is JsonObject delta)
            {
                if (delta["content"] is JsonValue v && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is { Length: > 0 } text)
                {
                    _text.Append(text);
                    _pieces++;
                }

                if (delta["tool_calls"] is JsonArray calls)
                {
                    foreach (var call in calls)
                    {
                        if (call?["function"]?["arguments"] is JsonValue a && a.GetValueKind() == JsonValueKind.String)
                        {
                            _text.Append(a.GetValue<string>());
                            _pieces++;
                        }
                    }
                }
            }
        }

        /// <summary>The call so far; without the provider's usage, each piece counts as a token.</summary>
        public GatewayCall Call(string model, JsonObject request, long started, GatewayCallStatus status, string? error = null) =>
            new("chat.completions", model, request, _text.ToString(), _prompt ?? 0, _completion ?? _pieces, Stopwatch.GetElapsedTime(started), status, error);
    }
}
