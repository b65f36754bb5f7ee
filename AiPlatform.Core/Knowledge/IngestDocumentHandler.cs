using AiPlatform.Core.Common;
using AiPlatform.Core.Jobs;
using AiPlatform.Core.Storage;

namespace AiPlatform.Core.Knowledge;

/// <summary>
/// Job <c>knowledge.ingest</c>: extracts a document's text, chunks it by the knowledge base's settings, embeds the
/// chunks in batches (reporting progress on the job and the document) and swaps them in atomically. An unreadable
/// document ends Failed with the reason and leaves the rest of the knowledge base alone. Safe to run again.
/// </summary>
public sealed class IngestDocumentHandler(IKnowledgeStore store, IObjectStore objects, ITextExtractor extractor, IEmbedderFactory embedders, KnowledgeIndexCache indexes, TimeProvider time) : IJobHandler
{
    public const string JobKind = "knowledge.ingest";
    public const int BatchSize = 32;

    public string Kind => JobKind;

    public string? StartCapability => null;

    public bool RestartOnInterrupt => true;

    public async Task RunAsync(JobExecutionContext context, CancellationToken ct)
    {
        var parameters = context.GetParameters<Parameters>() ?? throw new InvalidOperationException("The job has no document.");
        var kb = await store.FindAsync(parameters.KnowledgeBaseId, ct);
        var document = kb is null ? null : await store.FindDocumentAsync(kb.Id, parameters.DocumentId, ct);
        if (kb is null || document is null)
        {
            await context.LogAsync("The document no longer exists.", JobText.Of("JobLog.DocumentGone"), ct);
            return;
        }

        if (document.ObjectKey != parameters.ObjectKey)
        {
            await context.LogAsync("The document was replaced since this job was queued; the newer job indexes it.", JobText.Of("JobLog.DocumentReplaced"), ct);
            return;
        }

        try
        {
            await Report(context, document, 0.02, "Reading the document", ct);
            IReadOnlyList<DocumentSection> sections;
            await using (var content = await objects.OpenReadAsync(ObjectKey.Parse(document.ObjectKey), ct))
            {
                sections = await extractor.ExtractAsync(content, document.FileName, ct);
            }

            var chunks = TextChunker.Chunk(sections, kb.ChunkSize, kb.ChunkOverlap, kb.SplitByHeadings);
            if (chunks.Count == 0)
            {
                throw new DocumentUnreadableException("The document has no text (a scanned PDF needs OCR first).", "Error.Document.NoText");
            }

            await context.LogAsync($"{sections.Count} sections, {chunks.Count} chunks of up to {kb.ChunkSize} characters.", JobText.Of("JobLog.Chunked", sections.Count, chunks.Count, kb.ChunkSize), ct);
            var embedder = await embedders.GetAsync(kb.EmbeddingModel, parameters.RequestedBy ?? kb.OwnerId, ct);
            var rows = new List<KnowledgeChunk>(chunks.Count);
            for (var i = 0; i < chunks.Count; i += BatchSize)
            {
                var batch = chunks.Skip(i).Take(BatchSize).ToList();
                var vectors = await embedder.EmbedAsync([.. batch.Select(c => c.Heading is null ? c.Text : $"{c.Heading}\n{c.Text}")], ct);
                for (var j = 0; j < batch.Count; j++)
                {
                    rows.Add(new KnowledgeChunk
                    {
                        Id = Guid.CreateVersion7(time.GetUtcNow()),
                        KnowledgeBaseId = kb.Id,
                        DocumentId = document.Id,
                        Ordinal = i + j,
                        Heading = batch[j].Heading is { Length: > 500 } h ? h[..500] : batch[j].Heading,
                        Text = batch[j].Text,
                        Embedding = VectorMath.ToBytes(vectors[j]),
                        Language = TextLanguage.Detect(batch[j].Heading is null ? batch[j].Text : $"{batch[j].Heading}\n{batch[j].Text}"),
                    });
                }

                await Report(context, document, 0.1 + (0.85 * (i + batch.Count) / chunks.Count), $"Embedded {i + batch.Count:N0} of {chunks.Count:N0} chunks", ct);
            }

            document.ChunkCount = rows.Count;
            var external = indexes.External;
            if (external is not null)
            {
                // New vectors first: until the chunks are swapped the old ones still answer, and vectors of chunks
                // the database does not know are ignored at query time.
                await external.UpsertAsync(kb.Id, document.Id, [.. rows.Select(r => (r.Id, VectorMath.FromBytes(r.Embedding)))], ct);
            }

            await store.ReplaceChunksAsync(document, rows, ct);
            if (external is not null)
            {
                await external.DeleteDocumentAsync(kb.Id, document.Id, [.. rows.Select(r => r.Id)], ct);
            }

            // Keep this node's index current as documents arrive, so the first question after a large ingestion
            // does not wait for the whole graph to be built.
            if (rows.Count > 0 && await store.FindAsync(kb.Id, ct) is { } current)
            {
                await indexes.GetAsync(current, store, VectorMath.FromBytes(rows[0].Embedding).Length, ct);
            }

            await context.ReportProgressAsync(1, $"{rows.Count:N0} chunks indexed", ct);

            // Files of earlier versions of this document go once the new one is in.
            var stale = new List<ObjectKey>();
            await foreach (var o in objects.ListAsync($"knowledge/{kb.Id:N}/{document.Id:N}/", ct))
            {
                if (o.Key.Value != document.ObjectKey)
                {
                    stale.Add(o.Key);
                }
            }

            foreach (var key in stale)
            {
                await objects.DeleteAsync(key, ct);
            }
        }
        catch (DocumentUnreadableException e)
        {
            await store.UpdateProgressAsync(document.Id, DocumentStatus.Failed, 0, e.ToFailure(), CancellationToken.None);
            await context.LogAsync(JobLogLevel.Error, e.Message, CancellationToken.None);
            throw new InvalidOperationException($"{document.FileName}: {e.Message}", e);
        }
        catch (OperationCanceledException)
        {
            await store.UpdateProgressAsync(document.Id, DocumentStatus.Failed, 0, new DocumentFailure("Ingestion was stopped before it finished; re-index the document.", "Error.Document.Stopped"), CancellationToken.None);
            throw;
        }
        catch (Exception e)
        {
            await store.UpdateProgressAsync(document.Id, DocumentStatus.Failed, 0, e is PlatformException { MessageKey: { } key } platform
                ? new DocumentFailure(e.Message, key, [.. platform.MessageArguments.Select(a => Convert.ToString(a, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty)])
                : new DocumentFailure(e.Message, "Error.Document.Failed", e.Message), CancellationToken.None);
            throw;
        }
    }

    /// <summary>
    /// The ingestion stopped with its process: a re-queued job shows the document waiting again; a failed one (a cancel
    /// was pending) leaves it Failed with the reason, to be re-indexed. A document a newer job owns is left alone.
    /// </summary>
    public async Task OnInterruptedAsync(JobRecord job, JobInterruption interruption, CancellationToken ct)
    {
        var parameters = string.IsNullOrEmpty(job.ParametersJson) ? null : System.Text.Json.JsonSerializer.Deserialize<Parameters>(job.ParametersJson, JobService.JsonOptions);
        if (parameters is null || await store.FindDocumentAsync(parameters.KnowledgeBaseId, parameters.DocumentId, ct) is not { } document
            || document.JobId != job.Id || document.ObjectKey != parameters.ObjectKey || document.Status == DocumentStatus.Ready)
        {
            return;
        }

        if (interruption.Requeued)
        {
            await store.UpdateProgressAsync(document.Id, DocumentStatus.Pending, 0, null, ct);
        }
        else
        {
            await store.UpdateProgressAsync(document.Id, DocumentStatus.Failed, 0, new DocumentFailure($"Ingestion was interrupted ({interruption.Reason}); re-index the document.", "Error.Document.Interrupted", interruption.Reason), ct);
        }
    }

    private async Task Report(JobExecutionContext context, KnowledgeDocument document, double progress, string message, CancellationToken ct)
    {
        await store.UpdateProgressAsync(document.Id, DocumentStatus.Processing, progress, null, ct);
        await context.ReportProgressAsync(progress, message, ct);
    }

    /// <param name="RequestedBy">Whose right to the embedding model and whose tokens (jobs queued before it: the owner).</param>
    public sealed record Parameters(Guid KnowledgeBaseId, Guid DocumentId, string ObjectKey, Guid? RequestedBy = null);
}
