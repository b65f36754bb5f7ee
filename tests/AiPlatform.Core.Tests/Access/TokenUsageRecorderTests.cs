using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;

namespace AiPlatform.Core.Tests.Access;

/// <summary>Token last-use times are kept in memory and written in one batch, the latest per token, and never lost to a failed write.</summary>
public sealed class TokenUsageRecorderTests
{
    private static readonly DateTimeOffset Start = new(2026, 12, 6, 22, 0, 0, TimeSpan.Zero);

    [Fact]
    public async Task A_flush_writes_each_used_token_once_with_its_latest_use_and_then_nothing()
    {
        var store = new RecordingTokenStore();
        var usage = new TokenUsageRecorder(store);
        var first = Guid.NewGuid();
        var second = Guid.NewGuid();

        usage.Record(first, Start);
        usage.Record(first, Start.AddSeconds(5));
        usage.Record(second, Start.AddSeconds(1));
        store.Touches.ShouldBeEmpty("recording a use writes nothing");
        await usage.FlushAsync(CancellationToken.None);
        await usage.FlushAsync(CancellationToken.None);

        store.Touches.ShouldBe([(first, Start.AddSeconds(5)), (second, Start.AddSeconds(1))], ignoreOrder: true);
    }

    [Fact]
    public async Task A_failed_write_is_kept_for_the_next_flush()
    {
        var store = new RecordingTokenStore { Fail = true };
        var usage = new TokenUsageRecorder(store);
        var token = Guid.NewGuid();
        usage.Record(token, Start);

        await Should.ThrowAsync<InvalidOperationException>(() => usage.FlushAsync(CancellationToken.None));
        store.Fail = false;
        await usage.FlushAsync(CancellationToken.None);

        store.Touches.ShouldBe([(token, Start)]);
    }

    private sealed class RecordingTokenStore : IApiTokenStore
    {
        public List<(Guid Id, DateTimeOffset At)> Touches { get; } = [];

        public bool Fail { get; set; }

        public Task TouchAsync(Guid tokenId, DateTimeOffset now, CancellationToken ct)
        {
            if (Fail)
            {
                throw new InvalidOperationException("database down");
            }

            Touches.Add((tokenId, now));
            return Task.CompletedTask;
        }

        public Task AddAsync(ApiToken token, AuditEntry audit, CancellationToken ct) => throw new NotSupportedException();

        public Task<ApiToken?> FindByHashAsync(string hash, CancellationToken ct) => throw new NotSupportedException();

        public Task<IReadOnlyList<ApiToken>> ListAsync(Guid userId, CancellationToken ct) => throw new NotSupportedException();

        public Task<bool> RevokeAsync(Guid userId, Guid tokenId, DateTimeOffset now, AuditEntry audit, CancellationToken ct) => throw new NotSupportedException();
    }
}
