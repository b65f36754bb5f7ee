using AiPlatform.Core.Audit;

namespace AiPlatform.Core.Knowledge;

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

    Task UpdateProgressAsync(Guid documentId, DocumentStatus status, double progress, DocumentFailure? error, CancellationToken ct);

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

    /// <summary>The knowledge base's chunks grouped by <see cref="KnowledgeChunk.Language"/>: chunks and characters of text.</summary>
    Task<IReadOnlyList<KnowledgeLanguageCount>> CountLanguagesAsync(Guid kbId, CancellationToken ct);

    /// <summary>
    /// Up to <paramref name="take"/> chunks of the knowledge base without a language, in id order after <paramref name="after"/>
    /// (null: from the first), with their heading and text: the chunks stored before languages were recorded.
    /// </summary>
    Task<IReadOnlyList<KnowledgeChunk>> ListChunksWithoutLanguageAsync(Guid kbId, Guid? after, int take, CancellationToken ct);

    /// <summary>
    /// Records detected languages on chunks that still have none (a chunk re-ingested meanwhile keeps its own); returns how
    /// many chunks it changed.
    /// </summary>
    Task<int> SetChunkLanguagesAsync(IReadOnlyDictionary<Guid, string> languages, CancellationToken ct);

    /// <summary>Which documents are objects of this store (garbage collection of blobs after a replace).</summary>
    Task<IReadOnlyDictionary<Guid, string>> DocumentNamesAsync(IReadOnlyCollection<Guid> documentIds, CancellationToken ct);
}
