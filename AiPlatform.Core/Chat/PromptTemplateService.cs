using AiPlatform.Core.Access;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Chat;

public sealed record PromptTemplateInput(string? Name, string? Content, bool Shared = false);

/// <summary>Saved prompts: each user's own, plus those shared with every chat user. Only the owner (or an administrator) changes one.</summary>
public sealed class PromptTemplateService(AccessService access, IChatStore store, Audit.AuditRecorder audit, Audit.IAuditStore auditTrail, TimeProvider time)
{
    public async Task<IReadOnlyList<PromptTemplate>> ListAsync(CancellationToken ct)
    {
        var context = await access.RequireCapabilityAsync(Capabilities.ChatUse, ct);
        return await store.ListTemplatesAsync(context.UserId, ct);
    }

    public async Task<PromptTemplate> CreateAsync(PromptTemplateInput input, CancellationToken ct)
    {
        var context = await access.RequireCapabilityAsync(Capabilities.ChatUse, ct);
        var now = time.GetUtcNow();
        var template = new PromptTemplate { Id = Guid.CreateVersion7(now), OwnerId = context.UserId, Name = string.Empty, Content = string.Empty, CreatedAt = now, UpdatedAt = now };
        await ApplyAsync(template, input, ct);
        await store.SaveTemplateAsync(template, true, ct);
        await RecordAsync("prompt-template.create", template, ct);
        return template;
    }

    public async Task<PromptTemplate> UpdateAsync(Guid id, PromptTemplateInput input, CancellationToken ct)
    {
        var template = await OwnAsync(id, ct);
        await ApplyAsync(template, input, ct);
        template.UpdatedAt = time.GetUtcNow();
        await store.SaveTemplateAsync(template, false, ct);
        await RecordAsync("prompt-template.update", template, ct);
        return template;
    }

    public async Task DeleteAsync(Guid id, CancellationToken ct)
    {
        var template = await OwnAsync(id, ct);
        await store.DeleteTemplateAsync(id, ct);
        await RecordAsync("prompt-template.delete", template, ct);
    }

    private async Task RecordAsync(string action, PromptTemplate template, CancellationToken ct) =>
        await auditTrail.AddAsync(await audit.EntryAsync(action, "prompt-template", template.Id, new { template.Name, template.Shared }, ct), ct);

    private async Task<PromptTemplate> OwnAsync(Guid id, CancellationToken ct)
    {
        var context = await access.RequireCapabilityAsync(Capabilities.ChatUse, ct);
        var template = await store.FindTemplateAsync(id, ct);
        if (template is null || (template.OwnerId != context.UserId && !template.Shared))
        {
            throw new NotFoundException("Prompt template", id);
        }

        return template.OwnerId == context.UserId || context.Has(Capabilities.SettingsManage)
            ? template
            : throw new ForbiddenException("Only its owner or an administrator changes a shared template.") { MessageKey = "Error.Chat.TemplateOwner" };
    }

    private async Task ApplyAsync(PromptTemplate template, PromptTemplateInput input, CancellationToken ct)
    {
        var name = input.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > 200)
        {
            throw new ValidationException("name", "Give the template a name of 1 to 200 characters.") { MessageKey = "Error.Chat.TemplateName" };
        }

        if (string.IsNullOrWhiteSpace(input.Content) || input.Content.Length > 20_000)
        {
            throw new ValidationException("content", "A template has 1 to 20,000 characters.") { MessageKey = "Error.Chat.TemplateContent" };
        }

        if ((await store.ListTemplatesAsync(template.OwnerId, ct)).Any(t => t.OwnerId == template.OwnerId && t.Id != template.Id && t.Name == name))
        {
            throw new AlreadyExistsException($"You already have a template named '{name}'.");
        }

        template.Name = name;
        template.Content = input.Content;
        template.Shared = input.Shared;
    }
}
