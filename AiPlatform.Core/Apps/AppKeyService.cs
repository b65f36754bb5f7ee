using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;
using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Apps;

/// <summary>What a new key is called and what it may spend.</summary>
public sealed record AppKeyInput(string Name, int? RateLimitPerMinute = null, long? DailyTokenBudget = null);

/// <summary>A new key with its secret, shown this once (only its SHA-256 is kept).</summary>
public sealed record AppKeyCreated(AppApiKey Key, string Secret);

/// <summary>A key over its rate limit or its daily token budget: 429 with when to try again.</summary>
public sealed class AppKeyLimitException(string message, TimeSpan retryAfter) : PlatformException("rate-limited", message)
{
    public TimeSpan RetryAfter { get; } = retryAfter;
}

/// <summary>
/// Requests per key per minute, counted in this process (fixed one-minute windows). With several web nodes each node
/// counts on its own, so a key may make up to its limit on every node.
/// </summary>
public sealed class AppKeyRateLimiter(TimeProvider time)
{
    private readonly ConcurrentDictionary<Guid, Window> _windows = new();

    /// <summary>Counts one request; the wait until the next window when the key is over its limit, else null.</summary>
    public TimeSpan? TryAcquire(Guid keyId, int limitPerMinute)
    {
        var now = time.GetUtcNow();
        var minute = new DateTimeOffset(now.Year, now.Month, now.Day, now.Hour, now.Minute, 0, TimeSpan.Zero);
        var window = _windows.AddOrUpdate(keyId, _ => new Window(minute, 1), (_, w) => w.Start == minute ? w with { Count = w.Count + 1 } : new Window(minute, 1));
        if (_windows.Count > 10_000)
        {
            foreach (var old in _windows.Where(w => w.Value.Start < minute))
            {
                _windows.TryRemove(old);
            }
        }

        return window.Count > limitPerMinute ? minute.AddMinutes(1) - now : null;
    }

    private sealed record Window(DateTimeOffset Start, int Count);
}

/// <summary>
/// Per-app API keys (<c>aipk_</c> + 48 hex characters): created, listed and revoked with Manage on the app (audited
/// <c>app.key.create</c> / <c>app.key.revoke</c>); the secret is shown once and only its SHA-256 kept. A key runs its
/// own app's published version only, as the publisher, recorded with the key's creator as caller and the key's id;
/// each key may have a rate limit per minute (in-process, per node) and a daily token budget (UTC day, summed from the
/// key's runs in the store).
/// </summary>
public sealed class AppKeyService(AppService apps, IAppStore store, AuditRecorder audit, AppRunService runs, AppRunRecorder recorder, AppKeyRateLimiter limiter, TimeProvider time)
{
    public const string KeyPrefix = "aipk_";

    public const int MaxNameLength = 100;

    private const int SecretBytes = 24;

    /// <summary>Whether a bearer credential is shaped like an app key (so the app-key scheme, not the token one, checks it).</summary>
    public static bool LooksLikeKey(string? value) => value is { Length: > 5 } && value.StartsWith(KeyPrefix, StringComparison.Ordinal);

    /// <summary>SHA-256 of the key, lower-case hex.</summary>
    public static string HashOf(string secret) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(secret)));

    /// <summary>The app's keys, newest first (Manage).</summary>
    public async Task<IReadOnlyList<AppApiKey>> ListAsync(Guid appId, CancellationToken ct)
    {
        var (app, _) = await apps.RequireAsync(appId, PermissionLevel.Manage, ct);
        return [.. (await store.ListKeysAsync(app.Id, ct)).OrderByDescending(k => k.CreatedAt)];
    }

    /// <summary>Creates a key (Manage); the secret is in the answer and nowhere else.</summary>
    public async Task<AppKeyCreated> CreateAsync(Guid appId, AppKeyInput input, CancellationToken ct)
    {
        var (app, _) = await apps.RequireAsync(appId, PermissionLevel.Manage, ct);
        var name = input.Name?.Trim();
        if (string.IsNullOrEmpty(name) || name.Length > MaxNameLength)
        {
            throw new ValidationException("name", $"A key needs a name of 1 to {MaxNameLength} characters.") { MessageKey = "Apps.Keys.Error.Name", MessageArguments = [MaxNameLength] };
        }

        if (input.RateLimitPerMinute is < 1 or > 1_000_000)
        {
            throw new ValidationException("rateLimitPerMinute", "The rate limit is 1 to 1,000,000 requests a minute, or empty for none.") { MessageKey = "Apps.Keys.Error.RateLimit" };
        }

        if (input.DailyTokenBudget is < 1)
        {
            throw new ValidationException("dailyTokenBudget", "The daily token budget is at least 1, or empty for none.") { MessageKey = "Apps.Keys.Error.Budget" };
        }

        var secret = KeyPrefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(SecretBytes));
        var now = time.GetUtcNow();
        var key = new AppApiKey
        {
            Id = Guid.CreateVersion7(now),
            AppId = app.Id,
            Name = name,
            Prefix = secret[..(KeyPrefix.Length + 6)],
            Hash = HashOf(secret),
            RateLimitPerMinute = input.RateLimitPerMinute,
            DailyTokenBudget = input.DailyTokenBudget,
            CreatedAt = now,
        };
        var entry = await audit.EntryAsync("app.key.create", SecurableTypes.App, app.Id, new { keyId = key.Id, key.Name, key.Prefix, key.RateLimitPerMinute, key.DailyTokenBudget }, ct);
        key.CreatedBy = entry.ActorId ?? Guid.Empty;
        await store.AddKeyAsync(key, entry, ct);
        return new AppKeyCreated(key, secret);
    }

    /// <summary>Revokes a key (Manage): it fails at once on every node.</summary>
    public async Task<AppApiKey> RevokeAsync(Guid appId, Guid keyId, CancellationToken ct)
    {
        var (app, _) = await apps.RequireAsync(appId, PermissionLevel.Manage, ct);
        var key = (await store.ListKeysAsync(app.Id, ct)).FirstOrDefault(k => k.Id == keyId) ?? throw new NotFoundException("App key", keyId);
        if (key.RevokedAt is null)
        {
            key.RevokedAt = time.GetUtcNow();
            await store.UpdateKeyAsync(key, await audit.EntryAsync("app.key.revoke", SecurableTypes.App, app.Id, new { keyId = key.Id, key.Name, key.Prefix }, ct), ct);
        }

        return key;
    }

    /// <summary>The key a secret names, when it is not revoked (for the <c>AppKey</c> authentication scheme).</summary>
    public async Task<AppApiKey?> FindActiveAsync(string secret, CancellationToken ct) =>
        LooksLikeKey(secret) && await store.FindKeyByHashAsync(HashOf(secret), ct) is { RevokedAt: null } key ? key : null;

    /// <summary>
    /// Runs the app named <paramref name="slug"/> with a key: another app's slug is a 404 (the key does not reveal what
    /// else exists); over the rate limit or the day's token budget is a 429 with the wait.
    /// </summary>
    public async Task<AppRun> RunAsync(Guid keyId, string slug, AppRunInput input, string source, Func<AppRunEvent, ValueTask>? onEvent, CancellationToken ct)
    {
        var key = await store.FindKeyAsync(keyId, ct);
        if (key is null || key.RevokedAt is not null)
        {
            throw new ForbiddenException("The key is revoked.");
        }

        var app = await store.FindBySlugAsync(slug, ct);
        if (app is null || app.Id != key.AppId)
        {
            throw new NotFoundException("App", slug);
        }

        if (key.RateLimitPerMinute is { } limit && limiter.TryAcquire(key.Id, limit) is { } wait)
        {
            throw new AppKeyLimitException($"The key '{key.Name}' made more than {limit} requests this minute.", wait) { MessageKey = "Apps.Keys.Error.RateLimited", MessageArguments = [key.Name, limit] };
        }

        if (key.DailyTokenBudget is { } budget)
        {
            var now = time.GetUtcNow();
            var today = new DateTimeOffset(now.UtcDateTime.Date, TimeSpan.Zero);
            await recorder.WaitForAppAsync(app.Id, ct);
            var used = await store.SumKeyTokensAsync(key.Id, today, ct);
            if (used >= budget)
            {
                throw new AppKeyLimitException($"The key '{key.Name}' used its {budget} tokens for today (UTC).", today.AddDays(1) - now) { MessageKey = "Apps.Keys.Error.BudgetUsed", MessageArguments = [key.Name, budget] };
            }
        }

        var now2 = time.GetUtcNow();
        if (key.LastUsedAt is null || now2 - key.LastUsedAt > TimeSpan.FromMinutes(1))
        {
            key.LastUsedAt = now2;
            await store.UpdateKeyAsync(key, null, ct);
        }

        return await runs.RunWithKeyAsync(app, key, input, source, onEvent, ct);
    }
}
