using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Core.Jobs;
using AiPlatform.Core.Storage;

namespace AiPlatform.Core.Knowledge;

public sealed record KnowledgeBaseInput(
    string? Name,
    string? Description,
    int? ChunkSize = null,
    int? ChunkOverlap = null,
    bool? SplitByHeadings = null,
    string? EmbeddingModel = null,
    double? RelevanceThreshold = null);

public sealed record KnowledgeBaseSummary(KnowledgeBase KnowledgeBase, PermissionLevel Level, int Documents, int Chunks);

public sealed record DocumentDetails(KnowledgeDocument Document, IReadOnlyList<KnowledgeChunk> Chunks);

/// <summary>
/// Knowledge bases: securable (Read to search, Write to change documents, Manage to share and delete). Documents go
/// to the object store, then a <c>knowledge.ingest</c> job extracts, chunks and embeds them; the new chunks replace the
/// old ones in one transaction, so a document being re-indexed keeps answering with its previous content until the new
/// one is ready and a failed document never touches the rest. Retrieval is hybrid (BM25 + vectors, reciprocal-rank
/// fusion) with a cosine threshold.
/// </summary>
public sealed class KnowledgeService(
    AccessService access,
    IKnowledgeStore store,
    IObjectStore objects,
    JobService jobs,
    AuditRecorder audit,
    IAuditStore auditStore,
    IEmbedderFactory embedders,
    ITextExtractor extractor,
    KnowledgeIndexCache indexes,
    TimeProvider time) : ISecurableLookup
{
    public const string ObjectTypeName = SecurableTypes.KnowledgeBase;
    public const long MaxDocumentBytes = 200L * 1024 * 1024;
    public const int MaxTopK = 50;

    public string ObjectType => ObjectTypeName;

    public async Task<IReadOnlyList<KnowledgeBaseSummary>> ListAsync(string? search, CancellationToken ct)
    {
        await access.RequireContextAsync(ct);
        var counts = await store.CountsAsync(ct);
        var list = new List<KnowledgeBaseSummary>();
        foreach (var kb in await store.ListAsync(ct))
        {
            if (!string.IsNullOrWhiteSpace(search) && !kb.Name.Contains(search.Trim(), StringComparison.OrdinalIgnoreCase))
            {
                continue;
            }

            if (await access.GetLevelAsync(ObjectType, kb.Id, kb.OwnerId, ct) is { } level)
            {
                var (documents, chunks) = counts.GetValueOrDefault(kb.Id);
                list.Add(new KnowledgeBaseSummary(kb, level, documents, chunks));
            }
        }

        return list;
    }

    public async Task<(KnowledgeBase KnowledgeBase, PermissionLevel Level)> GetAsync(Guid id, CancellationToken ct)
    {
        var kb = await store.FindAsync(id, ct);
        var level = kb is null ? null : await access.GetLevelAsync(ObjectType, id, kb.OwnerId, ct);
        return kb is not null && level is { } l ? (kb, l) : throw new NotFoundException("Knowledge base", id);
    }

    public async Task<KnowledgeBase> CreateAsync(KnowledgeBaseInput input, CancellationToken ct)
    {
        var context = await access.RequireCapabilityAsync(Capabilities.KnowledgeBasesCreate, ct);
        var now = time.GetUtcNow();
        var kb = new KnowledgeBase { Id = Guid.CreateVersion7(now), Name = string.Empty, OwnerId = context.UserId, CreatedAt = now, UpdatedAt = now };
        await ApplyAsync(kb, input, ct);
        await store.SaveAsync(kb, true, await audit.EntryAsync("knowledge-base.create", ObjectType, kb.Id, new { kb.Name, kb.EmbeddingModel }, ct), ct);
        return kb;
    }

    /// <summary>Changes settings; a change to chunking or the embedding model re-indexes every document.</summary>
    public async Task<KnowledgeBase> UpdateAsync(Guid id, KnowledgeBaseInput input, CancellationToken ct)
    {
        var (kb, _) = await GetAsync(id, ct);
        await access.RequireLevelAsync(ObjectType, id, kb.OwnerId, PermissionLevel.Write, ct);
        var before = (kb.ChunkSize, kb.ChunkOverlap, kb.SplitByHeadings, kb.EmbeddingModel);
        await ApplyAsync(kb, input, ct);
        kb.UpdatedAt = time.GetUtcNow();
        await store.SaveAsync(kb, false, await audit.EntryAsync("knowledge-base.update", ObjectType, id, new { kb.Name, kb.ChunkSize, kb.ChunkOverlap, kb.SplitByHeadings, kb.EmbeddingModel, kb.RelevanceThreshold }, ct), ct);
        if (before != (kb.ChunkSize, kb.ChunkOverlap, kb.SplitByHeadings, kb.EmbeddingModel))
        {
            await EnqueueAllAsync(kb, ct);
        }

        return kb;
    }

    public async Task DeleteAsync(Guid id, CancellationToken ct)
    {
        var (kb, _) = await GetAsync(id, ct);
        await access.RequireLevelAsync(ObjectType, id, kb.OwnerId, PermissionLevel.Manage, ct);
        await store.DeleteAsync(id, await audit.EntryAsync("knowledge-base.delete", ObjectType, id, new { kb.Name }, ct), ct);
        indexes.Drop(id);
        if (indexes.External is { } external)
        {
            await external.DeleteKnowledgeBaseAsync(id, CancellationToken.None);
        }

        await DeleteBlobsAsync($"knowledge/{id:N}/", null);
    }

    public async Task<IReadOnlyList<KnowledgeDocument>> ListDocumentsAsync(Guid id, CancellationToken ct)
    {
        await GetAsync(id, ct);
        return await store.ListDocumentsAsync(id, ct);
    }

    public async Task<DocumentDetails> GetDocumentAsync(Guid id, Guid documentId, CancellationToken ct)
    {
        await GetAsync(id, ct);
        var document = await store.FindDocumentAsync(id, documentId, ct) ?? throw new NotFoundException("Document", documentId);
        return new DocumentDetails(document, await store.ListDocumentChunksAsync(documentId, ct));
    }

    /// <summary>The original file of a document.</summary>
    public async Task<(KnowledgeDocument Document, Stream Content)> OpenDocumentAsync(Guid id, Guid documentId, CancellationToken ct)
    {
        await GetAsync(id, ct);
        var document = await store.FindDocumentAsync(id, documentId, ct) ?? throw new NotFoundException("Document", documentId);
        return (document, await objects.OpenReadAsync(ObjectKey.Parse(document.ObjectKey), ct));
    }

    /// <summary>
    /// Stores a document and queues its ingestion. A document of the same name is replaced (re-indexed); the same
    /// content again changes nothing.
    /// </summary>
    public async Task<KnowledgeDocument> UploadAsync(Guid id, Stream content, string? fileName, CancellationToken ct)
    {
        var (kb, _) = await GetAsync(id, ct);
        var context = await access.RequireContextAsync(ct);
        await access.RequireLevelAsync(ObjectType, id, kb.OwnerId, PermissionLevel.Write, ct);
        var name = Path.GetFileName(fileName?.Trim() ?? string.Empty);
        if (name.Length is 0 or > 255)
        {
            throw new ValidationException("file", "Give the document a file name of 1 to 255 characters.");
        }

        if (!extractor.Supports(name))
        {
            throw new ValidationException("file", $"'{name}' is not a supported document: upload .txt, .md, .html, .pdf or .docx.");
        }

        var staged = await objects.StageAsync(new LimitedStream(content, MaxDocumentBytes), null, null, ct);
        try
        {
            if (staged.Size == 0)
            {
                throw new ValidationException("file", "The file is empty.");
            }

            var existing = await store.FindDocumentByNameAsync(id, name, ct);
            if (existing is not null && existing.Sha256 == staged.Sha256 && existing.Status is DocumentStatus.Ready or DocumentStatus.Pending or DocumentStatus.Processing)
            {
                await objects.DiscardAsync(staged, ct);
                return existing;
            }

            var now = time.GetUtcNow();
            var document = existing ?? new KnowledgeDocument
            {
                Id = Guid.CreateVersion7(now),
                KnowledgeBaseId = id,
                FileName = name,
                ObjectKey = string.Empty,
                Sha256 = string.Empty,
                CreatedBy = context.UserName,
                CreatedAt = now,
            };
            var key = ObjectKey.Create("knowledge", id.ToString("N"), document.Id.ToString("N"), staged.Sha256 + Extension(name));
            await objects.CommitAsync(staged, key, ct);
            document.ObjectKey = key.Value;
            document.Sha256 = staged.Sha256;
            document.SizeBytes = staged.Size;
            document.Status = DocumentStatus.Pending;
            document.Progress = 0;
            document.Error = null;
            document.UpdatedAt = now;
            await store.SaveDocumentAsync(document, existing is null, await audit.EntryAsync(existing is null ? "knowledge-document.add" : "knowledge-document.replace", ObjectType, id, new { document.FileName, document.SizeBytes }, ct), ct);
            await EnqueueAsync(kb, document, context, ct);
            return document;
        }
        catch
        {
            await objects.DiscardAsync(staged, CancellationToken.None);
            throw;
        }
    }

    public async Task<KnowledgeDocument> ReindexDocumentAsync(Guid id, Guid documentId, CancellationToken ct)
    {
        var (kb, _) = await GetAsync(id, ct);
        await access.RequireLevelAsync(ObjectType, id, kb.OwnerId, PermissionLevel.Write, ct);
        var document = await store.FindDocumentAsync(id, documentId, ct) ?? throw new NotFoundException("Document", documentId);
        document.Status = DocumentStatus.Pending;
        document.Error = null;
        document.Progress = 0;
        await store.SaveDocumentAsync(document, false, await audit.EntryAsync("knowledge-document.reindex", ObjectType, id, new { document.FileName }, ct), ct);
        await EnqueueAsync(kb, document, await access.RequireContextAsync(ct), ct);
        return document;
    }

    public async Task<int> ReindexAllAsync(Guid id, CancellationToken ct)
    {
        var (kb, _) = await GetAsync(id, ct);
        await access.RequireLevelAsync(ObjectType, id, kb.OwnerId, PermissionLevel.Write, ct);
        var count = await EnqueueAllAsync(kb, ct);

        // One entry for the whole request: each document's re-queue is its own update and job.
        await auditStore.AddAsync(await audit.EntryAsync("knowledge-base.reindex", ObjectType, id, new { kb.Name, documents = count }, ct), ct);
        return count;
    }

    /// <summary>Deletes a document: its chunks leave the index and its files the object store.</summary>
    public async Task DeleteDocumentAsync(Guid id, Guid documentId, CancellationToken ct)
    {
        var (kb, _) = await GetAsync(id, ct);
        await access.RequireLevelAsync(ObjectType, id, kb.OwnerId, PermissionLevel.Write, ct);
        var document = await store.FindDocumentAsync(id, documentId, ct) ?? throw new NotFoundException("Document", documentId);
        await store.DeleteDocumentAsync(id, documentId, await audit.EntryAsync("knowledge-document.delete", ObjectType, id, new { document.FileName }, ct), ct);
        if (indexes.External is { } external)
        {
            await external.DeleteDocumentAsync(id, documentId, [], CancellationToken.None);
        }

        await DeleteBlobsAsync($"knowledge/{id:N}/{documentId:N}/", null);
    }

    /// <summary>The retrieval console: the chunks a question retrieves, with their scores and ranks.</summary>
    public async Task<IReadOnlyList<RetrievalHit>> SearchAsync(Guid id, string? query, int topK, RetrievalMode mode, double? threshold, CancellationToken ct)
    {
        var (kb, _) = await GetAsync(id, ct);
        if (string.IsNullOrWhiteSpace(query) || query.Length > 4000)
        {
            throw new ValidationException("query", "A question has 1 to 4,000 characters.");
        }

        if (threshold is < 0 or > 1)
        {
            throw new ValidationException("threshold", "The threshold is a cosine similarity between 0 and 1.");
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

    /// <summary>The knowledge bases the caller can read (chat's picker).</summary>
    public async Task<IReadOnlyList<KnowledgeBase>> ListReadableAsync(CancellationToken ct) =>
        [.. (await ListAsync(null, ct)).Select(s => s.KnowledgeBase)];

    async Task<SecurableObject?> ISecurableLookup.FindAsync(Guid id, CancellationToken ct) =>
        await store.FindAsync(id, ct) is { } kb ? new SecurableObject(ObjectType, kb.Id, kb.Name, kb.OwnerId) : null;

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

    private async Task ApplyAsync(KnowledgeBase kb, KnowledgeBaseInput input, CancellationToken ct)
    {
        var name = input.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            throw new ValidationException("name", "Give the knowledge base a name of 1 to 200 characters.");
        }

        if (await store.NameTakenAsync(kb.OwnerId, name, kb.Id, ct))
        {
            throw new AlreadyExistsException($"You already have a knowledge base named '{name}'.");
        }

        kb.Name = name;
        kb.Description = string.IsNullOrWhiteSpace(input.Description) ? null : input.Description.Trim()[..Math.Min(input.Description.Trim().Length, 2000)];
        kb.ChunkSize = input.ChunkSize ?? kb.ChunkSize;
        kb.ChunkOverlap = input.ChunkOverlap ?? kb.ChunkOverlap;
        kb.SplitByHeadings = input.SplitByHeadings ?? kb.SplitByHeadings;
        kb.RelevanceThreshold = input.RelevanceThreshold ?? kb.RelevanceThreshold;
        if (kb.ChunkSize is < 100 or > 8000)
        {
            throw new ValidationException("chunkSize", "A chunk has 100 to 8,000 characters.") { MessageKey = "Error.KbChunkSize" };
        }

        if (kb.ChunkOverlap < 0 || kb.ChunkOverlap > kb.ChunkSize / 2)
        {
            throw new ValidationException("chunkOverlap", "The overlap is 0 to half the chunk size.") { MessageKey = "Error.KbChunkOverlap" };
        }

        if (kb.RelevanceThreshold is < 0 or > 1)
        {
            throw new ValidationException("relevanceThreshold", "The threshold is a cosine similarity between 0 and 1.");
        }

        var model = string.IsNullOrWhiteSpace(input.EmbeddingModel) ? kb.EmbeddingModel : input.EmbeddingModel.Trim();
        if (model != KnowledgeBase.LocalEmbedding && model != kb.EmbeddingModel)
        {
            // A provider's model: the caller must be allowed to chat with it (403 otherwise), and it must embed.
            try
            {
                var embedder = await embedders.GetAsync(model, (await access.RequireContextAsync(ct)).UserId, ct);
                await embedder.EmbedAsync(["ping"], ct);
            }
            catch (Chat.ProviderUnavailableException e)
            {
                throw new ValidationException("embeddingModel", e.Message);
            }
        }

        kb.EmbeddingModel = model;
    }

    private async Task<int> EnqueueAllAsync(KnowledgeBase kb, CancellationToken ct)
    {
        var user = await access.RequireContextAsync(ct);
        var documents = await store.ListDocumentsAsync(kb.Id, ct);
        foreach (var document in documents)
        {
            await store.UpdateProgressAsync(document.Id, DocumentStatus.Pending, 0, null, ct);
            await EnqueueAsync(kb, document, user, ct);
        }

        return documents.Count;
    }

    /// <summary>Queues the ingestion on behalf of <paramref name="user"/>: their right to the embedding model, their tokens.</summary>
    private async Task EnqueueAsync(KnowledgeBase kb, KnowledgeDocument document, AccessContext user, CancellationToken ct)
    {
        var job = await jobs.EnqueueAsync(
            new JobRequest(IngestDocumentHandler.JobKind, $"{kb.Name}: {document.FileName}", "knowledge-document", document.Id.ToString(), JsonSerializer.SerializeToElement(new IngestDocumentHandler.Parameters(kb.Id, document.Id, document.ObjectKey, user.UserId))),
            user.UserName,
            ct);
        document.JobId = job.Id;

        // Only the job id: the job may already have moved the document on (a broken file fails in milliseconds).
        await store.SetJobAsync(document.Id, job.Id, ct);
    }

    private async Task DeleteBlobsAsync(string prefix, string? keep)
    {
        var keys = new List<ObjectKey>();
        await foreach (var o in objects.ListAsync(prefix, CancellationToken.None))
        {
            if (o.Key.Value != keep)
            {
                keys.Add(o.Key);
            }
        }

        foreach (var key in keys)
        {
            await objects.DeleteAsync(key, CancellationToken.None);
        }
    }

    private static string Extension(string name) => Path.GetExtension(name).ToLowerInvariant() is { Length: > 1 and <= 6 } e && e[1..].All(char.IsAsciiLetterOrDigit) ? e : ".bin";
}
