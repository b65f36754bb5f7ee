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
public static partial class OpenAiEndpoints
{
    public static void MapOpenAiEndpoints(this IEndpointRouteBuilder app)
    {
        var v1 = app.MapGroup("/v1").WithTags("OpenAI-compatible gateway").AddEndpointFilter(OpenAiErrors.FilterAsync).DisableAntiforgery();
        v1.MapGet("/models", ListModelsAsync).WithName("GatewayListModels");
        v1.MapPost("/chat/completions", CompleteAsync).WithName("GatewayChatCompletions").Accepts<JsonElement>("application/json");
        v1.MapPost("/embeddings", EmbedAsync).WithName("GatewayEmbeddings").Accepts<JsonElement>("application/json");
        v1.MapFallback(NoSuchRoute).ExcludeFromDescription();
    }

    private static async Task<IResult> ListModelsAsync(GatewayService gateway, HttpContext http, CancellationToken ct)
    {
        // i18/keys: without chat.use the caller still sees the chat apps they may read.
        IReadOnlyList<LlmModel> usable;
        try
        {
            usable = await gateway.ListModelsAsync(ct);
        }
        catch (AiPlatform.Core.Access.ForbiddenException refusal)
        {
            // Without chat.use a caller who may read chat apps sees only those; with none the refusal stands (403).
            var apps = (await AppModelsAsync(http, ct)).ToList();
            if (apps.Count == 0)
            {
                System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(refusal).Throw();
            }

            return Json(new JsonObject { ["object"] = "list", ["data"] = new JsonArray([.. apps]) });
        }

        var models = usable
            .Select(m => new JsonObject { ["id"] = m.Name, ["object"] = "model", ["created"] = m.CreatedAt.ToUnixTimeSeconds(), ["owned_by"] = "aiplatform", ["max_model_len"] = m.ContextTokens })
            .Append(new JsonObject { ["id"] = GatewayService.LocalEmbeddingModel, ["object"] = "model", ["created"] = 0, ["owned_by"] = "aiplatform" })
            .Concat(await AppModelsAsync(http, ct)); // i18/keys: chat apps as models
        return Json(new JsonObject { ["object"] = "list", ["data"] = new JsonArray([.. models]) });
    }

    private static IResult NoSuchRoute() => OpenAiErrors.Error(404, "No such route in the OpenAI-compatible gateway.", "invalid_request_error");

    private static async Task<IResult> CompleteAsync(HttpContext http, GatewayService gateway)
    {
        var ct = http.RequestAborted;
        // i18/keys: a chat app (app:{slug}) needs Read on the app only, like its run endpoint (not chat.use or the caller's
        // gateway quota: the app runs with its publisher's rights and is recorded as an app run).
        System.Runtime.ExceptionServices.ExceptionDispatchInfo? refused = null;
        try
        {
            await gateway.EnsureAllowanceAsync(ct);
        }
        catch (Exception e) when (e is AiPlatform.Core.Access.ForbiddenException or QuotaExceededException)
        {
            refused = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e);
        }

        var body = await ReadAsync(http, ct);
        if (refused is not null && !AiPlatform.Core.Apps.AppGatewayService.IsAppModel(body["model"] is JsonValue mv && mv.GetValueKind() == JsonValueKind.String ? mv.GetValue<string>() : null))
        {
            refused.Throw();
        }

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

        if (AiPlatform.Core.Apps.AppGatewayService.IsAppModel(name))
        {
            return await CompleteWithAppAsync(http, body, name, messages, ct); // i18/keys
        }

        if (name == GatewayService.LocalEmbeddingModel)
        {
            throw new ValidationException("model", $"'{name}' is an embedding model: call POST /v1/embeddings.");
        }

        var streaming = body["stream"] switch
        {
            null => false,
            JsonValue b when b.GetValueKind() is JsonValueKind.True or JsonValueKind.False => b.GetValue<bool>(),
            _ => throw new ValidationException("stream", "'stream' must be a boolean (true or false)."),
        };
        var maxChoices = Limit(http, "Gateway:MaxChoices", DefaultMaxChoices);
        if (body["n"] is { } n && (n is not JsonValue nv || nv.GetValueKind() != JsonValueKind.Number || !nv.TryGetValue<int>(out var choices) || choices < 1 || choices > maxChoices))
        {
            throw new ValidationException("n", $"'n' must be an integer from 1 to {maxChoices} (Gateway:MaxChoices).");
        }

        var (model, endpoint) = await gateway.GetEndpointAsync(name, ct);

        // Forwarded in place (no copy of a possibly large tree): the provider's model id, the fields the platform must
        // not let a client set removed, the stream decided here; the client's values are restored once it is sent.
        Strip(body);
        body["stream"] = streaming;
        var started = Stopwatch.GetTimestamp();
        if (!streaming)
        {
            JsonObject answer;
            try
            {
                answer = await WithProviderModelAsync(body, name, endpoint, () => gateway.ForwardAsync(endpoint, "chat/completions", body, ct));
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                await gateway.CompleteAsync(new GatewayCall("chat.completions", model.Name, body, null, 0, 0, Stopwatch.GetElapsedTime(started), GatewayCallStatus.Failed, e.Message), CancellationToken.None);
                return OpenAiErrors.Refused(model.Name, e);
            }

            answer["model"] = model.Name;
            var (prompt, completion) = Usage(answer["usage"]);
            var text = AnswerOf(answer);

            // A provider that does not count: about four characters a token, prompt and answer.
            await gateway.CompleteAsync(new GatewayCall("chat.completions", model.Name, body, text, prompt ?? EstimatedPromptTokens(body), completion ?? EstimatedTokens(text), Stopwatch.GetElapsedTime(started), GatewayCallStatus.Completed), CancellationToken.None);
            return Json(answer);
        }

        // The provider is asked for the usage (as the OpenAI SDK always does); the client sees it only if it asked too.
        var clientOptions = body["stream_options"];
        var includeUsage = clientOptions is JsonObject so && so["include_usage"] is JsonValue iu && iu.GetValueKind() == JsonValueKind.True;
        JsonNode? clientInclude = null;
        var hadInclude = false;
        if (clientOptions is JsonObject asked)
        {
            hadInclude = asked.TryGetPropertyValue("include_usage", out clientInclude);
            asked["include_usage"] = true;
        }
        else
        {
            body["stream_options"] = new JsonObject { ["include_usage"] = true };
        }

        // The provider is asked before anything is written, so that a refused request gets its HTTP status.
        await using var chunks = gateway.ForwardStreamAsync(endpoint, "chat/completions", body, ct).GetAsyncEnumerator(ct);
        bool more;
        try
        {
            more = await WithProviderModelAsync(body, name, endpoint, async () => await chunks.MoveNextAsync());
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            await gateway.CompleteAsync(new GatewayCall("chat.completions", model.Name, body, null, 0, 0, Stopwatch.GetElapsedTime(started), GatewayCallStatus.Failed, e.Message), CancellationToken.None);
            return OpenAiErrors.Refused(model.Name, e);
        }
        finally
        {
            // The body is sent by now; the trace keeps the client's stream_options.
            if (clientOptions is JsonObject restored)
            {
                if (hadInclude)
                {
                    restored["include_usage"] = clientInclude;
                }
                else
                {
                    restored.Remove("include_usage");
                }
            }
            else if (clientOptions is null)
            {
                body.Remove("stream_options");
            }
            else
            {
                body["stream_options"] = clientOptions;
            }
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

    /// <summary>Default of <c>Gateway:MaxRequestBytes</c>: the largest request body <c>/v1/*</c> reads (8 MiB).</summary>
    public const long DefaultMaxRequestBytes = 8L * 1024 * 1024;

    /// <summary>Default of <c>Gateway:MaxChoices</c>: the largest <c>n</c> a chat completion may ask for.</summary>
    public const int DefaultMaxChoices = 8;

    /// <summary>
    /// Fields never forwarded to a provider, because they choose where a call goes, what it may cost or with which
    /// credentials — the platform decides those: <c>models</c> / <c>route</c> / <c>provider</c> (aggregators' fallback
    /// and routing, e.g. OpenRouter), <c>api_base</c> / <c>base_url</c> / <c>api_key</c> / <c>extra_headers</c> /
    /// <c>extra_body</c> (client-library options that proxies such as LiteLLM honour in a body) and <c>transforms</c>
    /// (OpenRouter's prompt rewriting). Every other field, known or not, is forwarded as written.
    /// </summary>
    internal static readonly string[] StrippedFields = ["models", "route", "provider", "api_base", "base_url", "api_key", "extra_headers", "extra_body", "transforms"];

    private static void Strip(JsonObject body)
    {
        foreach (var field in StrippedFields)
        {
            body.Remove(field);
        }
    }

    /// <summary>Runs <paramref name="send"/> with the provider's model id in the body, then puts the client's name back.</summary>
    private static async Task<T> WithProviderModelAsync<T>(JsonObject body, string name, ProviderEndpoint endpoint, Func<Task<T>> send)
    {
        body["model"] = endpoint.ModelId;
        try
        {
            return await send();
        }
        finally
        {
            body["model"] = name;
        }
    }

    private static int Limit(HttpContext http, string key, int fallback) =>
        http.RequestServices.GetRequiredService<IConfiguration>().GetValue(key, fallback) is var v && v > 0 ? v : fallback;

    /// <summary>The body as one JSON object, at most <c>Gateway:MaxRequestBytes</c> long (413 in OpenAI's shape above).</summary>
    private static async Task<JsonObject> ReadAsync(HttpContext http, CancellationToken ct)
    {
        var configured = http.RequestServices.GetRequiredService<IConfiguration>().GetValue("Gateway:MaxRequestBytes", DefaultMaxRequestBytes);
        var max = configured > 0 ? configured : DefaultMaxRequestBytes;
        if (http.Request.ContentLength > max)
        {
            throw new GatewayLimitException(413, "body", $"The request body is larger than {max} bytes (Gateway:MaxRequestBytes).");
        }

        using var buffer = new MemoryStream();
        var chunk = new byte[81920];
        int read;
        while ((read = await http.Request.Body.ReadAsync(chunk, ct)) > 0)
        {
            if (buffer.Length + read > max)
            {
                throw new GatewayLimitException(413, "body", $"The request body is larger than {max} bytes (Gateway:MaxRequestBytes).");
            }

            buffer.Write(chunk, 0, read);
        }

        return JsonNode.Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length)) as JsonObject ?? throw new ValidationException("body", "The body is a JSON object.");
    }

    private static string ModelOf(JsonObject body) =>
        body["model"] is JsonValue m && m.GetValueKind() == JsonValueKind.String ? m.GetValue<string>() : throw new ValidationException("model", "'model' is required.");

    private static int EstimatedTokens(string? text) => text is null ? 0 : (text.Length / 4) + 1;

    /// <summary>A prompt a provider did not count: its messages' JSON, about four characters a token.</summary>
    private static int EstimatedPromptTokens(JsonObject body) => EstimatedTokens(body["messages"]?.ToJsonString());

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

            // With n > 1 each chunk carries one choice, by its index: the trace keeps the first choice only.
            var first = chunk["choices"] is JsonArray choices
                ? choices.OfType<JsonObject>().FirstOrDefault(c => c["index"] is not JsonValue i || (i.GetValueKind() == JsonValueKind.Number && i.TryGetValue<int>(out var k) && k == 0))
                : null;
            if (first?["delta"] is JsonObject delta)
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

        /// <summary>
        /// The call so far. Without the provider's usage (a stream that failed or was stopped before its usage chunk,
        /// or a provider that does not count) the prompt is estimated from the request and the completion from the
        /// characters streamed (about four a token, at least one a piece), so that what was delivered is counted.
        /// </summary>
        public GatewayCall Call(string model, JsonObject request, long started, GatewayCallStatus status, string? error = null) =>
            new("chat.completions", model, request, _text.ToString(), _prompt ?? (_pieces > 0 || status != GatewayCallStatus.Failed ? EstimatedPromptTokens(request) : 0), _completion ?? Math.Max(_pieces, _text.Length / 4), Stopwatch.GetElapsedTime(started), status, error);
    }
}

/// <summary>A request over one of the gateway's limits (413 body size, 400 otherwise), in OpenAI's error shape.</summary>
internal sealed class GatewayLimitException(int status, string param, string message) : Exception(message)
{
    public int Status { get; } = status;

    public string Param { get; } = param;
}
