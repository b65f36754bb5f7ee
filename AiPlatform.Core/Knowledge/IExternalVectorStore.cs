namespace AiPlatform.Core.Knowledge;

/// <summary>
/// A vector store outside the process (Infrastructure: PostgreSQL with pgvector). When one is configured the
/// in-process graph is not built: ingestion writes vectors to it and the vector half of hybrid retrieval asks it.
/// </summary>
public interface IExternalVectorStore
{
    string Name { get; }

    /// <summary>Inserts or replaces the vectors of a document's chunks.</summary>
    Task UpsertAsync(Guid kbId, Guid documentId, IReadOnlyList<(Guid ChunkId, float[] Vector)> vectors, CancellationToken ct);

    /// <summary>Deletes a document's vectors except those of <paramref name="keep"/>.</summary>
    Task DeleteDocumentAsync(Guid kbId, Guid documentId, IReadOnlyCollection<Guid> keep, CancellationToken ct);

    Task DeleteKnowledgeBaseAsync(Guid kbId, CancellationToken ct);

    /// <summary>The nearest chunks by cosine similarity, best first.</summary>
    Task<IReadOnlyList<(Guid ChunkId, double Similarity)>> SearchAsync(Guid kbId, float[] query, int k, CancellationToken ct);
}
