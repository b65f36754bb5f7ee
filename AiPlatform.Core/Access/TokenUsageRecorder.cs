using System.Collections.Concurrent;

namespace AiPlatform.Core.Access;

/// <summary>
/// When each personal access token was last used, kept in memory and written in batches off the request path (by a
/// background flush and before tokens are listed), so that using a token costs no database write.
/// </summary>
public sealed class TokenUsageRecorder(IApiTokenStore store)
{
    private readonly ConcurrentDictionary<Guid, DateTimeOffset> _pending = new();

    private static readonly TimeSpan Resolution = TimeSpan.FromSeconds(1);

    /// <summary>Notes a use; within a second of the last noted one it only reads (no write contention on a busy token).</summary>
    public void Record(Guid tokenId, DateTimeOffset at)
    {
        if (!_pending.TryGetValue(tokenId, out var last) || at - last >= Resolution)
        {
            _pending[tokenId] = at;
        }
    }

    /// <summary>Writes the pending last-used times (one update per token); a time that fails to be written is kept for the next flush.</summary>
    public async Task FlushAsync(CancellationToken ct)
    {
        foreach (var (tokenId, at) in _pending)
        {
            if (!_pending.TryRemove(new KeyValuePair<Guid, DateTimeOffset>(tokenId, at)))
            {
                continue;
            }

            try
            {
                await store.TouchAsync(tokenId, at, ct);
            }
            catch
            {
                _pending.TryAdd(tokenId, at);
                throw;
            }
        }
    }
}
