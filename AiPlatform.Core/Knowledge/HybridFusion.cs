namespace AiPlatform.Core.Knowledge;

/// <summary>
/// Hybrid fusion of the vector and keyword lists: a weighted sum of the two scores, each divided by the best of its list,
/// where the embedding model serves the languages involved; keyword-led where it does not. The default weight is chosen
/// from the measurements on the English and Chinese test corpora (RetrievalQualityTests; docs/user-guide/knowledge.md).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><see cref="RankingStrategy.Fused"/> (Hybrid mode, the model serves the question's language): a chunk scores
/// <c>w·cos/maxCos + (1-w)·bm25/maxBm25</c>, each term only where the chunk is in that list. A chunk whose own language the
/// model does not serve gets no vector term. Scores are relative to the best of each list, so the weight means the same
/// whatever the corpus (reciprocal-rank fusion was measured worse than vectors alone on paraphrased English questions).</item>
/// <item><see cref="RankingStrategy.KeywordLed"/> (Hybrid mode, the model does not serve the question's language): the
/// keyword hits first, by <c>bm25/maxBm25</c> (equal BM25 scores are broken by cosine), then the vector-only hits with
/// score 0, by cosine. No vector counts.</item>
/// <item><see cref="RankingStrategy.KeywordOnly"/> / <see cref="RankingStrategy.VectorOnly"/>: one list, its score divided by the best.</item>
/// </list>
/// Every score is between 0 and 1, the best hit of a list alone scoring 1, so chat can merge the hits of several knowledge bases.
/// </remarks>
public static class HybridFusion
{
    /// <summary>
    /// A keyword hit whose BM25 score is at least this share of the best keeps its place whatever its cosine: exact terms
    /// (error codes, product names) are what embeddings blur, so the cosine threshold does not drop them.
    /// </summary>
    public const double StrongKeywordShare = 0.5;

    /// <summary>
    /// The vector list's share when a knowledge base does not set one (see <see cref="KnowledgeBase.VectorWeight"/>):
    /// measured by RetrievalQualityTests on the shipped English and Chinese corpora, the best English hybrid recall among
    /// the weights that keep questions hinging on one keyword (error codes) at their best.
    /// </summary>
    public const double DefaultVectorWeight = 0.75;

    /// <summary>How a question in <paramref name="questionLanguage"/> is ranked in <paramref name="mode"/> by a knowledge base embedded with <paramref name="embedder"/>.</summary>
    public static RankingStrategy StrategyFor(RetrievalMode mode, EmbeddingLanguageInfo embedder, string? questionLanguage) => mode switch
    {
        RetrievalMode.Keyword => RankingStrategy.KeywordOnly,
        RetrievalMode.Vector => RankingStrategy.VectorOnly,
        _ => embedder.Serves(questionLanguage) ? RankingStrategy.Fused : RankingStrategy.KeywordLed,
    };

    /// <summary>
    /// Ranks the candidates, best first.
    /// </summary>
    /// <param name="vector">The vector list, best first: chunk and cosine similarity.</param>
    /// <param name="keyword">The keyword list, best first: chunk and BM25 score.</param>
    /// <param name="languageOf">The <see cref="TextLanguage"/> of a chunk (null: no letters, served by any model).</param>
    /// <param name="embedder">What the knowledge base's embedding model serves.</param>
    /// <param name="questionLanguage">The question's <see cref="TextLanguage"/>.</param>
    /// <param name="mode">The retrieval mode; Keyword and Vector use their own list alone.</param>
    /// <param name="vectorWeight">The vector list's share <c>w</c> in fused ranking, 0 to 1.</param>
    public static IReadOnlyList<IndexHit> Fuse(
        IReadOnlyList<(Guid ChunkId, double Similarity)> vector,
        IReadOnlyList<(Guid ChunkId, double Score)> keyword,
        Func<Guid, string?> languageOf,
        EmbeddingLanguageInfo embedder,
        string? questionLanguage,
        RetrievalMode mode,
        double vectorWeight)
    {
        var strategy = StrategyFor(mode, embedder, questionLanguage);
        var candidates = new Dictionary<Guid, Candidate>();
        Candidate Get(Guid id)
        {
            if (!candidates.TryGetValue(id, out var c))
            {
                candidates[id] = c = new Candidate(id, languageOf(id));
            }

            return c;
        }

        if (strategy != RankingStrategy.KeywordOnly)
        {
            for (var i = 0; i < vector.Count; i++)
            {
                var c = Get(vector[i].ChunkId);
                if (c.VectorRank is null)
                {
                    (c.VectorRank, c.Similarity) = (i + 1, vector[i].Similarity);
                }
            }
        }

        if (strategy != RankingStrategy.VectorOnly)
        {
            for (var i = 0; i < keyword.Count; i++)
            {
                var c = Get(keyword[i].ChunkId);
                if (c.KeywordRank is null)
                {
                    (c.KeywordRank, c.KeywordScore) = (i + 1, keyword[i].Score);
                }
            }
        }

        var topKeyword = keyword.Count > 0 && keyword[0].Score > 0 ? keyword[0].Score : 1;
        var topSimilarity = candidates.Values
            .Where(c => c.VectorRank is not null && (strategy == RankingStrategy.VectorOnly || embedder.Serves(c.Language)))
            .Select(c => c.Similarity ?? 0).DefaultIfEmpty(0).Max();
        double KeywordPart(Candidate c) => c.KeywordScore is { } b ? b / topKeyword : 0;
        double VectorPart(Candidate c) => c.Similarity is { } cos && c.VectorRank is not null && topSimilarity > 0 ? Math.Max(0, cos) / topSimilarity : 0;
        var w = Math.Clamp(vectorWeight, 0, 1);
        foreach (var c in candidates.Values)
        {
            c.KeywordShare = KeywordPart(c);
            (c.Score, c.VectorUsed) = strategy switch
            {
                RankingStrategy.KeywordOnly => (KeywordPart(c), false),
                RankingStrategy.VectorOnly => (VectorPart(c), true),
                RankingStrategy.Fused when embedder.Serves(c.Language) => ((w * VectorPart(c)) + ((1 - w) * KeywordPart(c)), true),
                RankingStrategy.Fused => ((1 - w) * KeywordPart(c), false),
                _ => (KeywordPart(c), false), // keyword-led: vector-only hits score 0 and come last, by cosine
            };
        }

        return
        [
            .. candidates.Values
                .OrderByDescending(c => c.Score)
                .ThenByDescending(c => c.Similarity ?? double.NegativeInfinity)
                .ThenBy(c => c.KeywordRank ?? int.MaxValue)
                .ThenBy(c => c.VectorRank ?? int.MaxValue)
                .Select(c => new IndexHit(c.ChunkId, c.Score, c.Similarity, c.VectorRank, c.KeywordRank, c.KeywordScore, c.VectorUsed, c.Language, c.KeywordShare)),
        ];
    }

    /// <summary>
    /// Whether the relevance threshold keeps a hit. Where the vector counted it is a cosine, except that a strong keyword
    /// hit (BM25 at least <see cref="StrongKeywordShare"/> of the best) stays whatever its cosine; where the vector did
    /// not count (keyword-led, or a chunk in a language the model does not serve) it applies to the keyword score as a
    /// share of the best keyword hit, since a cosine the model cannot mean says nothing. A hit only the vector list found
    /// is held to the cosine. Keyword mode keeps everything.
    /// </summary>
    public static bool PassesThreshold(IndexHit hit, double similarity, RetrievalMode mode, double threshold) =>
        mode == RetrievalMode.Keyword
        || (hit.KeywordRank is null
            ? similarity >= threshold
            : hit.VectorUsed ? hit.KeywordShare >= StrongKeywordShare || similarity >= threshold : hit.KeywordShare >= threshold);

    private sealed class Candidate(Guid chunkId, string? language)
    {
        public Guid ChunkId { get; } = chunkId;

        public string? Language { get; } = language;

        public double Score { get; set; }

        public double? Similarity { get; set; }

        public int? VectorRank { get; set; }

        public int? KeywordRank { get; set; }

        public double? KeywordScore { get; set; }

        public bool VectorUsed { get; set; }

        public double KeywordShare { get; set; }
    }
}
