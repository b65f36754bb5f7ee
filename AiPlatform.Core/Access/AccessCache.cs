using System.Collections.Concurrent;
using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Text;

namespace AiPlatform.Core.Access;

/// <summary>
/// The node's memory of what authentication and permission checks read from the database: validated tokens, successful
/// HTTP Basic password checks, access contexts and object grants, so that an authenticated request in the steady state
/// costs no database round trip.
/// <para>
/// Every entry belongs to the generation it was loaded in and counts only while that generation is current. A write
/// that changes access calls <see cref="Invalidate"/> (at once on the node that wrote; within a poll interval on the
/// others, which watch a stamp in the database). A loader reads the generation before it queries and its result is kept
/// only if the generation did not move meanwhile, so a load racing a change can never leave a stale entry behind.
/// Failures (unknown or revoked token, wrong password, disabled user) are never kept; each table is bounded and is
/// emptied when full, so no caller can grow it without bound.
/// </para>
/// </summary>
public sealed class AccessCache
{
    private readonly AccessCacheSettings _settings;
    private readonly byte[] _passwordKey = RandomNumberGenerator.GetBytes(32);
    private readonly Table<string, CachedToken> _tokens;
    private readonly Table<string, CallerIdentity> _passwords;
    private readonly Table<Guid, AccessContext> _contexts;
    private readonly Table<(string Type, Guid Id), GrantHolder[]> _grants;
    private readonly Table<string, CallerIdentity> _externalUsers;
    private long _generation;

    public AccessCache(AccessCacheSettings settings)
    {
        _settings = settings;
        _tokens = new Table<string, CachedToken>(settings.MaxEntries);
        _passwords = new Table<string, CallerIdentity>(settings.MaxEntries);
        _contexts = new Table<Guid, AccessContext>(settings.MaxEntries);
        _grants = new Table<(string, Guid), GrantHolder[]>(settings.MaxEntries);
        _externalUsers = new Table<string, CallerIdentity>(settings.MaxEntries);
    }

    private volatile bool _suspended;

    /// <summary>
    /// False when an operator turned the cache off, or while it is suspended because this node cannot see other nodes'
    /// changes (<see cref="Suspend"/>): every lookup reads the database then.
    /// </summary>
    public bool Enabled => _settings.Enabled && !_suspended;

    /// <summary>
    /// Fails closed: this node cannot read the access stamp, so it cannot know whether another node revoked something.
    /// Everything cached is forgotten and nothing is served from memory or kept until <see cref="Resume"/>.
    /// </summary>
    public void Suspend()
    {
        _suspended = true;
        Invalidate();
    }

    /// <summary>The stamp can be read again: forget anything loaded meanwhile and cache again.</summary>
    public void Resume()
    {
        if (_suspended)
        {
            Invalidate();
            _suspended = false;
        }
    }

    /// <summary>Moves on whenever access may have changed; entries of an older generation are not used.</summary>
    public long Generation => Interlocked.Read(ref _generation);

    /// <summary>Forgets everything: access changed (on this node, or on another one seen through the database stamp).</summary>
    public void Invalidate()
    {
        Interlocked.Increment(ref _generation);
        _tokens.Clear();
        _passwords.Clear();
        _contexts.Clear();
        _grants.Clear();
        _externalUsers.Clear();
    }

    /// <summary>The token with this SHA-256 hash, from memory or <paramref name="load"/> (null: unknown or revoked).</summary>
    public ValueTask<CachedToken?> GetTokenAsync(string hash, Func<string, CancellationToken, Task<CachedToken?>> load, CancellationToken ct) =>
        GetOrLoadAsync(_tokens, hash, load, ct);

    /// <summary>The user's access context, from memory or <paramref name="load"/> (null: missing or disabled, never kept).</summary>
    public ValueTask<AccessContext?> GetContextAsync(Guid userId, Func<Guid, CancellationToken, Task<AccessContext?>> load, CancellationToken ct) =>
        GetOrLoadAsync(_contexts, userId, load, ct);

    /// <summary>Everybody's grants on one object, from memory or <paramref name="load"/>.</summary>
    public async ValueTask<IReadOnlyList<GrantHolder>> GetGrantsAsync(string objectType, Guid objectId, Func<(string Type, Guid Id), CancellationToken, Task<GrantHolder[]?>> load, CancellationToken ct) =>
        await GetOrLoadAsync(_grants, (objectType, objectId), load, ct) ?? [];

    /// <summary>
    /// The caller a user name and password stand for: from memory when the same pair succeeded before in this generation,
    /// else from <paramref name="check"/> (the slow password check, which counts failures toward lockout). The pair is
    /// remembered only by an HMAC under a key that lives in this process alone, and only when the check succeeded.
    /// </summary>
    public ValueTask<CallerIdentity?> CheckPasswordAsync(string userName, string password, Func<CancellationToken, Task<CallerIdentity?>> check, CancellationToken ct) =>
        GetOrLoadAsync(_passwords, PasswordKey(userName, password), (_, token) => check(token), ct);

    /// <summary>
    /// The platform user an identity provider's bearer token stands for, from memory or <paramref name="provision"/>;
    /// <paramref name="key"/> covers the issuer, the subject and every claim provisioning reads, so a token with other
    /// claims (e.g. other roles) is provisioned again.
    /// </summary>
    public ValueTask<CallerIdentity?> GetExternalUserAsync(string key, Func<CancellationToken, Task<CallerIdentity?>> provision, CancellationToken ct) =>
        GetOrLoadAsync(_externalUsers, key, (_, token) => provision(token), ct);

    /// <summary>The key a user name and password pair is remembered by (HMAC-SHA256 under this process's random key).</summary>
    internal string PasswordKey(string userName, string password) =>
        Convert.ToBase64String(HMACSHA256.HashData(_passwordKey, Encoding.UTF8.GetBytes(userName.ToLowerInvariant() + "\0" + password)));

    /// <summary>How many entries the tables hold now (for tests).</summary>
    internal int Count => _tokens.Count + _passwords.Count + _contexts.Count + _grants.Count + _externalUsers.Count;

    /// <summary>Whether the password table holds this key (for tests).</summary>
    internal bool HoldsPasswordKey(string key) => _passwords.Contains(key);

    private async ValueTask<TValue?> GetOrLoadAsync<TKey, TValue>(Table<TKey, TValue> table, TKey key, Func<TKey, CancellationToken, Task<TValue?>> load, CancellationToken ct)
        where TKey : notnull
        where TValue : class
    {
        if (!Enabled)
        {
            return await load(key, ct);
        }

        var generation = Generation;
        if (table.TryGet(key, generation, out var hit))
        {
            return hit;
        }

        var loaded = await load(key, ct);
        if (loaded is not null && Generation == generation && !_suspended)
        {
            table.Store(key, loaded, generation);
        }

        return loaded;
    }

    private sealed class Table<TKey, TValue>(int capacity)
        where TKey : notnull
        where TValue : class
    {
        private readonly ConcurrentDictionary<TKey, Entry> _entries = new();

        public int Count => _entries.Count;

        public bool TryGet(TKey key, long generation, [MaybeNullWhen(false)] out TValue value)
        {
            if (_entries.TryGetValue(key, out var entry) && entry.Generation == generation)
            {
                value = entry.Value;
                return true;
            }

            value = null;
            return false;
        }

        /// <summary>Keeps the value; an entry stored just after a concurrent invalidation carries the old generation and is never used.</summary>
        public void Store(TKey key, TValue value, long generation)
        {
            if (_entries.Count >= capacity)
            {
                _entries.Clear();
            }

            _entries[key] = new Entry(value, generation);
        }

        public bool Contains(TKey key) => _entries.ContainsKey(key);

        public void Clear() => _entries.Clear();

        private sealed record Entry(TValue Value, long Generation);
    }
}
