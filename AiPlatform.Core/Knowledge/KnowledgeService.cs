using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Knowledge;

public sealed record KnowledgeBaseInput(
    string? Name,
    string? Description,
    int? ChunkSize = null,
    int? ChunkOverlap = null,
    bool? SplitByHeadings = null,
    string? EmbeddingModel = null,
    double? RelevanceThreshold = null,
    double? VectorWeight = null);

public sealed record KnowledgeBaseSummary(KnowledgeBase KnowledgeBase, PermissionLevel Level, int Documents, int Chunks);

/// <summary>
/// Knowledge bases and their settings: securable (Read to search, Write to change documents, Manage to share and
/// delete). Documents are <see cref="KnowledgeDocumentService"/>'s, retrieval <see cref="KnowledgeRetrievalService"/>'s;
/// both ask this service for the knowledge base and the caller's right to it.
/// </summary>
public sealed class KnowledgeService(
    AccessService access,
    IKnowledgeStore store,
    AuditRecorder audit,
    IEmbedderFactory embedders,
    KnowledgeIndexer indexer,
    Chat.ProviderService providers,
    TimeProvider time) : ISecurableLookup
{
    public const string ObjectTypeName = SecurableTypes.KnowledgeBase;

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
        await store.SaveAsync(kb, true, await audit.EntryAsync("knowledge-base.create", ObjectType, kb.Id, new { kb.Name, kb.EmbeddingModel, kb.VectorWeight }, ct), ct);
        return kb;
    }

    /// <summary>
    /// Changes settings; a change to chunking or the embedding model re-indexes every document (the vector weight and the
    /// threshold only change how retrieval ranks, so they do not). A null <see cref="KnowledgeBaseInput.VectorWeight"/> is the default weight.
    /// </summary>
    public async Task<KnowledgeBase> UpdateAsync(Guid id, KnowledgeBaseInput input, CancellationToken ct)
    {
        var (kb, _) = await GetAsync(id, ct);
        await access.RequireLevelAsync(ObjectType, id, kb.OwnerId, PermissionLevel.Write, ct);
        var before = (kb.ChunkSize, kb.ChunkOverlap, kb.SplitByHeadings, kb.EmbeddingModel);
        await ApplyAsync(kb, input, ct);
        kb.UpdatedAt = time.GetUtcNow();
        await store.SaveAsync(kb, false, await audit.EntryAsync("knowledge-base.update", ObjectType, id, new { kb.Name, kb.ChunkSize, kb.ChunkOverlap, kb.SplitByHeadings, kb.EmbeddingModel, kb.RelevanceThreshold, kb.VectorWeight }, ct), ct);
        if (before != (kb.ChunkSize, kb.ChunkOverlap, kb.SplitByHeadings, kb.EmbeddingModel))
        {
            await indexer.EnqueueAllAsync(kb, ct);
        }

        return kb;
    }

    public async Task DeleteAsync(Guid id, CancellationToken ct)
    {
        var (kb, _) = await GetAsync(id, ct);
        await access.RequireLevelAsync(ObjectType, id, kb.OwnerId, PermissionLevel.Manage, ct);
        await store.DeleteAsync(id, await audit.EntryAsync("knowledge-base.delete", ObjectType, id, new { kb.Name }, ct), ct);
        await indexer.ForgetKnowledgeBaseAsync(id);
    }

    /// <summary>
    /// The knowledge base when the caller holds <paramref name="level"/> on it (404 when they cannot read it, 403 when
    /// they may only read it), with the caller: the documents' author and the user ingestion works for.
    /// </summary>
    public async Task<(KnowledgeBase KnowledgeBase, AccessContext Caller)> RequireAsync(Guid id, PermissionLevel level, CancellationToken ct)
    {
        var (kb, _) = await GetAsync(id, ct);
        var caller = await access.RequireContextAsync(ct);
        await access.RequireLevelAsync(ObjectType, id, kb.OwnerId, level, ct);
        return (kb, caller);
    }

    /// <summary>
    /// The languages of the knowledge base's text (Read right) against those its embedding model serves, with the provider
    /// models the caller may switch to. Reads only what is recorded: chunks stored before languages were count as language
    /// null until <see cref="KnowledgeLanguageBackfill"/> (run in the background after start) has detected theirs.
    /// </summary>
    public async Task<KnowledgeLanguageReport> GetLanguagesAsync(Guid id, CancellationToken ct)
    {
        var (kb, _) = await GetAsync(id, ct);
        var counts = await store.CountLanguagesAsync(id, ct);
        var embedder = await embedders.DescribeAsync(kb.EmbeddingModel, ct);
        var total = counts.Sum(c => c.Characters);
        var languages = counts
            .OrderByDescending(c => c.Characters).ThenBy(c => c.Language ?? "\uffff", StringComparer.Ordinal)
            .Select(c => new KnowledgeLanguageShare(c.Language, c.Chunks, c.Characters, total == 0 ? 0 : (double)c.Characters / total, embedder.Serves(c.Language)))
            .ToList();
        var unserved = languages.Where(l => !l.Served).ToList();
        var unservedShare = total == 0 ? 0 : (double)unserved.Sum(l => l.Characters) / total;
        var dominant = unserved.FirstOrDefault()?.Language;
        IReadOnlyList<EmbeddingLanguageInfo> suggestions = dominant is null ? [] : await SuggestEmbeddersAsync(kb, dominant, ct);
        return new KnowledgeLanguageReport(kb.Id, kb.EmbeddingModel, languages, total, embedder, unservedShare, dominant, suggestions);
    }

    /// <summary>The knowledge bases the caller can read (chat's picker).</summary>
    public async Task<IReadOnlyList<KnowledgeBase>> ListReadableAsync(CancellationToken ct) =>
        [.. (await ListAsync(null, ct)).Select(s => s.KnowledgeBase)];

    async Task<SecurableObject?> ISecurableLookup.FindAsync(Guid id, CancellationToken ct) =>
        await store.FindAsync(id, ct) is { } kb ? new SecurableObject(ObjectType, kb.Id, kb.Name, kb.OwnerId) : null;

    /// <summary>
    /// Provider models the caller may use that serve <paramref name="language"/> by what an administrator recorded or what
    /// their family is known for (a model of unknown languages is no better a bet than the current one). Best first: models whose
    /// id names an embedding model (a chat model an administrator marked is a weaker bet than bge-m3), then those whose
    /// languages were recorded, then by name.
    /// </summary>
    private async Task<IReadOnlyList<EmbeddingLanguageInfo>> SuggestEmbeddersAsync(KnowledgeBase kb, string language, CancellationToken ct)
    {
        if (!await access.HasCapabilityAsync(Capabilities.ChatUse, ct))
        {
            return [];
        }

        return [.. (await providers.ListUsableAsync(ct))
            .Where(m => m.Name != kb.EmbeddingModel)
            .Select(m => (m.ModelId, Info: m.EffectiveEmbeddingLanguages))
            .Where(m => m.Info.Source == EmbeddingLanguageSource.Configured || (m.Info.Source == EmbeddingLanguageSource.KnownFamily && NamesAnEmbeddingModel(m.ModelId)))
            .Where(m => m.Info.Serves(language))
            .OrderBy(m => NamesAnEmbeddingModel(m.ModelId) ? 0 : 1)
            .ThenBy(m => m.Info.Source == EmbeddingLanguageSource.Configured ? 0 : 1)
            .ThenBy(m => m.Info.Model, StringComparer.Ordinal)
            .Select(m => m.Info)];
    }

    // A family is named by chat models too (qwen2.5:7b is Qwen, not Qwen3-Embedding): without a recorded list, only an id
    // that says it embeds is suggested.
    private static readonly string[] EmbeddingNameParts = ["embed", "bge", "e5-", "-e5", "gte-", "m3e", "labse", "minilm", "text2vec", "voyage"];

    private static bool NamesAnEmbeddingModel(string modelId)
    {
        var id = modelId.ToLowerInvariant();
        return EmbeddingNameParts.Any(p => id.Contains(p, StringComparison.Ordinal));
    }

    private async Task ApplyAsync(KnowledgeBase kb, KnowledgeBaseInput input, CancellationToken ct)
    {
        var name = input.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            throw new ValidationException("name", "Give the knowledge base a name of 1 to 200 characters.") { MessageKey = "Error.Kb.Name" };
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

        if (!double.IsFinite(kb.RelevanceThreshold) || kb.RelevanceThreshold is < 0 or > 1)
        {
            throw new ValidationException("relevanceThreshold", "The threshold is a cosine similarity between 0 and 1.") { MessageKey = "Error.Kb.Threshold" };
        }

        if (input.VectorWeight is { } weight && (double.IsNaN(weight) || weight is < 0 or > 1))
        {
            throw new ValidationException("vectorWeight", "The vector weight is a share between 0 (keywords only) and 1 (vectors only).") { MessageKey = "Error.Kb.VectorWeight" };
        }

        kb.VectorWeight = input.VectorWeight;
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
                throw new ValidationException("embeddingModel", e.Message) { MessageKey = e.MessageKey, MessageArguments = e.MessageArguments };
            }
        }

        kb.EmbeddingModel = model;
    }
}
