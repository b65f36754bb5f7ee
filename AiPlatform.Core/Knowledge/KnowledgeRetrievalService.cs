using System.Globalization;
using AiPlatform.Core.Access;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Knowledge;

/// <summary>
/// Retrieval over knowledge bases: hybrid (BM25 + vectors, ranked by <see cref="HybridFusion"/> with the languages of
/// the question, the chunks and the embedding model) with a cosine threshold, for the retrieval console and for chat's answers.
/// </summary>
public sealed class KnowledgeRetrievalService(KnowledgeService bases, AccessService access, IKnowledgeStore store, IEmbedderFactory embedders, KnowledgeIndexCache indexes)
{
    public const int MaxTopK = 50;

    private const string ObjectType = KnowledgeService.ObjectTypeName;

    /// <summary>
    /// The retrieval console: the chunks a question retrieves, with their scores and ranks, and why they are in that order.
    /// <paramref name="vectorWeight"/> overrides the knowledge base's (null: <see cref="KnowledgeBase.VectorWeight"/>, else
    /// <see cref="HybridFusion.DefaultVectorWeight"/>).
    /// </summary>
    public async Task<RetrievalResult> SearchAsync(Guid id, string? query, int topK, RetrievalMode mode, double? threshold, double? vectorWeight, CancellationToken ct)
    {
        var (kb, _) = await bases.GetAsync(id, ct);
        if (string.IsNullOrWhiteSpace(query) || query.Length > 4000)
        {
            throw new ValidationException("query", "A question has 1 to 4,000 characters.") { MessageKey = "Error.Kb.Query" };
        }

        if (threshold is { } t && (!double.IsFinite(t) || t is < 0 or > 1))
        {
            throw new ValidationException("threshold", "The threshold is a cosine similarity between 0 and 1.") { MessageKey = "Error.Kb.Threshold" };
        }

        if (vectorWeight is { } w && (double.IsNaN(w) || w < 0 || w > 1))
        {
            throw new ValidationException("vectorWeight", "The vector weight is a share between 0 (keywords only) and 1 (vectors only).") { MessageKey = "Error.Kb.VectorWeight" };
        }

        var embedder = await embedders.DescribeAsync(kb.EmbeddingModel, ct);
        var weight = vectorWeight ?? kb.VectorWeight ?? HybridFusion.DefaultVectorWeight;
        var language = TextLanguage.Detect(query);
        var hits = await SearchOneAsync(kb, query, await EmbedQuestionAsync(kb, query, ct), Math.Clamp(topK, 1, MaxTopK), mode, threshold ?? kb.RelevanceThreshold, embedder, language, weight, ct);
        return new RetrievalResult(hits, Explain(mode, language, embedder, weight, hits.Count(h => !embedder.Serves(h.Language))));
    }

    /// <summary>For chat: hybrid retrieval over the knowledge bases the caller may still read, best <paramref name="topK"/> overall.</summary>
    public async Task<IReadOnlyList<RetrievalHit>> RetrieveAsync(IReadOnlyCollection<Guid> ids, string query, int topK, CancellationToken ct)
    {
        var hits = new List<RetrievalHit>();
        var vectors = new Dictionary<string, float[]>(StringComparer.Ordinal);
        var languages = new Dictionary<string, EmbeddingLanguageInfo>(StringComparer.Ordinal);
        var language = TextLanguage.Detect(query);
        foreach (var id in ids.Distinct())
        {
            var kb = await store.FindAsync(id, ct);
            if (kb is null || await access.GetLevelAsync(ObjectType, id, kb.OwnerId, ct) is null)
            {
                continue;
            }

            // The question is embedded once per embedding model, not once per knowledge base.
            if (!vectors.TryGetValue(kb.EmbeddingModel, out var vector))
            {
                vectors[kb.EmbeddingModel] = vector = await EmbedQuestionAsync(kb, query, ct);
            }

            if (!languages.TryGetValue(kb.EmbeddingModel, out var embedder))
            {
                languages[kb.EmbeddingModel] = embedder = await embedders.DescribeAsync(kb.EmbeddingModel, ct);
            }

            hits.AddRange(await SearchOneAsync(kb, query, vector, topK, RetrievalMode.Hybrid, kb.RelevanceThreshold, embedder, language, kb.VectorWeight ?? HybridFusion.DefaultVectorWeight, ct));
        }

        return [.. hits.OrderByDescending(h => h.Score).ThenByDescending(h => h.Similarity).Take(topK)];
    }

    /// <summary>Why a retrieval ranked as it did, in English and as a resource key whose arguments are the question's language, the model's languages (comma-separated codes), the model, the weight and the unserved hits.</summary>
    public static RetrievalRanking Explain(RetrievalMode mode, string? questionLanguage, EmbeddingLanguageInfo embedder, double vectorWeight, int unservedHits)
    {
        var strategy = HybridFusion.StrategyFor(mode, embedder, questionLanguage);
        var question = questionLanguage ?? "none";
        var served = string.Join(", ", embedder.Languages);
        var weight = vectorWeight.ToString("0.###", CultureInfo.InvariantCulture);
        var (key, reason) = strategy switch
        {
            RankingStrategy.Fused => ("Kb.Rank.Reason.Fused", $"The question is in '{question}' and the embedding model {embedder.Model} serves {served}: the keyword and vector rankings are fused with vector weight {weight}."),
            RankingStrategy.KeywordLed => ("Kb.Rank.Reason.KeywordLed", $"The question is in '{question}', which the embedding model {embedder.Model} does not serve (it serves {served}): hits are ranked by keywords; vector similarity only breaks ties and adds hits below the keyword hits."),
            RankingStrategy.KeywordOnly => ("Kb.Rank.Reason.KeywordOnly", "Keyword mode: hits are ranked by BM25 alone."),
            _ when embedder.Serves(questionLanguage) => ("Kb.Rank.Reason.VectorOnly", $"Vector mode: hits are ranked by cosine similarity alone (the embedding model {embedder.Model} serves {served})."),
            _ => ("Kb.Rank.Reason.VectorUnserved", $"Vector mode: the question is in '{question}', which the embedding model {embedder.Model} does not serve (it serves {served}), so the similarities carry little meaning; Hybrid or Keyword mode ranks better."),
        };
        // Where the question's own language is unserved, "N of the hits…" would only repeat it; keyword-led ranking ignores the weight.
        if (unservedHits > 0 && (strategy == RankingStrategy.Fused || key == "Kb.Rank.Reason.VectorOnly"))
        {
            reason += $" {unservedHits} of the hits are in a language the model does not serve" + (strategy == RankingStrategy.Fused ? "; their vectors did not count." : ".");
        }
        else if (strategy == RankingStrategy.KeywordLed)
        {
            reason += " The vector weight does not apply to this question.";
        }

        return new RetrievalRanking(mode, strategy, questionLanguage, embedder, vectorWeight, unservedHits, reason, key,
            [questionLanguage ?? string.Empty, string.Join(',', embedder.Languages), embedder.Model, weight, unservedHits.ToString(CultureInfo.InvariantCulture)]);
    }

    private async Task<float[]> EmbedQuestionAsync(KnowledgeBase kb, string query, CancellationToken ct) =>
        (await (await embedders.GetAsync(kb.EmbeddingModel, (await access.RequireContextAsync(ct)).UserId, ct)).EmbedAsync([query], ct))[0];

    private async Task<IReadOnlyList<RetrievalHit>> SearchOneAsync(KnowledgeBase kb, string query, float[] vector, int topK, RetrievalMode mode, double threshold, EmbeddingLanguageInfo embedder, string? language, double weight, CancellationToken ct)
    {
        var index = await indexes.GetAsync(kb, store, vector.Length, ct);
        var candidates = await index.SearchAsync(vector, query, topK, mode, embedder, language, weight, ct);
        var chunks = (await store.LoadChunksAsync([.. candidates.Select(h => h.ChunkId)], ct)).ToDictionary(c => c.Id);
        var hits = new List<(IndexHit Hit, KnowledgeChunk Chunk, double Similarity)>();
        foreach (var candidate in candidates)
        {
            // Chunks gone since the index saw them are skipped; the similarity of keyword-only hits comes from their stored vector.
            if (chunks.TryGetValue(candidate.ChunkId, out var chunk))
            {
                var similarity = candidate.Similarity ?? (VectorMath.FromBytes(chunk.Embedding) is { } v && v.Length == vector.Length ? VectorMath.Dot(vector, v) : 0);
                if (HybridFusion.PassesThreshold(candidate, similarity, mode, threshold))
                {
                    hits.Add((candidate, chunk, similarity));
                }
            }
        }

        var kept = hits.OrderByDescending(h => h.Hit.Score).ThenByDescending(h => h.Similarity).Take(topK).ToList();
        var names = await store.DocumentNamesAsync([.. kept.Select(h => h.Chunk.DocumentId).Distinct()], ct);
        return
        [
            .. kept.Select(h => new RetrievalHit(
                kb.Id, h.Chunk.Id, h.Chunk.DocumentId, names.GetValueOrDefault(h.Chunk.DocumentId) ?? string.Empty, h.Chunk.Ordinal, h.Chunk.Heading, h.Chunk.Text,
                h.Hit.Score, h.Similarity, h.Hit.VectorRank, h.Hit.KeywordRank, h.Hit.Language ?? KnowledgeIndex.LanguageOf(h.Chunk), h.Hit.VectorUsed)),
        ];
    }
}
