using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Audit;
using AiPlatform.Infrastructure.Apps;
using AiPlatform.Infrastructure.Tests.Builders;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace AiPlatform.Infrastructure.Tests.Apps.Store;

/// <summary>The sweep at start: runs a dead process left marked Running fail; the runs of this process are left alone.</summary>
public sealed class AbandonedAppRunSweepTests(SqliteServicesFixture fixture) : IClassFixture<SqliteServicesFixture>
{
    private static readonly CancellationToken None = CancellationToken.None;

    [Fact]
    public async Task Runs_left_running_before_the_start_are_failed_shortly_after_it()
    {
        var store = fixture.Get<IAppStore>();
        var now = DateTimeOffset.UtcNow;
        var app = new App { Id = Guid.CreateVersion7(), Slug = "sweep-" + Guid.NewGuid().ToString("N")[..6], Name = "Sweep", OwnerId = fixture.Admin.Id, DraftUpdatedAt = now, CreatedAt = now, UpdatedAt = now };
        await store.AddAsync(app, new AuditEntry { At = now, ActorName = "admin", Action = "app.create", ObjectType = SecurableTypes.App, ObjectId = app.Id.ToString() }, None);
        var left = Run(app.Id, now.AddMinutes(-5));
        var current = Run(app.Id, now.AddSeconds(1));
        await store.SaveRunsAsync([new(left, true)], None);
        await store.SaveRunsAsync([new(current, true)], None);

        var time = new FakeTimeProvider(now);
        using var sweep = new AbandonedAppRunSweep(fixture.Services.GetRequiredService<IServiceScopeFactory>(), time, NullLogger<AbandonedAppRunSweep>.Instance);
        await sweep.StartAsync(None);
        (await store.FindRunAsync(left.Id, None))!.Status.ShouldBe(AppRunStatus.Running, "the sweep waits for start-up work first");

        // ExecuteAsync starts on the thread pool: move the clock on until its delay has been set up and has passed.
        await Eventually.UntilAsync(
            async () =>
            {
                time.Advance(AbandonedAppRunSweep.StartDelay);
                return (await store.FindRunAsync(left.Id, None))!.Status == AppRunStatus.Failed;
            },
            "the abandoned run to be failed");
        await sweep.StopAsync(None);

        var failed = (await store.FindRunAsync(left.Id, None))!;
        failed.ErrorKey.ShouldBe("Apps.Error.RunAbandoned");
        failed.Error!.ShouldContain("stopped");
        (await store.FindRunAsync(current.Id, None))!.Status.ShouldBe(AppRunStatus.Running);
    }

    private AppRun Run(Guid appId, DateTimeOffset startedAt) => new()
    {
        Id = Guid.CreateVersion7(),
        AppId = appId,
        Source = AppRunSources.Api,
        CallerId = fixture.Admin.Id,
        RunAsId = fixture.Admin.Id,
        Status = AppRunStatus.Running,
        StartedAt = startedAt,
    };
}
