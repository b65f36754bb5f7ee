using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Chat;
using Microsoft.EntityFrameworkCore;

namespace AiPlatform.Infrastructure.Persistence.Stores;

internal sealed class EfChatStore(IDbContextFactory<PlatformDbContext> contexts) : IChatStore
{
    public async Task<IReadOnlyList<LlmProvider>> ListProvidersAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.LlmProviders.AsNoTracking().OrderBy(p => p.Name).ToListAsync(ct);
    }

    public async Task<LlmProvider?> FindProviderAsync(Guid id, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.LlmProviders.AsNoTracking().FirstOrDefaultAsync(p => p.Id == id, ct);
    }

    public async Task SaveProviderAsync(LlmProvider provider, bool isNew, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (isNew)
        {
            db.LlmProviders.Add(provider);
        }
        else
        {
            db.LlmProviders.Update(provider);
        }

        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
    }

    public async Task DeleteProviderAsync(Guid id, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        var models = db.LlmModels.Where(m => m.ProviderId == id).Select(m => m.Id);
        // Tracked, not ExecuteDelete: the save then moves the access stamp, so no node keeps the grants cached.
        db.Grants.RemoveRange(await db.Grants.Where(g => g.ObjectType == SecurableTypes.LlmModel && models.Contains(g.ObjectId)).ToListAsync(ct));
        await db.LlmModels.Where(m => m.ProviderId == id).ExecuteDeleteAsync(ct);
        await db.LlmProviders.Where(p => p.Id == id).ExecuteDeleteAsync(ct);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
    }

    public async Task<IReadOnlyList<LlmModel>> ListModelsAsync(Guid? providerId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var models = db.LlmModels.AsNoTracking();
        return await (providerId is { } p ? models.Where(m => m.ProviderId == p) : models).OrderBy(m => m.Name).ToListAsync(ct);
    }

    public async Task<LlmModel?> FindModelAsync(Guid id, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.LlmModels.AsNoTracking().FirstOrDefaultAsync(m => m.Id == id, ct);
    }

    public async Task<LlmModel?> FindModelByNameAsync(string name, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.LlmModels.AsNoTracking().FirstOrDefaultAsync(m => m.Name == name, ct);
    }

    public async Task SaveModelAsync(LlmModel model, bool isNew, AuditEntry? audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (isNew)
        {
            db.LlmModels.Add(model);
        }
        else
        {
            db.LlmModels.Update(model);
        }

        if (audit is not null)
        {
            db.AuditEntries.Add(audit);
        }

        await db.SaveChangesAsync(ct);
    }

    public async Task SetTokenScaleAsync(Guid modelId, double scale, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await db.LlmModels.Where(m => m.Id == modelId).ExecuteUpdateAsync(s => s.SetProperty(m => m.TokenScale, scale), ct);
    }

    public async Task<(IReadOnlyList<Conversation> Items, int Total)> ListConversationsAsync(Guid ownerId, string? search, int offset, int limit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var query = db.Conversations.AsNoTracking().Where(c => c.OwnerId == ownerId);
        if (search is not null)
        {
            var term = search.ToLower();
            query = query.Where(c => c.Title.ToLower().Contains(term) || db.ConversationMessages.Any(m => m.ConversationId == c.Id && m.Content.ToLower().Contains(term)));
        }

        return (await query.OrderByDescending(c => c.UpdatedAt).Skip(offset).Take(limit).ToListAsync(ct), await query.CountAsync(ct));
    }

    public async Task<Conversation?> FindConversationAsync(Guid id, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.Conversations.AsNoTracking().FirstOrDefaultAsync(c => c.Id == id, ct);
    }

    public Task SaveConversationAsync(Conversation conversation, bool isNew, CancellationToken ct) => SaveAsync(conversation, isNew, ct);

    public async Task DeleteConversationAsync(Guid id, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await db.ConversationMessages.Where(m => m.ConversationId == id).ExecuteDeleteAsync(ct);
        await db.Conversations.Where(c => c.Id == id).ExecuteDeleteAsync(ct);
    }

    public async Task<IReadOnlyList<ConversationMessage>> ListMessagesAsync(Guid conversationId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.ConversationMessages.AsNoTracking().Where(m => m.ConversationId == conversationId).OrderBy(m => m.Id).ToListAsync(ct);
    }

    public Task SaveMessageAsync(ConversationMessage message, bool isNew, CancellationToken ct) => SaveAsync(message, isNew, ct);

    public async Task DeleteMessagesAfterAsync(Guid conversationId, Guid after, bool inclusive, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await db.ConversationMessages.Where(m => m.ConversationId == conversationId && (inclusive ? m.Id.CompareTo(after) >= 0 : m.Id.CompareTo(after) > 0)).ExecuteDeleteAsync(ct);
    }

    public async Task AddUsageAsync(Guid userId, string model, DateOnly day, string source, int promptTokens, int completionTokens, CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            await using var db = await contexts.CreateDbContextAsync(ct);
            var updated = await db.LlmUsage.Where(u => u.UserId == userId && u.Model == model && u.Day == day && u.Source == source)
                .ExecuteUpdateAsync(s => s.SetProperty(u => u.Requests, u => u.Requests + 1).SetProperty(u => u.PromptTokens, u => u.PromptTokens + promptTokens).SetProperty(u => u.CompletionTokens, u => u.CompletionTokens + completionTokens), ct);
            if (updated > 0)
            {
                return;
            }

            db.LlmUsage.Add(new LlmUsage { UserId = userId, Model = model, Day = day, Source = source, Requests = 1, PromptTokens = promptTokens, CompletionTokens = completionTokens });
            try
            {
                await db.SaveChangesAsync(ct);
                return;
            }
            catch (DbUpdateException) when (attempt < 3)
            {
                // Another request created the row first: add to it.
            }
        }
    }

    public async Task<IReadOnlyList<LlmUsage>> ListUsageAsync(DateOnly from, Guid? userId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var usage = db.LlmUsage.AsNoTracking().Where(u => u.Day >= from);
        return await (userId is { } id ? usage.Where(u => u.UserId == id) : usage).OrderBy(u => u.Day).ToListAsync(ct);
    }

    public async Task<IReadOnlyList<LlmQuota>> ListQuotasAsync(CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.LlmQuotas.AsNoTracking().ToListAsync(ct);
    }

    public async Task SetQuotaAsync(LlmQuota quota, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        var exists = await db.LlmQuotas.AnyAsync(q => q.Id == quota.Id, ct);
        if (exists)
        {
            db.LlmQuotas.Update(quota);
        }
        else
        {
            db.LlmQuotas.Add(quota);
        }

        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
    }

    public async Task DeleteQuotaAsync(Guid id, AuditEntry audit, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await using var transaction = await db.Database.BeginTransactionAsync(ct);
        await db.LlmQuotas.Where(q => q.Id == id).ExecuteDeleteAsync(ct);
        db.AuditEntries.Add(audit);
        await db.SaveChangesAsync(ct);
        await transaction.CommitAsync(ct);
    }

    private async Task SaveAsync<T>(T entity, bool isNew, CancellationToken ct)
        where T : class
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (isNew)
        {
            db.Add(entity);
        }
        else
        {
            db.Update(entity);
        }

        await db.SaveChangesAsync(ct);
    }

    public async Task<IReadOnlyList<PromptTemplate>> ListTemplatesAsync(Guid ownerId, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.PromptTemplates.AsNoTracking().Where(t => t.OwnerId == ownerId || t.Shared).OrderBy(t => t.Name).ToListAsync(ct);
    }

    public async Task<PromptTemplate?> FindTemplateAsync(Guid id, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        return await db.PromptTemplates.AsNoTracking().FirstOrDefaultAsync(t => t.Id == id, ct);
    }

    public async Task SaveTemplateAsync(PromptTemplate template, bool isNew, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        if (isNew)
        {
            db.PromptTemplates.Add(template);
        }
        else
        {
            db.PromptTemplates.Update(template);
        }

        await db.SaveChangesAsync(ct);
    }

    public async Task DeleteTemplateAsync(Guid id, CancellationToken ct)
    {
        await using var db = await contexts.CreateDbContextAsync(ct);
        await db.PromptTemplates.Where(t => t.Id == id).ExecuteDeleteAsync(ct);
    }
}
