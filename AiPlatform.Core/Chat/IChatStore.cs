using AiPlatform.Core.Audit;

namespace AiPlatform.Core.Chat;

public interface IChatStore
{
    Task<IReadOnlyList<LlmProvider>> ListProvidersAsync(CancellationToken ct);

    Task<LlmProvider?> FindProviderAsync(Guid id, CancellationToken ct);

    Task SaveProviderAsync(LlmProvider provider, bool isNew, AuditEntry audit, CancellationToken ct);

    Task DeleteProviderAsync(Guid id, AuditEntry audit, CancellationToken ct);

    Task<IReadOnlyList<LlmModel>> ListModelsAsync(Guid? providerId, CancellationToken ct);

    Task<LlmModel?> FindModelAsync(Guid id, CancellationToken ct);

    Task<LlmModel?> FindModelByNameAsync(string name, CancellationToken ct);

    /// <summary>Saves a model and, when given, its audit entry in the same transaction.</summary>
    Task SaveModelAsync(LlmModel model, bool isNew, AuditEntry? audit, CancellationToken ct);

    /// <summary>Sets <see cref="LlmModel.TokenScale"/> alone (no full-row update that could undo an administrator's edit).</summary>
    Task SetTokenScaleAsync(Guid modelId, double scale, CancellationToken ct);

    Task<(IReadOnlyList<Conversation> Items, int Total)> ListConversationsAsync(Guid ownerId, string? search, int offset, int limit, CancellationToken ct);

    Task<Conversation?> FindConversationAsync(Guid id, CancellationToken ct);

    Task SaveConversationAsync(Conversation conversation, bool isNew, CancellationToken ct);

    Task DeleteConversationAsync(Guid id, CancellationToken ct);

    Task<IReadOnlyList<ConversationMessage>> ListMessagesAsync(Guid conversationId, CancellationToken ct);

    Task SaveMessageAsync(ConversationMessage message, bool isNew, CancellationToken ct);

    /// <summary>Deletes the messages created after <paramref name="after"/> (edit-and-resend, regenerate).</summary>
    Task DeleteMessagesAfterAsync(Guid conversationId, Guid after, bool inclusive, CancellationToken ct);

    Task AddUsageAsync(Guid userId, string model, DateOnly day, string source, int promptTokens, int completionTokens, CancellationToken ct);

    Task<IReadOnlyList<LlmUsage>> ListUsageAsync(DateOnly from, Guid? userId, CancellationToken ct);

    Task<IReadOnlyList<LlmQuota>> ListQuotasAsync(CancellationToken ct);

    Task SetQuotaAsync(LlmQuota quota, AuditEntry audit, CancellationToken ct);

    Task DeleteQuotaAsync(Guid id, AuditEntry audit, CancellationToken ct);

    Task<IReadOnlyList<PromptTemplate>> ListTemplatesAsync(Guid ownerId, CancellationToken ct);

    Task<PromptTemplate?> FindTemplateAsync(Guid id, CancellationToken ct);

    Task SaveTemplateAsync(PromptTemplate template, bool isNew, CancellationToken ct);

    Task DeleteTemplateAsync(Guid id, CancellationToken ct);
}
