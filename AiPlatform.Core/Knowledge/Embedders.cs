using AiPlatform.Core.Chat;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using Microsoft.Extensions.AI;

namespace AiPlatform.Core.Knowledge;

/// <summary>The built-in embedding model, running in process (Infrastructure: all-MiniLM-L6-v2 on ONNX Runtime).</summary>
public interface ILocalEmbedder : IEmbedder;

/// <summary>Local model, or a provider's <c>/v1/embeddings</c> for a platform model name.</summary>
public sealed class EmbedderFactory(ILocalEmbedder local, IChatStore chat, ILlmConnector connector, ISecretProtector secrets) : IEmbedderFactory
{
    public async Task<IEmbedder> GetAsync(string embeddingModel, CancellationToken ct)
    {
        if (embeddingModel == KnowledgeBase.LocalEmbedding)
        {
            return local;
        }

        var model = await chat.FindModelByNameAsync(embeddingModel, ct) ?? throw new NotFoundException("Model", embeddingModel);
        var provider = await chat.FindProviderAsync(model.ProviderId, ct) ?? throw new NotFoundException("Provider", model.ProviderId);
        if (!model.Enabled || !provider.Enabled)
        {
            throw new ProviderUnavailableException($"The embedding model '{embeddingModel}' is disabled.");
        }

        var key = provider.ApiKeyProtected is { } p ? secrets.Unprotect(p) : null;
        return new ProviderEmbedder(embeddingModel, connector.CreateEmbeddingGenerator(provider.BaseUrl, key, model.ModelId));
    }

    private sealed class ProviderEmbedder(string name, IEmbeddingGenerator<string, Embedding<float>> generator) : IEmbedder
    {
        public string Name => name;

        public async Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken ct)
        {
            try
            {
                var result = await generator.GenerateAsync(texts, cancellationToken: ct);
                return [.. result.Select(e => VectorMath.Normalize(e.Vector.ToArray()))];
            }
            catch (Exception e) when (e is not OperationCanceledException || !ct.IsCancellationRequested)
            {
                throw new ProviderUnavailableException($"The embedding model '{name}' did not answer: {e.Message}");
            }
        }
    }
}
