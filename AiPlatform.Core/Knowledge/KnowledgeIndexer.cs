using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Jobs;
using AiPlatform.Core.Storage;

namespace AiPlatform.Core.Knowledge;

/// <summary>
/// Keeps a knowledge base's index in step with its documents: queues the ingestion of a document (or of all of them),
/// and takes a deleted document or knowledge base out of the external vector store, the in-process index and the
/// object store.
/// </summary>
public sealed class KnowledgeIndexer(AccessService access, IKnowledgeStore store, JobService jobs, AuditRecorder audit, IAuditStore auditStore, IObjectStore objects, KnowledgeIndexCache indexes)
{
    private const string ObjectType = KnowledgeService.ObjectTypeName;

    /// <summary>Re-queues every document of the knowledge base, with one audit entry for the whole request.</summary>
    internal async Task<int> ReindexAllAsync(KnowledgeBase kb, CancellationToken ct)
    {
        var count = await EnqueueAllAsync(kb, ct);

        // One entry for the whole request: each document's re-queue is its own update and job.
        await auditStore.AddAsync(await audit.EntryAsync("knowledge-base.reindex", ObjectType, kb.Id, new { kb.Name, documents = count }, ct), ct);
        return count;
    }

    internal async Task<int> EnqueueAllAsync(KnowledgeBase kb, CancellationToken ct)
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
    internal async Task EnqueueAsync(KnowledgeBase kb, KnowledgeDocument document, AccessContext user, CancellationToken ct)
    {
        var job = await jobs.EnqueueAsync(
            new JobRequest(IngestDocumentHandler.JobKind, $"{kb.Name}: {document.FileName}", "knowledge-document", document.Id.ToString(), JsonSerializer.SerializeToElement(new IngestDocumentHandler.Parameters(kb.Id, document.Id, document.ObjectKey, user.UserId)), JobText.Of("JobTitle.IngestDocument", kb.Name, document.FileName)),
            user.UserName,
            ct);
        document.JobId = job.Id;

        // Only the job id: the job may already have moved the document on (a broken file fails in milliseconds).
        await store.SetJobAsync(document.Id, job.Id, ct);
    }

    /// <summary>After the knowledge base left the database: its index, vectors and files go too.</summary>
    internal async Task ForgetKnowledgeBaseAsync(Guid id)
    {
        indexes.Drop(id);
        if (indexes.External is { } external)
        {
            await external.DeleteKnowledgeBaseAsync(id, CancellationToken.None);
        }

        await DeleteBlobsAsync($"knowledge/{id:N}/", null);
    }

    /// <summary>After the document left the database: its vectors and files go too.</summary>
    internal async Task ForgetDocumentAsync(Guid id, Guid documentId)
    {
        if (indexes.External is { } external)
        {
            await external.DeleteDocumentAsync(id, documentId, [], CancellationToken.None);
        }

        await DeleteBlobsAsync($"knowledge/{id:N}/{documentId:N}/", null);
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
}
