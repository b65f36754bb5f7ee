using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Knowledge;
using Microsoft.EntityFrameworkCore;

namespace AiPlatform.Infrastructure.Persistence.Stores;

internal sealed class EfKnowledgeStore(IDbContextFactory<PlatformDbContext> contexts, TimeProvider time) : IKnowledgeStore
{
    public async Task<IReadOnlyList<KnowledgeBase>> ListAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.KnowledgeBases.AsNoTracking().OrderBy(k => k.Name).ToListAsync(ct);
    }

    public async Task<KnowledgeBase?> FindAsync(Guid id, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.KnowledgeBases.AsNoTracking().FirstOrDefaultAsync(k => k.Id == id, ct);
    }

    public async Task<IReadOnlyDictionary<Guid, (int Documents, int Chunks)>> CountsAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var documents = await db.KnowledgeDocuments.GroupBy(d => d.KnowledgeBaseId).Select(g => new { g.Key, Count = g.Count(), Chunks = g.Sum(d => d.ChunkCount) }).ToListAsync(ct);
        return documents.ToDictionary(d => d.Key, d => (d.Count, d.Chunks));
    }

    public async Task<bool> NameTakenAsync(Guid ownerId, string name, Guid? except, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.KnowledgeBases.AnyAsync(k => k.OwnerId == ownerId && k.Name == name && k.Id != except, ct);
    }

    public async Task SaveAsync(KnowledgeBase kb, bool isNew, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (isNew)
        {
            db.KnowledgeBases.Add(kb);
        }
        else
        {
            // Everything but the index version, which only chunk changes move.
            db.KnowledgeBases.Attach(kb);
            var entry = db.Entry(kb);
            entry.State = EntityState.Modified;
            entry.Property(k => k.IndexVersion).IsModified = false;
        }

        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
    }

    public async Task DeleteAsync(Guid id, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.KnowledgeChunks.Where(c => c.KnowledgeBaseId == id).ExecuteDeleteAsync(ct);
        await db.KnowledgeDocuments.Where(d => d.KnowledgeBaseId == id).ExecuteDeleteAsync(ct);
        // Tracked, not ExecuteDelete: the save then moves the access stamp, so no node keeps the grants cached.
        db.Grants.RemoveRange(await db.Grants.Where(g => g.ObjectType == SecurableTypes.KnowledgeBase && g.ObjectId == id).ToListAsync(ct));
        await db.KnowledgeBases.Where(k => k.Id == id).ExecuteDeleteAsync(ct);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
    }

    public async Task<IReadOnlyList<KnowledgeDocument>> ListDocumentsAsync(Guid kbId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.KnowledgeDocuments.AsNoTracking().Where(d => d.KnowledgeBaseId == kbId).OrderBy(d => d.FileName).ToListAsync(ct);
    }

    public async Task<KnowledgeDocument?> FindDocumentAsync(Guid kbId, Guid documentId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.KnowledgeDocuments.AsNoTracking().FirstOrDefaultAsync(d => d.KnowledgeBaseId == kbId && d.Id == documentId, ct);
    }

    public async Task<KnowledgeDocument?> FindDocumentByNameAsync(Guid kbId, string fileName, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.KnowledgeDocuments.AsNoTracking().FirstOrDefaultAsync(d => d.KnowledgeBaseId == kbId && d.FileName == fileName, ct);
    }

    public async Task SaveDocumentAsync(KnowledgeDocument document, bool isNew, AuditEntry? audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (isNew)
        {
            db.KnowledgeDocuments.Add(document);
        }
        else
        {
            db.KnowledgeDocuments.Update(document);
        }

        if (audit is not null)
        {
            db.AuditEntries.Add(audit);
        }

        await db.SaveChangesAsync(ct);
    }

    public async Task UpdateProgressAsync(Guid documentId, DocumentStatus status, double progress, DocumentFailure? error, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var now = time.GetUtcNow();
        var message = error?.Message is { Length: > 2000 } text ? text[..2000] : error?.Message;
        var arguments = error is null ? null : System.Text.Json.JsonSerializer.Serialize(error.Arguments);
        await db.KnowledgeDocuments.Where(d => d.Id == documentId).ExecuteUpdateAsync(
            s => s.SetProperty(d => d.Status, status).SetProperty(d => d.Progress, progress).SetProperty(d => d.Error, message)
                .SetProperty(d => d.ErrorKey, error == null ? null : error.Key).SetProperty(d => d.ErrorArguments, arguments).SetProperty(d => d.UpdatedAt, now),
            ct);
    }

    public async Task SetJobAsync(Guid documentId, Guid jobId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await db.KnowledgeDocuments.Where(d => d.Id == documentId).ExecuteUpdateAsync(s => s.SetProperty(d => d.JobId, jobId), ct);
    }

    public async Task ReplaceChunksAsync(KnowledgeDocument document, IReadOnlyList<KnowledgeChunk> chunks, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var current = await db.KnowledgeDocuments.FirstOrDefaultAsync(d => d.Id == document.Id, ct);
        if (current is null || current.ObjectKey != document.ObjectKey)
        {
            // Deleted or replaced while this ran: the newer state wins.
            return;
        }

        await db.KnowledgeChunks.Where(c => c.DocumentId == document.Id).ExecuteDeleteAsync(ct);
        db.ChangeTracker.AutoDetectChangesEnabled = false;
        for (var i = 0; i < chunks.Count; i += 1000)
        {
            db.KnowledgeChunks.AddRange(chunks.Skip(i).Take(1000));
            await db.SaveChangesAsync(ct);
            db.ChangeTracker.Clear();
        }

        var now = time.GetUtcNow();
        await db.KnowledgeDocuments.Where(d => d.Id == document.Id).ExecuteUpdateAsync(
            s => s.SetProperty(d => d.Status, DocumentStatus.Ready).SetProperty(d => d.Progress, 1.0).SetProperty(d => d.Error, (string?)null)
                .SetProperty(d => d.ChunkCount, chunks.Count).SetProperty(d => d.UpdatedAt, now),
            ct);
        await db.KnowledgeBases.Where(k => k.Id == document.KnowledgeBaseId).ExecuteUpdateAsync(s => s.SetProperty(k => k.IndexVersion, k => k.IndexVersion + 1), ct);
        await transaction.CommitAsync(ct);
    }

    public async Task DeleteDocumentAsync(Guid kbId, Guid documentId, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.KnowledgeChunks.Where(c => c.DocumentId == documentId).ExecuteDeleteAsync(ct);
        await db.KnowledgeDocuments.Where(d => d.KnowledgeBaseId == kbId && d.Id == documentId).ExecuteDeleteAsync(ct);
        await db.KnowledgeBases.Where(k => k.Id == kbId).ExecuteUpdateAsync(s => s.SetProperty(k => k.IndexVersion, k => k.IndexVersion + 1), ct);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
    }

    public async Task<(long Version, IReadOnlyList<Guid> ChunkIds)> ListChunkIdsAsync(Guid kbId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(System.Data.IsolationLevel.RepeatableRead, ct);
        var version = await db.KnowledgeBases.Where(k => k.Id == kbId).Select(k => k.IndexVersion).FirstOrDefaultAsync(ct);
        var ids = await db.KnowledgeChunks.Where(c => c.KnowledgeBaseId == kbId).Select(c => c.Id).ToListAsync(ct);
        await transaction.CommitAsync(ct);
        return (version, ids);
    }

    public async Task<IReadOnlyList<KnowledgeChunk>> LoadChunksAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct)
    {
        if (ids.Count == 0)
        {
            return [];
        }

        await using var db = await contexts.CreateDbContextAsync(ct);
        var result = new List<KnowledgeChunk>(ids.Count);
        foreach (var batch in ids.Chunk(500))
        {
            result.AddRange(await db.KnowledgeChunks.AsNoTracking().Where(c => batch.Contains(c.Id)).ToListAsync(ct));
        }

        return result;
    }

    public async Task<IReadOnlyList<KnowledgeChunk>> ListDocumentChunksAsync(Guid documentId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.KnowledgeChunks.AsNoTracking().Where(c => c.DocumentId == documentId).OrderBy(c => c.Ordinal).ToListAsync(ct);
    }

    public async Task<IReadOnlyList<KnowledgeLanguageCount>> CountLanguagesAsync(Guid kbId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var groups = await db.KnowledgeChunks.Where(c => c.KnowledgeBaseId == kbId)
            .GroupBy(c => c.Language)
            .Select(g => new { Language = g.Key, Chunks = g.Count(), Characters = g.Sum(c => (long)c.Text.Length) })
            .ToListAsync(ct);
        return [.. groups.Select(g => new KnowledgeLanguageCount(g.Language, g.Chunks, g.Characters))];
    }

    public async Task<IReadOnlyList<KnowledgeChunk>> ListChunksWithoutLanguageAsync(Guid kbId, Guid? after, int take, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var query = db.KnowledgeChunks.AsNoTracking().Where(c => c.KnowledgeBaseId == kbId && c.Language == null);
        if (after is { } last)
        {
            query = query.Where(c => c.Id > last);
        }

        var rows = await query.OrderBy(c => c.Id).Take(take).Select(c => new { c.Id, c.DocumentId, c.Ordinal, c.Heading, c.Text }).ToListAsync(ct);
        return [.. rows.Select(r => new KnowledgeChunk { Id = r.Id, KnowledgeBaseId = kbId, DocumentId = r.DocumentId, Ordinal = r.Ordinal, Heading = r.Heading, Text = r.Text, Embedding = [] })];
    }

    public async Task<int> SetChunkLanguagesAsync(IReadOnlyDictionary<Guid, string> languages, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var changed = 0;
        foreach (var group in languages.GroupBy(l => l.Value, l => l.Key))
        {
            var language = group.Key;
            foreach (var batch in group.Chunk(500))
            {
                changed += await db.KnowledgeChunks.Where(c => batch.Contains(c.Id) && c.Language == null).ExecuteUpdateAsync(s => s.SetProperty(c => c.Language, language), ct);
            }
        }

        return changed;
    }

    public async Task<IReadOnlyDictionary<Guid, string>> DocumentNamesAsync(IReadOnlyCollection<Guid> documentIds, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.KnowledgeDocuments.AsNoTracking().Where(d => documentIds.Contains(d.Id)).ToDictionaryAsync(d => d.Id, d => d.FileName, ct);
    }
}
