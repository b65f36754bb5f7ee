using Microsoft.Extensions.AI;

namespace AiPlatform.Core.Chat;

/// <summary>A model as a provider lists it; <paramref name="ContextTokens"/> where the provider says.</summary>
public sealed record RemoteModel(string Id, int? ContextTokens);

/// <summary>Talks to OpenAI-compatible endpoints (Infrastructure).</summary>
public interface ILlmConnector
{
    Task<IReadOnlyList<RemoteModel>> ListModelsAsync(string baseUrl, string? apiKey, CancellationToken ct);

    IChatClient CreateChatClient(string baseUrl, string? apiKey, string modelId);

    IEmbeddingGenerator<string, Embedding<float>> CreateEmbeddingGenerator(string baseUrl, string? apiKey, string modelId);
}
