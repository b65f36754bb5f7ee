using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;

namespace AiPlatform.Core.Chat;

/// <summary>Token usage by user, model and day (chat and gateway); everyone's for administrators.</summary>
public sealed class ChatUsageService(AccessService access, IChatStore store, AuditRecorder audit, TimeProvider time)
{
    public async Task<IReadOnlyList<LlmQuota>> ListQuotasAsync(CancellationToken ct)
    {
        await access.RequireCapabilityAsync(Capabilities.SettingsManage, ct);
        return await store.ListQuotasAsync(ct);
    }

    /// <summary>Sets the daily token quota of a user or group (replacing theirs); 0 or less removes it.</summary>
    public async Task SetQuotaAsync(PrincipalType type, Guid principalId, long tokensPerDay, CancellationToken ct)
    {
        await access.RequireCapabilityAsync(Capabilities.SettingsManage, ct);
        var existing = (await store.ListQuotasAsync(ct)).FirstOrDefault(q => q.PrincipalType == type && q.PrincipalId == principalId);
        if (tokensPerDay <= 0)
        {
            if (existing is not null)
            {
                await store.DeleteQuotaAsync(existing.Id, await audit.EntryAsync("llm.quota.delete", "llm-quota", existing.Id, new { principalType = type, principalId }, ct), ct);
            }

            return;
        }

        var quota = new LlmQuota { Id = existing?.Id ?? Guid.CreateVersion7(time.GetUtcNow()), PrincipalType = type, PrincipalId = principalId, TokensPerDay = tokensPerDay };
        await store.SetQuotaAsync(quota, await audit.EntryAsync("llm.quota.set", "llm-quota", quota.Id, new { principalType = type, principalId, tokensPerDay }, ct), ct);
    }

    /// <summary>The caller's allowance today: limit (null: none), used and when it resets.</summary>
    public async Task<(long? Limit, long Used, DateTimeOffset ResetsAt)> RemainingAsync(CancellationToken ct) =>
        await RemainingAsync(store, time, await access.RequireContextAsync(ct), ct);

    /// <summary>Refuses the call when the caller's tokens for today are used up.</summary>
    public async Task EnsureAllowanceAsync(CancellationToken ct) =>
        await EnsureAllowanceAsync(store, time, await access.RequireContextAsync(ct), ct);

    /// <summary>A user's allowance today, for work done on their behalf without a caller (jobs).</summary>
    public static async Task<(long? Limit, long Used, DateTimeOffset ResetsAt)> RemainingAsync(IChatStore store, TimeProvider time, AccessContext context, CancellationToken ct)
    {
        var quotas = await store.ListQuotasAsync(ct);
        var own = quotas.FirstOrDefault(q => q.PrincipalType == PrincipalType.User && q.PrincipalId == context.UserId);
        var groups = quotas.Where(q => q.PrincipalType == PrincipalType.Group && context.GroupIds.Contains(q.PrincipalId)).ToList();
        long? limit = own?.TokensPerDay ?? (groups.Count > 0 ? groups.Max(g => g.TokensPerDay) : null);
        var now = time.GetUtcNow();
        var today = DateOnly.FromDateTime(now.UtcDateTime);
        var used = (await store.ListUsageAsync(today, context.UserId, ct)).Where(u => u.Day == today).Sum(u => u.PromptTokens + u.CompletionTokens);
        return (limit, used, new DateTimeOffset(today.AddDays(1).ToDateTime(TimeOnly.MinValue), TimeSpan.Zero));
    }

    /// <summary>Refuses work on a user's behalf when their tokens for today are used up.</summary>
    public static async Task EnsureAllowanceAsync(IChatStore store, TimeProvider time, AccessContext context, CancellationToken ct)
    {
        var (limit, used, resets) = await RemainingAsync(store, time, context, ct);
        if (limit is { } l && used >= l)
        {
            var wait = resets - time.GetUtcNow();
            throw new QuotaExceededException($"Your daily quota of {l:N0} tokens is used up ({used:N0} used); it resets at {resets:yyyy-MM-dd HH:mm} UTC, in {(int)wait.TotalHours} h {wait.Minutes} min.", resets)
            {
                MessageKey = "Error.Chat.QuotaExceeded",
                MessageArguments = [l, used, (int)wait.TotalHours, wait.Minutes],
            };
        }
    }

    public async Task<IReadOnlyList<LlmUsage>> ListAsync(int days, bool everyone, CancellationToken ct)
    {
        var context = everyone ? await access.RequireCapabilityAsync(Capabilities.SettingsManage, ct) : await access.RequireCapabilityAsync(Capabilities.ChatUse, ct);
        var from = DateOnly.FromDateTime(time.GetUtcNow().UtcDateTime).AddDays(-Math.Clamp(days, 1, 366) + 1);
        return await store.ListUsageAsync(from, everyone ? null : context.UserId, ct);
    }
}
