namespace AiPlatform.Core.Knowledge;

/// <summary>Gives the embedder named by a knowledge base (<see cref="KnowledgeBase.EmbeddingModel"/>).</summary>
public interface IEmbedderFactory
{
    /// <summary>
    /// The embedder for work done on behalf of <paramref name="userId"/>: a provider's model takes the user's right to
    /// chat with it (<see cref="Access.ForbiddenException"/> otherwise) and counts in their usage and quota.
    /// </summary>
    Task<IEmbedder> GetAsync(string embeddingModel, Guid userId, CancellationToken ct);

    /// <summary>The languages <paramref name="embeddingModel"/> serves (no right needed: it names what a knowledge base already uses).</summary>
    Task<EmbeddingLanguageInfo> DescribeAsync(string embeddingModel, CancellationToken ct);
}
