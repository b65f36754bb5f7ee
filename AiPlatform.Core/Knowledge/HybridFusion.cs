namespace AiPlatform.Core.Knowledge;

/// <summary>
/// Hybrid fusion of the vector and keyword lists: weighted reciprocal rank where the embedding model serves the
/// languages involved, keyword-led where it does not. The defaults are chosen from the measurements on the English and
/// Chinese test corpora (docs/user-guide/knowledge.md shows the table).
/// </summary>
/// <remarks>
/// <list type="bullet">
/// <item><see cref="RankingStrategy.Fused"/> (Hybrid mode, the model serves the question's language): a chunk scores
/// <c>(1-w)/(RrfK+keywordRank) + w/(RrfK+vectorRank)</c>, each term only where the chunk is in that list. A chunk whose
/// own language the model does not serve gets no vector term (its vector rank counts among served chunks only).</item>
/// <item><see cref="RankingStrategy.KeywordLed"/> (Hybrid mode, the model does not serve the question's language): the
/// keyword hits first, in BM25 order (<c>1/(RrfK+rank)</c>, equal BM25 scores share a rank and are broken by cosine), then the
/// vector-only hits with score 0, by cosine. No vector counts.</item>
/// <item><see cref="RankingStrategy.KeywordOnly"/> / <see cref="RankingStrategy.VectorOnly"/>: one list, <c>1/(RrfK+rank)</c>.</item>
/// </list>
/// </remarks>
public static class HybridFusion
{
    /// <summary>The reciprocal-rank constant.</summary>
    public const int RrfK = 60;

    /// <summary>
    /// The vector list's share when a knowledge base does not set one (see <see cref="KnowledgeBase.VectorWeight"/>):
    /// measured by RetrievalQualityTests on the shipped English and Chinese corpora, the best English hybrid recall among
    /// the weights that keep questions hinging on one keyword (error codes) at their best.
    /// </summary>
    public const double DefaultVectorWeight = 0.8;

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

        switch (strategy)
        {
            case RankingStrategy.KeywordOnly:
                foreach (var c in candidates.Values)
                {
                    (c.Score, c.VectorUsed) = (1.0 / (RrfK + c.KeywordRank!.Value), false);
                }

                break;
            case RankingStrategy.VectorOnly:
                foreach (var c in candidates.Values)
                {
                    (c.Score, c.VectorUsed) = (1.0 / (RrfK + c.VectorRank!.Value), true);
                }

                break;
            case RankingStrategy.Fused:
                var w = Math.Clamp(vectorWeight, 0, 1);
                var servedRank = 0;
                foreach (var c in candidates.Values.Where(c => c.VectorRank is not null).OrderBy(c => c.VectorRank))
                {
                    c.VectorUsed = embedder.Serves(c.Language);
                    if (c.VectorUsed)
                    {
                        c.Score = w / (RrfK + ++servedRank);
                    }
                }

                foreach (var c in candidates.Values)
                {
                    c.VectorUsed = embedder.Serves(c.Language);
                    if (c.KeywordRank is { } r)
                    {
                        c.Score += (1 - w) / (RrfK + r);
                    }
                }

                break;
            default:
                // Keyword-led: equal BM25 scores share the rank of the first of them, so cosine decides between them.
                var rank = 0;
                double? previous = null;
                foreach (var c in candidates.Values.Where(c => c.KeywordRank is not null).OrderBy(c => c.KeywordRank))
                {
                    if (c.KeywordScore != previous)
                    {
                        (rank, previous) = (c.KeywordRank!.Value, c.KeywordScore);
                    }

                    c.Score = 1.0 / (RrfK + rank);
                }

                foreach (var c in candidates.Values)
                {
                    c.VectorUsed = false;
                }

                break;
        }

        return
        [
            .. candidates.Values
                .OrderByDescending(c => c.Score)
                .ThenByDescending(c => c.Similarity ?? double.NegativeInfinity)
                .ThenBy(c => c.KeywordRank ?? int.MaxValue)
                .ThenBy(c => c.VectorRank ?? int.MaxValue)
                .Select(c => new IndexHit(c.ChunkId, c.Score, c.Similarity, c.VectorRank, c.KeywordRank, c.KeywordScore, c.VectorUsed, c.Language)),
        ];
    }

    /// <summary>
    /// Whether the cosine threshold keeps a hit: it filters hits whose vector counted and hits only the vector list
    /// found, never a keyword hit ranked without its vector (a cosine the model cannot mean says nothing about it), and
    /// nothing in Keyword mode.
    /// </summary>
    public static bool PassesThreshold(IndexHit hit, double similarity, RetrievalMode mode, double threshold) =>
        mode == RetrievalMode.Keyword || !(hit.VectorUsed || hit.KeywordRank is null) || similarity >= threshold;

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
    }
}
