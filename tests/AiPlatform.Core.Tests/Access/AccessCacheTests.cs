using System.Text;
using AiPlatform.Core.Access;

namespace AiPlatform.Core.Tests.Access;

/// <summary>The node's access cache on its own: generations, the race rule, failures, bounds and the password key.</summary>
public sealed class AccessCacheTests
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task An_entry_is_served_from_memory_until_the_cache_is_invalidated()
    {
        var cache = new AccessCache(AccessCacheSettings.Default);
        var user = Guid.NewGuid();
        var loader = new CountingLoader();
        var Load = loader.LoadAsync;

        (await cache.GetContextAsync(user, Load, None))!.UserId.ShouldBe(user);
        await cache.GetContextAsync(user, Load, None);
        loader.Loads.ShouldBe(1);

        cache.Invalidate();
        await cache.GetContextAsync(user, Load, None);
        loader.Loads.ShouldBe(2, "an invalidation forgets what was loaded before it");
    }

    [Fact]
    public async Task A_load_that_races_an_invalidation_is_not_kept()
    {
        var cache = new AccessCache(AccessCacheSettings.Default);
        var user = Guid.NewGuid();
        var loads = 0;
        Task<AccessContext?> LoadWhileAccessChanges(Guid id, CancellationToken ct)
        {
            loads++;
            if (loads == 1)
            {
                // The change commits while the first load is reading the (now old) rows.
                cache.Invalidate();
            }

            return Task.FromResult<AccessContext?>(Context(id));
        }

        await cache.GetContextAsync(user, LoadWhileAccessChanges, None);
        await cache.GetContextAsync(user, LoadWhileAccessChanges, None);
        await cache.GetContextAsync(user, LoadWhileAccessChanges, None);

        loads.ShouldBe(2, "the first load's result predates the change and must not be served; the second is kept");
    }

    [Fact]
    public async Task Failures_are_never_kept()
    {
        var cache = new AccessCache(AccessCacheSettings.Default);
        var checks = 0;
        Task<CallerIdentity?> WrongPassword(CancellationToken ct)
        {
            checks++;
            return Task.FromResult<CallerIdentity?>(null);
        }

        for (var i = 0; i < 3; i++)
        {
            (await cache.CheckPasswordAsync("carol", "wrong", WrongPassword, None)).ShouldBeNull();
            (await cache.GetTokenAsync("hash", (_, _) => Task.FromResult<CachedToken?>(null), None)).ShouldBeNull();
        }

        checks.ShouldBe(3, "every wrong password goes to the real check, which counts it toward lockout");
        cache.Count.ShouldBe(0);
    }

    [Fact]
    public async Task A_successful_password_check_is_reused_for_the_same_pair_only()
    {
        var cache = new AccessCache(AccessCacheSettings.Default);
        var carol = new CallerIdentity(Guid.NewGuid(), "carol");
        var checks = new List<string>();
        Func<CancellationToken, Task<CallerIdentity?>> Check(string password) => _ =>
        {
            checks.Add(password);
            return Task.FromResult<CallerIdentity?>(password == "right-password" ? carol : null);
        };

        (await cache.CheckPasswordAsync("carol", "right-password", Check("right-password"), None)).ShouldBe(carol);
        (await cache.CheckPasswordAsync("Carol", "right-password", Check("right-password"), None)).ShouldBe(carol);
        (await cache.CheckPasswordAsync("carol", "Right-password", Check("Right-password"), None)).ShouldBeNull();

        checks.ShouldBe(["right-password", "Right-password"], "user names are case-insensitive, passwords are not");
    }

    [Fact]
    public void The_password_key_is_an_hmac_under_a_key_of_this_process_not_the_password_or_its_plain_hash()
    {
        var first = new AccessCache(AccessCacheSettings.Default);
        var second = new AccessCache(AccessCacheSettings.Default);
        const string password = "Passw0rd-carol";

        var key = first.PasswordKey("carol", password);

        key.ShouldNotContain(password);
        key.ShouldBe(first.PasswordKey("CAROL", password));
        key.ShouldNotBe(second.PasswordKey("carol", password), "each process draws its own HMAC key");
        var plainHash = System.Security.Cryptography.SHA256.HashData(Encoding.UTF8.GetBytes("carol\0" + password));
        key.ShouldNotBe(Convert.ToBase64String(plainHash));
        key.ShouldNotBe(Convert.ToHexStringLower(plainHash));
    }

    [Fact]
    public async Task A_remembered_password_is_stored_under_its_hmac_key()
    {
        var cache = new AccessCache(AccessCacheSettings.Default);
        await cache.CheckPasswordAsync("carol", "right-password", _ => Task.FromResult<CallerIdentity?>(new CallerIdentity(Guid.NewGuid(), "carol")), None);

        cache.HoldsPasswordKey(cache.PasswordKey("carol", "right-password")).ShouldBeTrue();
        cache.HoldsPasswordKey("right-password").ShouldBeFalse();
    }

    [Fact]
    public async Task A_full_table_is_emptied_so_it_never_grows_past_its_bound()
    {
        var cache = new AccessCache(new AccessCacheSettings(MaxEntries: 100));

        for (var i = 0; i < 1_000; i++)
        {
            await cache.GetContextAsync(Guid.NewGuid(), (id, _) => Task.FromResult<AccessContext?>(Context(id)), None);
            cache.Count.ShouldBeLessThanOrEqualTo(100);
        }
    }

    [Fact]
    public async Task Turned_off_it_loads_every_time()
    {
        var cache = new AccessCache(new AccessCacheSettings(Enabled: false));
        var loads = 0;

        for (var i = 0; i < 3; i++)
        {
            await cache.GetGrantsAsync("project", Guid.Empty, (_, _) =>
            {
                loads++;
                return Task.FromResult<GrantHolder[]?>([]);
            }, None);
        }

        loads.ShouldBe(3);
        cache.Count.ShouldBe(0);
    }

    [Fact]
    public async Task Suspended_it_neither_serves_nor_keeps_and_resumed_it_caches_again()
    {
        var cache = new AccessCache(AccessCacheSettings.Default);
        var user = Guid.NewGuid();
        var loader = new CountingLoader();
        var Load = loader.LoadAsync;

        await cache.GetContextAsync(user, Load, None);
        cache.Suspend();
        cache.Enabled.ShouldBeFalse();
        await cache.GetContextAsync(user, Load, None);
        await cache.GetContextAsync(user, Load, None);
        loader.Loads.ShouldBe(3, "a suspended cache forgets what it held and reads every time");
        cache.Count.ShouldBe(0);

        cache.Resume();
        await cache.GetContextAsync(user, Load, None);
        await cache.GetContextAsync(user, Load, None);
        loader.Loads.ShouldBe(4);
    }

    /// <summary>A context loader that counts its database reads.</summary>
    private sealed class CountingLoader
    {
        public int Loads { get; private set; }

        public Task<AccessContext?> LoadAsync(Guid id, CancellationToken ct)
        {
            Loads++;
            return Task.FromResult<AccessContext?>(Context(id));
        }
    }

    private static AccessContext Context(Guid id) => new(id, "user", new HashSet<Guid>(), new HashSet<string>());
}
