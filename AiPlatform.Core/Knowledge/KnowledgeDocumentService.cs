using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Core.Storage;

namespace AiPlatform.Core.Knowledge;

public sealed record DocumentDetails(KnowledgeDocument Document, IReadOnlyList<KnowledgeChunk> Chunks);

/// <summary>
/// The documents of a knowledge base. Documents go to the object store, then a <c>knowledge.ingest</c> job extracts,
/// chunks and embeds them; the new chunks replace the old ones in one transaction, so a document being re-indexed keeps
/// answering with its previous content until the new one is ready and a failed document never touches the rest.
/// </summary>
public sealed class KnowledgeDocumentService(
    KnowledgeService bases,
    IKnowledgeStore store,
    IObjectStore objects,
    AuditRecorder audit,
    ITextExtractor extractor,
    KnowledgeIndexer indexer,
    TimeProvider time)
{
    public const long MaxDocumentBytes = 200L * 1024 * 1024;

    private const string ObjectType = KnowledgeService.ObjectTypeName;

    public async Task<IReadOnlyList<KnowledgeDocument>> ListDocumentsAsync(Guid id, CancellationToken ct)
    {
        await bases.GetAsync(id, ct);
        return await store.ListDocumentsAsync(id, ct);
    }

    public async Task<DocumentDetails> GetDocumentAsync(Guid id, Guid documentId, CancellationToken ct)
    {
        await bases.GetAsync(id, ct);
        var document = await store.FindDocumentAsync(id, documentId, ct) ?? throw new NotFoundException("Document", documentId);
        return new DocumentDetails(document, await store.ListDocumentChunksAsync(documentId, ct));
    }

    /// <summary>The original file of a document.</summary>
    public async Task<(KnowledgeDocument Document, Stream Content)> OpenDocumentAsync(Guid id, Guid documentId, CancellationToken ct)
    {
        await bases.GetAsync(id, ct);
        var document = await store.FindDocumentAsync(id, documentId, ct) ?? throw new NotFoundException("Document", documentId);
        return (document, await objects.OpenReadAsync(ObjectKey.Parse(document.ObjectKey), ct));
    }

    /// <summary>
    /// Stores a document and queues its ingestion. A document of the same name is replaced (re-indexed); the same
    /// content again changes nothing.
    /// </summary>
    public async Task<KnowledgeDocument> UploadAsync(Guid id, Stream content, string? fileName, CancellationToken ct)
    {
        var (kb, context) = await bases.RequireAsync(id, PermissionLevel.Write, ct);
        var name = Path.GetFileName(fileName?.Trim() ?? string.Empty);
        if (name.Length is 0 or > 255)
        {
            throw new ValidationException("file", "Give the document a file name of 1 to 255 characters.") { MessageKey = "Error.Kb.FileName" };
        }

        if (!extractor.Supports(name))
        {
            throw new ValidationException("file", $"'{name}' is not a supported document: upload .txt, .md, .html, .pdf or .docx.") { MessageKey = "Error.Kb.FileType", MessageArguments = [name] };
        }

        var staged = await objects.StageAsync(new LimitedStream(content, MaxDocumentBytes), null, null, ct);
        try
        {
            if (staged.Size == 0)
            {
                throw new ValidationException("file", "The file is empty.") { MessageKey = "Error.Kb.FileEmpty" };
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
            document.ErrorKey = null;
            document.ErrorArguments = null;
            document.UpdatedAt = now;
            await store.SaveDocumentAsync(document, existing is null, await audit.EntryAsync(existing is null ? "knowledge-document.add" : "knowledge-document.replace", ObjectType, id, new { document.FileName, document.SizeBytes }, ct), ct);
            await indexer.EnqueueAsync(kb, document, context, ct);
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
        var (kb, caller) = await bases.RequireAsync(id, PermissionLevel.Write, ct);
        var document = await store.FindDocumentAsync(id, documentId, ct) ?? throw new NotFoundException("Document", documentId);
        document.Status = DocumentStatus.Pending;
        document.Error = null;
        document.ErrorKey = null;
        document.ErrorArguments = null;
        document.Progress = 0;
        await store.SaveDocumentAsync(document, false, await audit.EntryAsync("knowledge-document.reindex", ObjectType, id, new { document.FileName }, ct), ct);
        await indexer.EnqueueAsync(kb, document, caller, ct);
        return document;
    }

    public async Task<int> ReindexAllAsync(Guid id, CancellationToken ct)
    {
        var (kb, _) = await bases.RequireAsync(id, PermissionLevel.Write, ct);
        return await indexer.ReindexAllAsync(kb, ct);
    }

    /// <summary>Deletes a document: its chunks leave the index and its files the object store.</summary>
    public async Task DeleteDocumentAsync(Guid id, Guid documentId, CancellationToken ct)
    {
        await bases.RequireAsync(id, PermissionLevel.Write, ct);
        var document = await store.FindDocumentAsync(id, documentId, ct) ?? throw new NotFoundException("Document", documentId);
        await store.DeleteDocumentAsync(id, documentId, await audit.EntryAsync("knowledge-document.delete", ObjectType, id, new { document.FileName }, ct), ct);
        await indexer.ForgetDocumentAsync(id, documentId);
    }

    private static string Extension(string name) => Path.GetExtension(name).ToLowerInvariant() is { Length: > 1 and <= 6 } e && e[1..].All(char.IsAsciiLetterOrDigit) ? e : ".bin";
}
