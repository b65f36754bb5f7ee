namespace AiPlatform.Core.Knowledge;

/// <summary>
/// Detects and records the language of chunks stored before languages were (<see cref="KnowledgeChunk.Language"/> null),
/// knowledge base by knowledge base, in batches of <see cref="BatchSize"/> with a keyset cursor on the chunk id. Chunks
/// without letters have no language: they stay null and the cursor moves past them, so one run reads each chunk once.
/// Run once in the background after start (not on a read path); chunks ingested since get their language at ingestion.
/// </summary>
public sealed class KnowledgeLanguageBackfill(IKnowledgeStore store)
{
    /// <summary>Chunks read, detected and written back at a time.</summary>
    public const int BatchSize = 500;

    /// <summary>Records the detected language of every chunk of every knowledge base that has none; returns how many it wrote.</summary>
    public async Task<int> RunAsync(CancellationToken ct)
    {
        var written = 0;
        foreach (var kb in await store.ListAsync(ct))
        {
            written += await RunAsync(kb.Id, ct);
        }

        return written;
    }

    private async Task<int> RunAsync(Guid kbId, CancellationToken ct)
    {
        var written = 0;
        Guid? after = null;
        while (await store.ListChunksWithoutLanguageAsync(kbId, after, BatchSize, ct) is { Count: > 0 } batch)
        {
            var detected = new Dictionary<Guid, string>();
            foreach (var chunk in batch)
            {
                if (TextLanguage.Detect(chunk.Heading is null ? chunk.Text : chunk.Heading + "\n" + chunk.Text) is { } language)
                {
                    detected[chunk.Id] = language;
                }
            }

            if (detected.Count > 0)
            {
                written += await store.SetChunkLanguagesAsync(detected, ct);
            }

            after = batch[^1].Id;
            if (batch.Count < BatchSize)
            {
                break;
            }
        }

        return written;
    }
}
