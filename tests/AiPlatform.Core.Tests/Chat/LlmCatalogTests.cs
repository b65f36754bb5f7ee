using AiPlatform.Core.Chat;
using Microsoft.Extensions.Time.Testing;

namespace AiPlatform.Core.Tests.Chat;

/// <summary>The node's copy of the LLM catalogue: read once per second at most, at once again after a change here.</summary>
public sealed class LlmCatalogTests
{
    private readonly FakeTimeProvider _time = new();
    private int _loads;

    [Fact]
    public async Task Reads_within_the_max_age_share_one_load()
    {
        var catalog = new LlmCatalog(_time);

        await catalog.GetAsync(LoadAsync, default);
        _time.Advance(LlmCatalog.MaxAge - TimeSpan.FromMilliseconds(1));
        var (_, models) = await catalog.GetAsync(LoadAsync, default);

        _loads.ShouldBe(1);
        models.Single().Name.ShouldBe("m1");
    }

    [Fact]
    public async Task A_change_made_elsewhere_is_read_once_the_copy_is_a_second_old()
    {
        var catalog = new LlmCatalog(_time);
        await catalog.GetAsync(LoadAsync, default);

        _time.Advance(LlmCatalog.MaxAge);
        var (_, models) = await catalog.GetAsync(LoadAsync, default);

        _loads.ShouldBe(2);
        models.Single().Name.ShouldBe("m2");
    }

    [Fact]
    public async Task A_change_made_on_this_node_is_read_by_the_next_request()
    {
        var catalog = new LlmCatalog(_time);
        await catalog.GetAsync(LoadAsync, default);

        catalog.Invalidate();
        var (_, models) = await catalog.GetAsync(LoadAsync, default);

        _loads.ShouldBe(2);
        models.Single().Name.ShouldBe("m2");
    }

    [Fact]
    public async Task A_load_that_began_before_a_change_is_not_served_after_it()
    {
        var catalog = new LlmCatalog(_time);
        var gate = new TaskCompletionSource();
        var slow = catalog.GetAsync(async ct =>
        {
            await gate.Task;
            return await LoadAsync(ct);
        }, default);

        catalog.Invalidate();
        gate.SetResult();
        await slow;
        await catalog.GetAsync(LoadAsync, default);

        _loads.ShouldBe(2, "the copy loaded before the change is stale: the next read loads again");
    }

    private Task<(IReadOnlySet<Guid> EnabledProviders, IReadOnlyList<LlmModel> Models)> LoadAsync(CancellationToken ct)
    {
        var n = Interlocked.Increment(ref _loads);
        IReadOnlyList<LlmModel> models = [new LlmModel { Id = Guid.NewGuid(), ModelId = "m", Name = $"m{n}" }];
        return Task.FromResult<(IReadOnlySet<Guid>, IReadOnlyList<LlmModel>)>((new HashSet<Guid>(), models));
    }
}
