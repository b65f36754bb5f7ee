using System.Diagnostics;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Chat;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Apps.Nodes;

/// <summary>What an LLM-backed node asks the gateway for.</summary>
/// <param name="ResponseFormat">OpenAI's <c>response_format</c> (a JSON schema), or null for free text.</param>
internal sealed record LlmAsk(string Model, JsonArray Messages, double? Temperature, int? MaxTokens, JsonObject? ResponseFormat);

/// <summary>The model's answer and what it cost, in the platform's model name.</summary>
internal sealed record LlmReply(string Text, string Model, long PromptTokens, long CompletionTokens)
{
    public JsonObject Usage => new() { ["promptTokens"] = PromptTokens, ["completionTokens"] = CompletionTokens, ["totalTokens"] = PromptTokens + CompletionTokens };
}

/// <summary>
/// The LLM, classifier and extractor nodes' way to a model: the same path as the OpenAI-compatible gateway
/// (<see cref="GatewayService"/>): the run-as user's daily allowance, a model they may use, the call forwarded to its
/// provider, and every call ended with <see cref="GatewayService.CompleteAsync"/> so its tokens count to that user
/// and it is traced. Failures become <see cref="PlatformException"/>s that name the node.
/// </summary>
internal static class LlmCall
{
    public static async Task<LlmReply> CompleteAsync(GatewayService gateway, NodeRunContext context, LlmAsk ask, Func<string, ValueTask>? onDelta, CancellationToken ct)
    {
        var nodeId = context.Node.Id;
        try
        {
            await gateway.EnsureAllowanceAsync(ct);
        }
        catch (QuotaExceededException e)
        {
            throw new QuotaExceededException(e.Message, e.ResetsAt) { MessageKey = "Apps.Error.LlmQuota", MessageArguments = [nodeId, e.ResetsAt] };
        }

        LlmModel model;
        ProviderEndpoint endpoint;
        try
        {
            (model, endpoint) = await gateway.GetEndpointAsync(ask.Model, ct);
        }
        catch (NotFoundException)
        {
            // The model is gone, disabled, or not granted to the user the app runs as: the gateway's 404.
            throw new NotFoundException("Model", ask.Model) { MessageKey = "Apps.Error.LlmModelNotFound", MessageArguments = [nodeId, ask.Model] };
        }

        var body = new JsonObject { ["model"] = model.Name, ["messages"] = ask.Messages.DeepClone() };
        if (ask.Temperature is { } temperature)
        {
            body["temperature"] = temperature;
        }

        if (ask.MaxTokens is { } max)
        {
            body["max_tokens"] = max;
        }

        if (ask.ResponseFormat is { } format)
        {
            body["response_format"] = format.DeepClone();
        }

        body["stream"] = onDelta is not null;
        context.Span.SetAttribute("llm.model", model.Name);
        var reply = onDelta is null
            ? await AskAsync(gateway, nodeId, model, endpoint, body, ct)
            : await StreamAsync(gateway, nodeId, model, endpoint, body, onDelta, ct);
        context.Span.SetTokenUsage(reply.PromptTokens, reply.CompletionTokens);
        return reply;
    }

    /// <summary>A call outside a node (an evaluation's LLM judge), on the same path; failures name <paramref name="label"/>.</summary>
    public static async Task<LlmReply> CompleteForWorkAsync(GatewayService gateway, string label, LlmAsk ask, CancellationToken ct)
    {
        await gateway.EnsureAllowanceAsync(ct);
        var (model, endpoint) = await gateway.GetEndpointAsync(ask.Model, ct);
        var body = new JsonObject { ["model"] = model.Name, ["messages"] = ask.Messages.DeepClone(), ["stream"] = false };
        if (ask.Temperature is { } temperature)
        {
            body["temperature"] = temperature;
        }

        if (ask.MaxTokens is { } max)
        {
            body["max_tokens"] = max;
        }

        if (ask.ResponseFormat is { } format)
        {
            body["response_format"] = format.DeepClone();
        }

        return await AskAsync(gateway, label, model, endpoint, body, ct);
    }

    /// <summary>The answer as JSON, or <c>Apps.Error.LlmNotJson</c> (a fenced <c>```json</c> block is unwrapped first).</summary>
    public static JsonNode ParseJson(string nodeId, string text)
    {
        var trimmed = text.Trim();
        if (trimmed.StartsWith("```", StringComparison.Ordinal))
        {
            var start = trimmed.IndexOf('\n');
            var end = trimmed.LastIndexOf("```", StringComparison.Ordinal);
            if (start > 0 && end > start)
            {
                trimmed = trimmed[(start + 1)..end].Trim();
            }
        }

        try
        {
            return JsonNode.Parse(trimmed) ?? throw NotJson(nodeId, text);
        }
        catch (JsonException)
        {
            throw NotJson(nodeId, text);
        }
    }

    /// <summary>OpenAI's <c>response_format</c> for a JSON schema.</summary>
    public static JsonObject SchemaFormat(string name, JsonObject schema) =>
        new() { ["type"] = "json_schema", ["json_schema"] = new JsonObject { ["name"] = name, ["schema"] = schema.DeepClone(), ["strict"] = true } };

    public static JsonObject Message(string role, string content) => new() { ["role"] = role, ["content"] = content };

    private static ValidationException NotJson(string nodeId, string text) =>
        new("json", $"Node '{nodeId}': the model's answer is not valid JSON: {ServiceNodeConfig.Excerpt(text)}") { MessageKey = "Apps.Error.LlmNotJson", MessageArguments = [nodeId, ServiceNodeConfig.Excerpt(text)] };

    private static async Task<LlmReply> AskAsync(GatewayService gateway, string nodeId, LlmModel model, ProviderEndpoint endpoint, JsonObject body, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        JsonObject answer;
        try
        {
            answer = await gateway.ForwardAsync(endpoint, "chat/completions", Sent(body, endpoint), ct);
        }
        catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
        {
            await gateway.CompleteAsync(new GatewayCall("chat.completions", model.Name, body, null, 0, 0, Stopwatch.GetElapsedTime(started), GatewayCallStatus.Failed, e.Message), CancellationToken.None);
            throw Failed(nodeId, model.Name, e);
        }

        var text = AnswerOf(answer) ?? string.Empty;
        var (prompt, completion) = Usage(answer["usage"]);
        var call = new GatewayCall("chat.completions", model.Name, body, text, prompt ?? EstimatedPromptTokens(body), completion ?? EstimatedTokens(text), Stopwatch.GetElapsedTime(started), GatewayCallStatus.Completed);
        await gateway.CompleteAsync(call, CancellationToken.None);
        return new LlmReply(text, model.Name, call.PromptTokens, call.CompletionTokens);
    }

    private static async Task<LlmReply> StreamAsync(GatewayService gateway, string nodeId, LlmModel model, ProviderEndpoint endpoint, JsonObject body, Func<string, ValueTask> onDelta, CancellationToken ct)
    {
        var started = Stopwatch.GetTimestamp();
        var sent = Sent(body, endpoint);
        sent["stream_options"] = new JsonObject { ["include_usage"] = true };
        var text = new StringBuilder();
        var pieces = 0;
        int? prompt = null;
        int? completion = null;
        GatewayCall Call(GatewayCallStatus status, string? error = null) =>
            new("chat.completions", model.Name, body, text.ToString(),
                prompt ?? (pieces > 0 || status != GatewayCallStatus.Failed ? EstimatedPromptTokens(body) : 0),
                completion ?? Math.Max(pieces, text.Length / 4), Stopwatch.GetElapsedTime(started), status, error);
        try
        {
            await foreach (var chunk in gateway.ForwardStreamAsync(endpoint, "chat/completions", sent, ct).WithCancellation(ct))
            {
                if (Usage(chunk["usage"]) is ({ } p, var c))
                {
                    (prompt, completion) = (p, c);
                }

                if (chunk["choices"] is JsonArray { Count: > 0 } choices && choices[0]?["delta"]?["content"] is JsonValue v
                    && v.GetValueKind() == JsonValueKind.String && v.GetValue<string>() is { Length: > 0 } piece)
                {
                    text.Append(piece);
                    pieces++;
                    await onDelta(piece);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
            // The run was cancelled or the node timed out: what was delivered still counts.
            await gateway.CompleteAsync(Call(GatewayCallStatus.Cancelled), CancellationToken.None);
            throw;
        }
        catch (Exception e)
        {
            await gateway.CompleteAsync(Call(GatewayCallStatus.Failed, e.Message), CancellationToken.None);
            throw Failed(nodeId, model.Name, e);
        }

        var call = Call(GatewayCallStatus.Completed);
        await gateway.CompleteAsync(call, CancellationToken.None);
        return new LlmReply(call.Answer ?? string.Empty, model.Name, call.PromptTokens, call.CompletionTokens);
    }

    /// <summary>The body as the provider gets it: its own id for the model.</summary>
    private static JsonObject Sent(JsonObject body, ProviderEndpoint endpoint)
    {
        var sent = (JsonObject)body.DeepClone();
        sent["model"] = endpoint.ModelId;
        return sent;
    }

    private static PlatformException Failed(string nodeId, string model, Exception e)
    {
        var detail = ServiceNodeConfig.Excerpt(e is ProviderException p ? $"{p.Status}: {p.Detail}" : e.Message);
        return new ProviderUnavailableException($"Node '{nodeId}': the model '{model}' did not answer: {detail}") { MessageKey = "Apps.Error.LlmFailed", MessageArguments = [nodeId, model, detail] };
    }

    private static string? AnswerOf(JsonObject answer) =>
        answer["choices"] is JsonArray { Count: > 0 } choices && choices[0]?["message"] is JsonObject message
            ? message["content"] is JsonValue c && c.GetValueKind() == JsonValueKind.String ? c.GetValue<string>() : message["tool_calls"]?.ToJsonString()
            : null;

    private static (int? Prompt, int? Completion) Usage(JsonNode? usage) =>
        usage is JsonObject u ? (Int(u["prompt_tokens"]), Int(u["completion_tokens"])) : (null, null);

    private static int? Int(JsonNode? node) => node is JsonValue v && v.GetValueKind() == JsonValueKind.Number && v.TryGetValue<int>(out var n) ? n : null;

    private static int EstimatedTokens(string? text) => text is null ? 0 : (text.Length / 4) + 1;

    private static int EstimatedPromptTokens(JsonObject body) => EstimatedTokens(body["messages"]?.ToJsonString());
}
