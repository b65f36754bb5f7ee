using AiPlatform.Core.Access;

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

    /// <summary>
    /// The vector list's share in hybrid fusion (0: keywords only … 1: vectors only); null: the measured default,
    /// <see cref="HybridFusion.DefaultVectorWeight"/>. Only used where the embedding model serves the languages involved.
    /// </summary>
    public double? VectorWeight { get; set; }

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

    /// <summary>The UI resource that says <see cref="Error"/> in the user's language (null: only the English text).</summary>
    public string? ErrorKey { get; set; }

    /// <summary>The placeholders of <see cref="ErrorKey"/>, a JSON array of strings.</summary>
    public string? ErrorArguments { get; set; }

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

    /// <summary>The <see cref="TextLanguage"/> of the heading and text, detected at ingestion; null for chunks stored before it was recorded, or without letters.</summary>
    public string? Language { get; set; }
}

public enum RetrievalMode
{
    Hybrid,
    Vector,
    Keyword,
}

/// <summary>
/// One retrieved chunk: its fused score, its cosine similarity to the question and its rank in each list (1-based,
/// null when absent); its language, and whether its vector counted in the ranking (false where the embedding model does
/// not serve the question's or the chunk's language: then the similarity is shown but neither ranks nor filters it).
/// </summary>
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
    int? KeywordRank,
    string? Language = null,
    bool VectorUsed = true);

/// <summary>How a retrieval ranked: by both lists, led by keywords, or by one list alone.</summary>
public enum RankingStrategy
{
    /// <summary>A weighted sum of the vector and keyword scores, each relative to the best of its list.</summary>
    Fused,

    /// <summary>The embedding model does not serve the question's language: keyword hits first, vectors only break ties and add recall below them.</summary>
    KeywordLed,

    /// <summary>Keyword mode: BM25 alone.</summary>
    KeywordOnly,

    /// <summary>Vector mode: cosine similarity alone.</summary>
    VectorOnly,
}

/// <summary>
/// Why a retrieval ranked as it did, for the retrieval console: the question's language, what the embedding model serves,
/// the weights used and how many hits were in languages the model does not serve. <see cref="Reason"/> is English,
/// <see cref="ReasonKey"/> with <see cref="ReasonArguments"/> says it in the UI's language.
/// </summary>
public sealed record RetrievalRanking(
    RetrievalMode Mode,
    RankingStrategy Strategy,
    string? QuestionLanguage,
    EmbeddingLanguageInfo Embedder,
    double VectorWeight,
    int UnservedHits,
    string Reason,
    string ReasonKey,
    IReadOnlyList<string> ReasonArguments);

/// <summary>The retrieval console's answer: the hits and why they are in that order.</summary>
public sealed record RetrievalResult(IReadOnlyList<RetrievalHit> Hits, RetrievalRanking Ranking);

/// <summary>A source an answer used, stored with the message.</summary>
public sealed record Citation(int Index, Guid KnowledgeBaseId, Guid DocumentId, string DocumentName, Guid ChunkId, int Ordinal, string? Heading, string Snippet, double Similarity);
