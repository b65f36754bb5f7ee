using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;

namespace AiPlatform.Core.Knowledge;

/// <summary>A securable collection of documents, chunked and embedded for retrieval.</summary>
public sealed class KnowledgeBase : IOwnedObject
{
    public const string LocalEmbedding = "local:all-MiniLM-L6-v2";

    public Guid Id { get; set; }

    public required string Name { get; set; }

    public string? Description { get; set; }

    public Guid OwnerId { get; set; }

    /// <summary>Characters per chunk.</summary>
    public int ChunkSize { get; set; } = 1000;

    public int ChunkOverlap { get; set; } = 150;

    /// <summary>Chunks never cross a heading and carry it.</summary>
    public bool SplitByHeadings { get; set; } = true;

    /// <summary><see cref="LocalEmbedding"/> or the name of a platform LLM model whose provider serves <c>/v1/embeddings</c>.</summary>
    public string EmbeddingModel { get; set; } = LocalEmbedding;

    /// <summary>Cosine similarity under which a chunk is not returned (0 to 1).</summary>
    public double RelevanceThreshold { get; set; } = 0.2;

    /// <summary>Grows on every change to the chunks; indexes compare it to know they are stale.</summary>
    public long IndexVersion { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

public enum DocumentStatus
{
    Pending,
    Processing,
    Ready,
    Failed,
}

public sealed class KnowledgeDocument
{
    public Guid Id { get; set; }

    public Guid KnowledgeBaseId { get; set; }

    public required string FileName { get; set; }

    public long SizeBytes { get; set; }

    public required string ObjectKey { get; set; }

    public required string Sha256 { get; set; }

    public DocumentStatus Status { get; set; }

    public string? Error { get; set; }

    public double Progress { get; set; }

    public int ChunkCount { get; set; }

    public Guid? JobId { get; set; }

    public required string CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset UpdatedAt { get; set; }
}

public sealed class KnowledgeChunk
{
    public Guid Id { get; set; }

    public Guid KnowledgeBaseId { get; set; }

    public Guid DocumentId { get; set; }

    public int Ordinal { get; set; }

    public string? Heading { get; set; }

    public required string Text { get; set; }

    /// <summary>The unit-length embedding, float32 little-endian.</summary>
    public required byte[] Embedding { get; set; }
}

public enum RetrievalMode
{
    Hybrid,
    Vector,
    Keyword,
}

/// <summary>One retrieved chunk: its fused score, its cosine similarity to the question and its rank in each list (1-based, null when absent).</summary>
public sealed record RetrievalHit(
    Guid KnowledgeBaseId,
    Guid ChunkId,
    Guid DocumentId,
    string DocumentName,
    int Ordinal,
    string? Heading,
    string Text,
    double Score,
    double Similarity,
    int? VectorRank,
    int? KeywordRank);

/// <summary>A source an answer used, stored with the message.</summary>
public sealed record Citation(int Index, Guid KnowledgeBaseId, Guid DocumentId, string DocumentName, Guid ChunkId, int Ordinal, string? Heading, string Snippet, double Similarity);

/// <summary>The document could not be read (corrupt, encrypted, unsupported); the message says why.</summary>
public sealed class DocumentUnreadableException(string message) : Exception(message);

/// <summary>Reads the text of a document, keeping its headings (Infrastructure: txt, md, html, pdf, docx).</summary>
public interface ITextExtractor
{
    bool Supports(string fileName);

    Task<IReadOnlyList<DocumentSection>> ExtractAsync(Stream content, string fileName, CancellationToken ct);
}

/// <summary>Turns text into unit vectors.</summary>
public interface IEmbedder
{
    string Name { get; }

    Task<float[][]> EmbedAsync(IReadOnlyList<string> texts, CancellationToken ct);
}

/// <summary>Gives the embedder named by a knowledge base (<see cref="KnowledgeBase.EmbeddingModel"/>).</summary>
public interface IEmbedderFactory
{
    /// <summary>
    /// The embedder for work done on behalf of <paramref name="userId"/>: a provider's model takes the user's right to
    /// chat with it (<see cref="Access.ForbiddenException"/> otherwise) and counts in their usage and quota.
    /// </summary>
    Task<IEmbedder> GetAsync(string embeddingModel, Guid userId, CancellationToken ct);
}

public interface IKnowledgeStore
{
    Task<IReadOnlyList<KnowledgeBase>> ListAsync(CancellationToken ct);

    Task<KnowledgeBase?> FindAsync(Guid id, CancellationToken ct);

    /// <summary>Documents and chunks per knowledge base.</summary>
    Task<IReadOnlyDictionary<Guid, (int Documents, int Chunks)>> CountsAsync(CancellationToken ct);

    Task<bool> NameTakenAsync(Guid ownerId, string name, Guid? except, CancellationToken ct);

    Task SaveAsync(KnowledgeBase kb, bool isNew, AuditEntry audit, CancellationToken ct);

    /// <summary>Deletes the knowledge base, its documents, chunks and grants (its files are the caller's).</summary>
    Task DeleteAsync(Guid id, AuditEntry audit, CancellationToken ct);

    Task<IReadOnlyList<KnowledgeDocument>> ListDocumentsAsync(Guid kbId, CancellationToken ct);

    Task<KnowledgeDocument?> FindDocumentAsync(Guid kbId, Guid documentId, CancellationToken ct);

    Task<KnowledgeDocument?> FindDocumentByNameAsync(Guid kbId, string fileName, CancellationToken ct);

    Task SaveDocumentAsync(KnowledgeDocument document, bool isNew, AuditEntry? audit, CancellationToken ct);

    Task UpdateProgressAsync(Guid documentId, DocumentStatus status, double progress, string? error, CancellationToken ct);

    /// <summary>Records the ingestion job of a document, touching nothing else (the job may already be running).</summary>
    Task SetJobAsync(Guid documentId, Guid jobId, CancellationToken ct);

    /// <summary>In one transaction: the document's chunks become <paramref name="chunks"/>, it is Ready, the index version grows.</summary>
    Task ReplaceChunksAsync(KnowledgeDocument document, IReadOnlyList<KnowledgeChunk> chunks, CancellationToken ct);

    /// <summary>Deletes a document and its chunks (the index version grows).</summary>
    Task DeleteDocumentAsync(Guid kbId, Guid documentId, AuditEntry audit, CancellationToken ct);

    /// <summary>Every chunk id of the knowledge base with the index version read in the same snapshot.</summary>
    Task<(long Version, IReadOnlyList<Guid> ChunkIds)> ListChunkIdsAsync(Guid kbId, CancellationToken ct);

    Task<IReadOnlyList<KnowledgeChunk>> LoadChunksAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct);

    Task<IReadOnlyList<KnowledgeChunk>> ListDocumentChunksAsync(Guid documentId, CancellationToken ct);

    /// <summary>Which documents are objects of this store (garbage collection of blobs after a replace).</summary>
    Task<IReadOnlyDictionary<Guid, string>> DocumentNamesAsync(IReadOnlyCollection<Guid> documentIds, CancellationToken ct);
}

/// <summary>Where index snapshots live between restarts (Infrastructure: the data folder).</summary>
public interface IIndexSnapshotStore
{
    Stream? OpenRead(Guid kbId);

    /// <summary>Writes atomically (temporary file, then rename).</summary>
    void Write(Guid kbId, Action<Stream> write);

    void Delete(Guid kbId);
}

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
