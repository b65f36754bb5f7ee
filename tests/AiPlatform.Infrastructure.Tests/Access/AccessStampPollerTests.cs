using AiPlatform.Core.Access;
using AiPlatform.Infrastructure.Persistence;
using AiPlatform.Infrastructure.Persistence.AccessStamps;
using AiPlatform.Infrastructure.Tests.Builders;
using Microsoft.EntityFrameworkCore;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Options;

namespace AiPlatform.Infrastructure.Tests.Access;

/// <summary>
/// The stamp poller fails closed: while it cannot read the access stamp (so cannot see a revocation made on another
/// node) the access cache serves nothing from memory, and it caches again once the stamp can be read.
/// </summary>
public sealed class AccessStampPollerTests(SqliteServicesFixture fixture) : IClassFixture<SqliteServicesFixture>
{
    [Fact]
    public async Task While_the_stamp_cannot_be_read_the_cache_serves_nothing_from_memory_and_it_resumes_afterwards()
    {
        var cache = new AccessCache(AccessCacheSettings.Default);
        var database = new SwitchableFactory(fixture.Get<IDbContextFactory<PlatformDbContext>>());
        var options = Options.Create(new AccessCacheOptions { PollMilliseconds = 20 });
        using var poller = new AccessStampPoller(database, cache, new AccessStampInterceptor(cache), options, TimeProvider.System, NullLogger<AccessStampPoller>.Instance);
        await poller.StartAsync(CancellationToken.None);
        try
        {
            var user = Guid.NewGuid();
            var loads = 0;
            Task<AccessContext?> Load(Guid id, CancellationToken ct)
            {
                Interlocked.Increment(ref loads);
                return Task.FromResult<AccessContext?>(new AccessContext(id, "user", new HashSet<Guid>(), new HashSet<string>()));
            }

            await Eventually.UntilAsync(async () =>
            {
                var before = loads;
                await cache.GetContextAsync(user, Load, CancellationToken.None);
                await cache.GetContextAsync(user, Load, CancellationToken.None);
                return loads - before == 1;
            }, "the cache to keep a context while the stamp can be read");

            database.Broken = true;
            await Eventually.UntilAsync(() => Task.FromResult(!cache.Enabled), "the poller to suspend the cache when the stamp cannot be read");
            var suspended = loads;
            await cache.GetContextAsync(user, Load, CancellationToken.None);
            await cache.GetContextAsync(user, Load, CancellationToken.None);
            loads.ShouldBe(suspended + 2, "a suspended cache reads the database on every check (it fails closed)");

            database.Broken = false;
            await Eventually.UntilAsync(() => Task.FromResult(cache.Enabled), "the poller to resume the cache once the stamp can be read again");
            var resumed = loads;
            await cache.GetContextAsync(user, Load, CancellationToken.None);
            await cache.GetContextAsync(user, Load, CancellationToken.None);
            loads.ShouldBe(resumed + 1, "a resumed cache keeps what it loads again");
        }
        finally
        {
            await poller.StopAsync(CancellationToken.None);
        }
    }

    [Fact]
    public async Task Creating_a_token_does_not_empty_the_cache_and_revoking_it_does()
    {
        var cache = fixture.Get<AccessCache>();
        var tokens = fixture.Get<ApiTokenService>();

        var before = cache.Generation;
        var created = await fixture.As(fixture.Admin, () => tokens.CreateAsync("loop", ApiTokenScope.Read, 1, CancellationToken.None));
        cache.Generation.ShouldBe(before, "nothing cached depends on a token that did not exist, so a create cannot be used to flush every node");

        await fixture.As(fixture.Admin, () => tokens.RevokeAsync(created.Token.Id, CancellationToken.None));
        cache.Generation.ShouldBeGreaterThan(before, "a revocation empties the cache");
    }

    /// <summary>The platform's database, or, when <see cref="Broken"/>, a database that cannot be reached.</summary>
    private sealed class SwitchableFactory(IDbContextFactory<PlatformDbContext> inner) : IDbContextFactory<PlatformDbContext>
    {
        public volatile bool Broken;

        public PlatformDbContext CreateDbContext() =>
            Broken ? throw new InvalidOperationException("The database cannot be reached (test).") : inner.CreateDbContext();

        public Task<PlatformDbContext> CreateDbContextAsync(CancellationToken cancellationToken = default) =>
            Broken ? throw new InvalidOperationException("The database cannot be reached (test).") : inner.CreateDbContextAsync(cancellationToken);
    }
}
