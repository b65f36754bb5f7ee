using System.Security.Cryptography;
using System.Text;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Access;

/// <summary>
/// Personal access tokens: created and revoked by their owner, checked on every API call (through the node's
/// <see cref="AccessCache"/>, with the last use recorded in memory and written in batches).
/// </summary>
public sealed class ApiTokenService(AccessService access, IApiTokenStore store, IAccessStore accessStore, AccessCache cache, TokenUsageRecorder usage, Audit.AuditRecorder audit, TimeProvider time)
{
    public const string Prefix = "aip_";
    public const int MaxLifetimeDays = 366;

    public static bool LooksLikeToken(string? value) => value is { Length: > 20 } && value.StartsWith(Prefix, StringComparison.Ordinal);

    public async Task<CreatedApiToken> CreateAsync(string name, ApiTokenScope scope, int? expiresInDays, CancellationToken ct)
    {
        var context = await access.RequireContextAsync(ct);
        var trimmed = name?.Trim() ?? string.Empty;
        if (trimmed.Length is 0 or > 100)
        {
            throw new ValidationException("name", "A token name has 1 to 100 characters.") { MessageKey = "Error.TokenName" };
        }

        if (expiresInDays is < 1 or > MaxLifetimeDays)
        {
            throw new ValidationException("expiresInDays", $"A token expires after 1 to {MaxLifetimeDays} days.") { MessageKey = "Error.TokenLifetime", MessageArguments = [MaxLifetimeDays] };
        }

        if (!Enum.IsDefined(scope))
        {
            throw new ValidationException("scope", "The scope must be Read or ReadWrite.") { MessageKey = "Error.TokenScope" };
        }

        var plain = Prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var now = time.GetUtcNow();
        var token = new ApiToken
        {
            Id = Guid.CreateVersion7(now),
            UserId = context.UserId,
            Name = trimmed,
            Prefix = plain[..12],
            Hash = HashOf(plain),
            Scope = scope,
            CreatedAt = now,
            ExpiresAt = expiresInDays is { } days ? now.AddDays(days) : null,
        };
        await store.AddAsync(token, await audit.EntryAsync("token.create", "api-token", token.Id, new { token.Name, token.Scope, token.ExpiresAt }, ct), ct);
        return new CreatedApiToken(token, plain);
    }

    /// <summary>
    /// A token for platform-launched code acting for <paramref name="userId"/> (e.g. a training run's MLflow client):
    /// read-write, expiring after <paramref name="lifetime"/>; the platform revokes it when the work ends. The token's
    /// id is <paramref name="workId"/> (e.g. the training run's id), so whoever settles the work after its process died
    /// can revoke it without having seen it.
    /// </summary>
    internal async Task<CreatedApiToken> IssueForWorkAsync(Guid workId, Guid userId, string name, TimeSpan lifetime, CancellationToken ct)
    {
        var plain = Prefix + Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(24));
        var now = time.GetUtcNow();
        var token = new ApiToken
        {
            Id = workId,
            UserId = userId,
            Name = name.Length > 100 ? name[..100] : name,
            Prefix = plain[..12],
            Hash = HashOf(plain),
            Scope = ApiTokenScope.ReadWrite,
            CreatedAt = now,
            ExpiresAt = now + lifetime,
        };
        await store.AddAsync(token, await audit.EntryAsync("token.issue", "api-token", token.Id, new { token.Name, token.ExpiresAt, userId }, ct), ct);
        return new CreatedApiToken(token, plain);
    }

    internal async Task RevokeForWorkAsync(Guid userId, Guid tokenId, CancellationToken ct) =>
        await store.RevokeAsync(userId, tokenId, time.GetUtcNow(), await audit.EntryAsync("token.revoke", "api-token", tokenId, new { reason = "work ended" }, ct), ct);

    public async Task<IReadOnlyList<ApiToken>> ListMineAsync(CancellationToken ct)
    {
        var context = await access.RequireContextAsync(ct);
        await usage.FlushAsync(ct);
        return await store.ListAsync(context.UserId, ct);
    }

    public async Task RevokeAsync(Guid tokenId, CancellationToken ct)
    {
        var context = await access.RequireContextAsync(ct);
        if (!await store.RevokeAsync(context.UserId, tokenId, time.GetUtcNow(), await audit.EntryAsync("token.revoke", "api-token", tokenId, null, ct), ct))
        {
            throw new NotFoundException("Token", tokenId);
        }
    }

    /// <summary>The caller a token stands for, or null when it is unknown, revoked, expired or its user is disabled.</summary>
    public async Task<CallerIdentity?> ValidateAsync(string plainText, CancellationToken ct)
    {
        if (!LooksLikeToken(plainText))
        {
            return null;
        }

        var token = await cache.GetTokenAsync(HashOf(plainText), LoadTokenAsync, ct);
        var now = time.GetUtcNow();
        if (token is null || token.ExpiresAt <= now)
        {
            return null;
        }

        var context = await cache.GetContextAsync(token.UserId, accessStore.LoadContextAsync, ct);
        if (context is null)
        {
            return null;
        }

        usage.Record(token.Id, now);
        return new CallerIdentity(token.UserId, context.UserName, ReadOnly: token.Scope == ApiTokenScope.Read);
    }

    private async Task<CachedToken?> LoadTokenAsync(string hash, CancellationToken ct) =>
        await store.FindByHashAsync(hash, ct) is { RevokedAt: null } token ? new CachedToken(token.Id, token.UserId, token.Scope, token.ExpiresAt) : null;

    /// <summary>The stored form of a token: hex SHA-256 (tokens are long random strings, so no slow hash is needed).</summary>
    public static string HashOf(string plain) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(plain)));
}
