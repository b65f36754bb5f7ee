namespace AiPlatform.Core.Apps;

/// <summary>
/// A key that runs one app's published version (<c>Authorization: Bearer aipk_…</c> on <c>/api/v1/apps/{slug}/run</c>):
/// shown once, only its SHA-256 kept, revocable, with a rate limit and a daily token budget.
/// </summary>
public sealed class AppApiKey
{
    public Guid Id { get; set; }

    public Guid AppId { get; set; }

    public required string Name { get; set; }

    /// <summary>The key's first characters, shown in lists to tell keys apart.</summary>
    public required string Prefix { get; set; }

    /// <summary>SHA-256 of the key, lower-case hex.</summary>
    public required string Hash { get; set; }

    /// <summary>Requests per minute; null for no limit.</summary>
    public int? RateLimitPerMinute { get; set; }

    /// <summary>Tokens per UTC day over all of the key's runs; null for no budget.</summary>
    public long? DailyTokenBudget { get; set; }

    public Guid CreatedBy { get; set; }

    public DateTimeOffset CreatedAt { get; set; }

    public DateTimeOffset? RevokedAt { get; set; }

    public DateTimeOffset? LastUsedAt { get; set; }
}
