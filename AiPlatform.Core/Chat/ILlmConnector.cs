using System.Text.Json.Nodes;
using Microsoft.Extensions.AI;

namespace AiPlatform.Core.Chat;

/// <summary>A model as a provider lists it; <paramref name="ContextTokens"/> where the provider says.</summary>
public sealed record RemoteModel(string Id, int? ContextTokens);

/// <summary>Where a platform model is served: the provider's base URL and key, and the model's id there.</summary>
public sealed record ProviderEndpoint(string BaseUrl, string? ApiKey, string ModelId)
{
    /// <summary>Never the key (records print every member).</summary>
    public override string ToString() => $"{ModelId} at {BaseUrl}";
}

/// <summary>Talks to OpenAI-compatible endpoints (Infrastructure).</summary>
public interface ILlmConnector
{
    Task<IReadOnlyList<RemoteModel>> ListModelsAsync(string baseUrl, string? apiKey, CancellationToken ct);

    IChatClient CreateChatClient(string baseUrl, string? apiKey, string modelId);

    IEmbeddingGenerator<string, Embedding<float>> CreateEmbeddingGenerator(string baseUrl, string? apiKey, string modelId);

    /// <summary>
    /// Posts an OpenAI-shaped JSON body, as it is, to <paramref name="path"/> under the provider's base URL
    /// (<c>chat/completions</c>, <c>embeddings</c>) and returns its JSON answer. A provider's HTTP refusal is a
    /// <see cref="ProviderException"/>, silence past Chat:ProviderTimeout a <see cref="TimeoutException"/>, an unreachable
    /// provider or an answer that is not JSON a <see cref="ProviderUnavailableException"/>.
    /// </summary>
    Task<JsonObject> PostAsync(ProviderEndpoint endpoint, string path, JsonObject body, CancellationToken ct);

    /// <summary>
    /// The same for a streamed answer: the JSON of each server-sent event until <c>[DONE]</c>. The request is sent (and
    /// refused, with the same exceptions) on the first <c>MoveNextAsync</c>; Chat:ProviderTimeout bounds each wait.
    /// </summary>
    IAsyncEnumerable<JsonObject> StreamAsync(ProviderEndpoint endpoint, string path, JsonObject body, CancellationToken ct);
}
