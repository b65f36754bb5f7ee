namespace AiPlatform.Core.Knowledge;

/// <summary>
/// A retrieved chunk before its text is read: its score in the ranking (see <see cref="HybridFusion"/>), the cosine
/// similarity when the vector list had it, its 1-based rank in each list (null when absent) and its BM25 score; the
/// chunk's language, whether its vector counted in the ranking, and its BM25 score as a share of the best keyword hit.
/// </summary>
public sealed record IndexHit(
    Guid ChunkId,
    double Score,
    double? Similarity,
    int? VectorRank,
    int? KeywordRank,
    double? KeywordScore = null,
    bool VectorUsed = true,
    string? Language = null,
    double KeywordShare = 0);
