using AiPlatform.Core.Access;

namespace AiPlatform.Core.Chat;

/// <summary>Token usage by user, model and day (chat and gateway); everyone's for administrators.</summary>
public sealed class ChatUsageService(AccessService access, IChatStore store, TimeProvider time)
{
    public async Task<IReadOnlyList<LlmUsage>> ListAsync(int days, bool everyone, CancellationToken ct)
    {
        var context = everyone ? await access.RequireCapabilityAsync(Capabilities.SettingsManage, ct) : await access.RequireCapabilityAsync(Capabilities.ChatUse, ct);
        var from = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime).AddDays(-Math.Clamp(days, 1, 366) + 1);
        return await store.ListUsageAsync(from, everyone ? null : context.UserId, ct);
    }
}
