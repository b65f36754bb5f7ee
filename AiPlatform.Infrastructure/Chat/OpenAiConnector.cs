using System.ClientModel;
using System.Net.Http.Headers;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Chat;
using Microsoft.Extensions.AI;
using OpenAI;

namespace AiPlatform.Infrastructure.Chat;

/// <summary>
/// OpenAI-compatible endpoints: chat (and knowledge-base embeddings) through the official OpenAI SDK and
/// Microsoft.Extensions.AI's <see cref="IChatClient"/>, the gateway's calls as raw JSON (<see cref="OpenAiPassThrough"/>,
/// so that nothing the client sent is dropped); every connection goes through the outbound host guard (a provider's base URL cannot reach loopback or metadata).
/// </summary>
public sealed class OpenAiConnector(IHttpClientFactory http, ChatProviderOptions options) : ILlmConnector
{
    public const string SdkClient = nameof(OpenAiConnector) + ".Sdk";

    public async Task<IReadOnlyList<RemoteModel>> ListModelsAsync(string baseUrl, string? apiKey, CancellationToken ct)
    {
        var client = http.CreateClient(nameof(OpenAiConnector));
        using var request = new HttpRequestMessage(HttpMethod.Get, baseUrl.TrimEnd('/') + "/models");
        if (apiKey is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", apiKey);
        }

        try
        {
            using var response = await client.SendAsync(request, ct);
            var body = await response.Content.ReadAsStringAsync(ct);
            if (!response.IsSuccessStatusCode)
            {
                throw new ProviderUnavailableException($"The provider answered {(int)response.StatusCode}: {Message(body)}");
            }

            using var doc = JsonDocument.Parse(body);
            return [.. doc.RootElement.GetProperty("data").EnumerateArray().Select(m => new RemoteModel(m.GetProperty("id").GetString()!, ContextOf(m))).OrderBy(m => m.Id, StringComparer.Ordinal)];
        }
        catch (HttpRequestException e) when (e.InnerException is AiPlatform.Core.Common.HostNotAllowedException denied)
        {
            throw denied;
        }
        catch (HttpRequestException e)
        {
            throw new ProviderUnavailableException($"The provider cannot be reached: {e.HttpRequestError}.");
        }
        catch (TaskCanceledException) when (!ct.IsCancellationRequested)
        {
            throw new ProviderUnavailableException("The provider did not answer in time.");
        }
        catch (Exception e) when (e is JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new ProviderUnavailableException("The provider's model list is not the OpenAI shape (GET /models → {\"data\": [{\"id\"}]}).");
        }
    }

    public IChatClient CreateChatClient(string baseUrl, string? apiKey, string modelId) =>
        new ProviderFailureChatClient(Client(baseUrl, apiKey).GetChatClient(modelId).AsIChatClient(), options.ProviderTimeout);

    public Task<JsonObject> PostAsync(ProviderEndpoint endpoint, string path, JsonObject body, CancellationToken ct) =>
        PassThrough().PostAsync(endpoint, path, body, ct);

    public IAsyncEnumerable<JsonObject> StreamAsync(ProviderEndpoint endpoint, string path, JsonObject body, CancellationToken ct) =>
        PassThrough().StreamAsync(endpoint, path, body, ct);

    private OpenAiPassThrough PassThrough() => new(http.CreateClient(SdkClient), options.ProviderTimeout);

    public IEmbeddingGenerator<string, Embedding<float>> CreateEmbeddingGenerator(string baseUrl, string? apiKey, string modelId) =>
        Client(baseUrl, apiKey).GetEmbeddingClient(modelId).AsIEmbeddingGenerator();

    private OpenAIClient Client(string baseUrl, string? apiKey) =>
        new(new ApiKeyCredential(apiKey ?? "none"), new OpenAIClientOptions
        {
            Endpoint = new Uri(baseUrl),
            NetworkTimeout = options.ProviderTimeout,
            RetryPolicy = new System.ClientModel.Primitives.ClientRetryPolicy(maxRetries: 0),
            Transport = new System.ClientModel.Primitives.HttpClientPipelineTransport(http.CreateClient(SdkClient)),
        });

    /// <summary>
    /// The context window where the model list tells it: vLLM <c>max_model_len</c>, LM Studio and OpenRouter
    /// <c>context_length</c> (LM Studio: <c>loaded_context_length</c> first), Groq <c>context_window</c>, llama.cpp's
    /// server <c>meta.n_ctx</c> or <c>meta.n_ctx_train</c>.
    /// </summary>
    public static int? ContextOf(JsonElement model)
    {
        static int? Number(JsonElement e, string name) =>
            e.ValueKind == JsonValueKind.Object && e.TryGetProperty(name, out var v) && v.ValueKind == JsonValueKind.Number && v.TryGetInt64(out var n) && n > 0
                ? (int)Math.Min(n, int.MaxValue)
                : null;

        return Number(model, "max_model_len")
            ?? Number(model, "loaded_context_length")
            ?? Number(model, "context_length")
            ?? Number(model, "context_window")
            ?? (model.TryGetProperty("meta", out var meta) ? Number(meta, "n_ctx") ?? Number(meta, "n_ctx_train") : null);
    }

    private static string Message(string body) => ErrorMessage(body) ?? (body.Length > 200 ? body[..200] : body);

    /// <summary>The message of an OpenAI-shaped error body (<c>{"error": {"message"}}</c>); null for any other body.</summary>
    internal static string? ErrorMessage(string body)
    {
        try
        {
            using var doc = JsonDocument.Parse(body);
            return doc.RootElement.ValueKind == JsonValueKind.Object && doc.RootElement.TryGetProperty("error", out var e) && e.ValueKind == JsonValueKind.Object && e.TryGetProperty("message", out var m) && m.ValueKind == JsonValueKind.String ? m.GetString() : null;
        }
        catch (JsonException)
        {
            return null;
        }
    }
}
