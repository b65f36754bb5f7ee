using AiPlatform.Core.Access;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Knowledge;

/// <summary>
/// Retrieval over knowledge bases: hybrid (BM25 + vectors, reciprocal-rank fusion) with a cosine threshold, for the
/// retrieval console and for chat's answers.
/// </summary>
public sealed class KnowledgeRetrievalService(KnowledgeService bases, AccessService access, IKnowledgeStore store, IEmbedderFactory embedders, KnowledgeIndexCache indexes)
{
    public const int MaxTopK = 50;

    private const string ObjectType = KnowledgeService.ObjectTypeName;

    /// <summary>The retrieval console: the chunks a question retrieves, with their scores and ranks.</summary>
    public async Task<IReadOnlyList<RetrievalHit>> SearchAsync(Guid id, string? query, int topK, RetrievalMode mode, double? threshold, CancellationToken ct)
    {
        var (kb, _) = await bases.GetAsync(id, ct);
        if (string.IsNullOrWhiteSpace(query) || query.Length > 4000)
        {
            throw new ValidationException("query", "A question has 1 to 4,000 characters.") { MessageKey = "Error.Kb.Query" };
        }

        if (threshold is < 0 or > 1)
        {
            throw new ValidationException("threshold", "The threshold is a cosine similarity between 0 and 1.") { MessageKey = "Error.Kb.Threshold" };
        }

        return await SearchOneAsync(kb, query, await EmbedQuestionAsync(kb, query, ct), Math.Clamp(topK, 1, MaxTopK), mode, threshold ?? kb.RelevanceThreshold, ct);
    }

    /// <summary>For chat: hybrid retrieval over the knowledge bases the caller may still read, best <paramref name="topK"/> overall.</summary>
    public async Task<IReadOnlyList<RetrievalHit>> RetrieveAsync(IReadOnlyCollection<Guid> ids, string query, int topK, CancellationToken ct)
    {
        var hits = new List<RetrievalHit>();
        var vectors = new Dictionary<string, float[]>(StringComparer.Ordinal);
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

            hits.AddRange(await SearchOneAsync(kb, query, vector, topK, RetrievalMode.Hybrid, kb.RelevanceThreshold, ct));
        }

        return [.. hits.OrderByDescending(h => h.Score).ThenByDescending(h => h.Similarity).Take(topK)];
    }

    private async Task<float[]> EmbedQuestionAsync(KnowledgeBase kb, string query, CancellationToken ct) =>
        (await (await embedders.GetAsync(kb.EmbeddingModel, (await access.RequireContextAsync(ct)).UserId, ct)).EmbedAsync([query], ct))[0];

    private async Task<IReadOnlyList<RetrievalHit>> SearchOneAsync(KnowledgeBase kb, string query, float[] vector, int topK, RetrievalMode mode, double threshold, CancellationToken ct)
    {
        var index = await indexes.GetAsync(kb, store, vector.Length, ct);
        var candidates = await index.SearchAsync(vector, query, topK, mode, ct);
        var chunks = (await store.LoadChunksAsync([.. candidates.Select(h => h.ChunkId)], ct)).ToDictionary(c => c.Id);
        var hits = new List<(IndexHit Hit, KnowledgeChunk Chunk, double Similarity)>();
        foreach (var candidate in candidates)
        {
            // Chunks gone since the index saw them are skipped; the similarity of keyword-only hits comes from their stored vector.
            if (chunks.TryGetValue(candidate.ChunkId, out var chunk))
            {
                var similarity = candidate.Similarity ?? (VectorMath.FromBytes(chunk.Embedding) is { } v && v.Length == vector.Length ? VectorMath.Dot(vector, v) : 0);
                if (mode == RetrievalMode.Keyword || similarity >= threshold)
                {
                    hits.Add((candidate, chunk, similarity));
                }
            }
        }

        var kept = hits.OrderByDescending(h => h.Hit.Score).ThenByDescending(h => h.Similarity).Take(topK).ToList();
        var names = await store.DocumentNamesAsync([.. kept.Select(h => h.Chunk.DocumentId).Distinct()], ct);
        return [.. kept.Select(h => new RetrievalHit(kb.Id, h.Chunk.Id, h.Chunk.DocumentId, names.GetValueOrDefault(h.Chunk.DocumentId) ?? string.Empty, h.Chunk.Ordinal, h.Chunk.Heading, h.Chunk.Text, h.Hit.Score, h.Similarity, h.Hit.VectorRank, h.Hit.KeywordRank))];
    }
}
