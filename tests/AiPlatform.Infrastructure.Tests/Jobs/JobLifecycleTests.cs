using System.Text.Json;
using AiPlatform.Core.Common;
using AiPlatform.Core.Dashboard;
using AiPlatform.Core.Jobs;
using AiPlatform.Core.Storage;
using AiPlatform.Infrastructure.Tests.Builders;

namespace AiPlatform.Infrastructure.Tests.Jobs;

/// <summary>The job machinery against a real database; run once per provider by the derived classes.</summary>
public abstract class JobLifecycleTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : PlatformServicesFixture
{
    private static readonly CancellationToken None = CancellationToken.None;

    private JobService Jobs => fixture.Get<JobService>();

    private JobRunner Runner => fixture.Get<JobRunner>();

    private IJobStore Store => fixture.Get<IJobStore>();

    [Fact]
    public async Task Start_queues_a_record_logs_it_and_dispatches_its_id()
    {
        var parameters = JsonDocument.Parse("""{"depth":3}""").RootElement;
        var job = await Jobs.StartAsync(new JobRequest("test.ok", "  My job  ", Parameters: parameters), None);

        var stored = await Jobs.GetAsync(job.Id, None);
        stored.Status.ShouldBe(JobStatus.Queued);
        stored.Title.ShouldBe("My job");
        stored.CreatedBy.ShouldBe("admin");
        stored.ParametersJson.ShouldBe("""{"depth":3}""");
        fixture.Dispatcher.Dispatched.ShouldContain(job.Id);
        (await Jobs.GetLogAsync(job.Id, 0, 10, None)).Single().Message.ShouldBe("Queued.");
    }

    [Fact]
    public async Task Runner_runs_a_job_to_success_with_progress_and_log()
    {
        var job = await Jobs.StartAsync(new JobRequest("test.ok"), None);

        await Runner.RunAsync(job.Id, None);

        var done = await Jobs.GetAsync(job.Id, None);
        done.Status.ShouldBe(JobStatus.Succeeded);
        done.Progress.ShouldBe(1);
        done.Attempts.ShouldBe(1);
        done.StartedAt.ShouldNotBeNull();
        done.FinishedAt.ShouldNotBeNull();
        var log = await Jobs.GetLogAsync(job.Id, 0, 100, None);
        log.Select(l => l.Message).ShouldContain("did the work");
        log.Last().Message.ShouldBe("Finished: Succeeded.");
        log.Select(l => l.Id).ShouldBeInOrder(SortDirection.Ascending);
    }

    [Fact]
    public async Task Log_can_be_tailed_after_the_last_seen_line()
    {
        var job = await Jobs.StartAsync(new JobRequest("test.ok"), None);
        var first = await Jobs.GetLogAsync(job.Id, 0, 100, None);

        await Runner.RunAsync(job.Id, None);
        var lastSeen = first[^1].Id;
        var rest = await Jobs.GetLogAsync(job.Id, lastSeen, 100, None);

        rest.ShouldNotBeEmpty();
        rest.ShouldAllBe(l => l.Id > lastSeen);
    }

    [Fact]
    public async Task A_failing_handler_marks_the_job_failed_with_its_message()
    {
        var job = await Jobs.EnqueueAsync(new JobRequest("test.fail"), null, None);

        await Runner.RunAsync(job.Id, None);

        var failed = await Jobs.GetAsync(job.Id, None);
        failed.Status.ShouldBe(JobStatus.Failed);
        failed.Error.ShouldBe("disk on fire");
    }

    [Fact]
    public async Task Running_the_same_job_twice_runs_it_once()
    {
        var job = await Jobs.StartAsync(new JobRequest("test.ok"), None);

        await Task.WhenAll(Runner.RunAsync(job.Id, None), Runner.RunAsync(job.Id, None));
        await Runner.RunAsync(job.Id, None);

        (await Jobs.GetAsync(job.Id, None)).Attempts.ShouldBe(1);
    }

    [Fact]
    public async Task Cancelling_a_queued_job_ends_it_and_the_runner_skips_it()
    {
        var job = await Jobs.StartAsync(new JobRequest("test.ok"), None);

        var cancelled = await Jobs.CancelAsync(job.Id, None);
        await Runner.RunAsync(job.Id, None);

        cancelled.Status.ShouldBe(JobStatus.Cancelled);
        var after = await Jobs.GetAsync(job.Id, None);
        after.Status.ShouldBe(JobStatus.Cancelled);
        after.Attempts.ShouldBe(0);
    }

    [Fact]
    public async Task Cancelling_a_running_job_stops_its_handler()
    {
        var job = await Jobs.StartAsync(new JobRequest("test.wait"), None);
        var run = Runner.RunAsync(job.Id, None);
        await WaitForAsync(job.Id, JobStatus.Running);

        await Jobs.CancelAsync(job.Id, None);
        await run.WaitAsync(TimeSpan.FromSeconds(20));

        (await Jobs.GetAsync(job.Id, None)).Status.ShouldBe(JobStatus.Cancelled);
    }

    [Fact]
    public async Task A_cancel_recorded_by_another_node_reaches_the_running_job_through_the_store()
    {
        var job = await Jobs.StartAsync(new JobRequest("test.wait"), None);
        var run = Runner.RunAsync(job.Id, None);
        await WaitForAsync(job.Id, JobStatus.Running);

        await Store.RequestCancelAsync(job.Id, DateTimeOffset.UtcNow, null, None);
        await run.WaitAsync(TimeSpan.FromSeconds(20));

        (await Jobs.GetAsync(job.Id, None)).Status.ShouldBe(JobStatus.Cancelled);
    }

    [Fact]
    public async Task Shutdown_during_a_run_marks_the_job_interrupted()
    {
        var job = await Jobs.StartAsync(new JobRequest("test.wait"), None);
        using var shutdown = new CancellationTokenSource();
        var run = Runner.RunAsync(job.Id, shutdown.Token);
        await WaitForAsync(job.Id, JobStatus.Running);

        await shutdown.CancelAsync();
        await run.WaitAsync(TimeSpan.FromSeconds(20));

        var interrupted = await Jobs.GetAsync(job.Id, None);
        interrupted.Status.ShouldBe(JobStatus.Failed);
        interrupted.Error.ShouldBe(JobRecovery.InterruptedError);
    }

    [Fact]
    public async Task A_runner_whose_job_another_node_settled_stops_and_leaves_the_record_alone()
    {
        var job = await Jobs.StartAsync(new JobRequest("test.wait"), None);
        var run = Runner.RunAsync(job.Id, None);
        await WaitForAsync(job.Id, JobStatus.Running);
        var claimed = await Store.FindAsync(job.Id, None);
        claimed!.Incarnation.ShouldNotBeNull();

        // Another node found this one silent (a long pause, a network split) and settled the job.
        (await Store.SettleInterruptedAsync(claimed, requeue: false, JobRecovery.InterruptedError, null, DateTimeOffset.UtcNow, None)).ShouldBe(JobSettlement.Failed);
        await run.WaitAsync(TimeSpan.FromSeconds(20));

        var settled = await Jobs.GetAsync(job.Id, None);
        settled.Status.ShouldBe(JobStatus.Failed);
        settled.Error.ShouldBe(JobRecovery.InterruptedError);
    }

    [Fact]
    public async Task A_superseded_runner_cannot_end_the_attempt_that_replaced_its_own()
    {
        var job = await Jobs.StartAsync(new JobRequest("test.ok"), None);
        var first = new JobNode("node-a", Guid.NewGuid());
        var second = new JobNode("node-b", Guid.NewGuid());
        (await Store.TryStartAsync(job.Id, first, DateTimeOffset.UtcNow, None)).ShouldBeTrue();
        var claimed = (await Store.FindAsync(job.Id, None))!;

        // node-a went silent; another node re-queued the job and node-b runs it as attempt 2.
        (await Store.SettleInterruptedAsync(claimed, requeue: true, JobRecovery.InterruptedError, null, DateTimeOffset.UtcNow, None)).ShouldBe(JobSettlement.Requeued);
        (await Store.TryStartAsync(job.Id, second, DateTimeOffset.UtcNow, None)).ShouldBeTrue();

        (await Store.CompleteClaimAsync(job.Id, first.Incarnation, 1, JobStatus.Succeeded, null, DateTimeOffset.UtcNow, None)).ShouldBeFalse("node-a's late finish ended node-b's attempt");
        (await Store.FindAsync(job.Id, None))!.Status.ShouldBe(JobStatus.Running);
        (await Store.CompleteClaimAsync(job.Id, second.Incarnation, 1, JobStatus.Succeeded, null, DateTimeOffset.UtcNow, None)).ShouldBeFalse("an earlier attempt of the same process is not this one");
        (await Store.CompleteClaimAsync(job.Id, second.Incarnation, 2, JobStatus.Succeeded, null, DateTimeOffset.UtcNow, None)).ShouldBeTrue();
        (await Store.FindAsync(job.Id, None))!.Status.ShouldBe(JobStatus.Succeeded);
    }

    [Fact]
    public async Task An_ended_job_cannot_be_cancelled()
    {
        var job = await Jobs.StartAsync(new JobRequest("test.ok"), None);
        await Runner.RunAsync(job.Id, None);

        await Should.ThrowAsync<ConflictException>(() => Jobs.CancelAsync(job.Id, None));
    }

    [Fact]
    public async Task Unknown_or_internal_kinds_cannot_be_started_by_users()
    {
        (await Should.ThrowAsync<ValidationException>(() => Jobs.StartAsync(new JobRequest("no.such.kind"), None))).Errors.ShouldContainKey("kind");
        await Should.ThrowAsync<ValidationException>(() => Jobs.StartAsync(new JobRequest("test.fail"), None));
        await Should.ThrowAsync<ValidationException>(() => Jobs.StartAsync(new JobRequest(" "), None));
        await Should.ThrowAsync<NotFoundException>(() => Jobs.GetAsync(Guid.NewGuid(), None));
        await Should.ThrowAsync<NotFoundException>(() => Jobs.CancelAsync(Guid.NewGuid(), None));
    }

    [Fact]
    public async Task Recovery_fails_interrupted_runs_requeues_restartable_ones_and_redispatches_queued()
    {
        var now = DateTimeOffset.UtcNow;
        var crashed = NewRecord("test.ok", JobStatus.Running, now);
        var restartable = NewRecord("test.restartable", JobStatus.Running, now);
        var queued = NewRecord("test.ok", JobStatus.Queued, now);
        foreach (var record in new[] { crashed, restartable, queued })
        {
            await Store.AddAsync(record, null, None);
        }

        await fixture.Get<JobRecovery>().RecoverAsync(None);

        var failed = await Jobs.GetAsync(crashed.Id, None);
        failed.Status.ShouldBe(JobStatus.Failed);
        failed.Error.ShouldBe(JobRecovery.InterruptedError);
        (await Jobs.GetAsync(restartable.Id, None)).Status.ShouldBe(JobStatus.Queued);
        fixture.Dispatcher.Dispatched.ShouldContain(restartable.Id);
        fixture.Dispatcher.Dispatched.ShouldContain(queued.Id);
        fixture.Dispatcher.Dispatched.ShouldNotContain(crashed.Id);

        await Runner.RunAsync(queued.Id, None);
        (await Jobs.GetAsync(queued.Id, None)).Status.ShouldBe(JobStatus.Succeeded);
    }

    [Fact]
    public async Task List_filters_by_status_kind_and_text_and_pages_newest_first()
    {
        var tag = Guid.NewGuid().ToString("N")[..8];
        var ids = new List<Guid>();
        for (var i = 0; i < 5; i++)
        {
            ids.Add((await Jobs.StartAsync(new JobRequest("test.ok", $"{tag} run {i}"), None)).Id);
        }

        await Runner.RunAsync(ids[0], None);

        var page = await Jobs.ListAsync(new JobQuery(Search: tag.ToUpperInvariant(), Page: new PageRequest(0, 2)), None);
        page.TotalCount.ShouldBe(5);
        page.Items.Count.ShouldBe(2);
        page.Items[0].Id.ShouldBe(ids[4]);
        var succeeded = await Jobs.ListAsync(new JobQuery(JobStatus.Succeeded, "test.ok", tag), None);
        succeeded.Items.Single().Id.ShouldBe(ids[0]);
        (await Jobs.ListAsync(new JobQuery(Kind: "test.fail", Search: tag), None)).TotalCount.ShouldBe(0);
    }

    [Fact]
    public async Task Dashboard_counts_jobs_by_status_and_day_and_shows_the_latest_storage_scan()
    {
        var before = await fixture.Get<DashboardService>().GetAsync(None);
        var job = await Jobs.StartAsync(new JobRequest("test.ok"), None);
        await Runner.RunAsync(job.Id, None);
        var objects = fixture.Get<IObjectStore>();
        await objects.PutAsync(ObjectKey.Create("dash", Guid.NewGuid().ToString("N")), new MemoryStream(new byte[1234]), 1234, null, None);
        var scan = await Jobs.StartAsync(new JobRequest(StorageScanHandler.JobKind), None);
        await Runner.RunAsync(scan.Id, None);

        var after = await fixture.Get<DashboardService>().GetAsync(None);

        (await Jobs.GetAsync(scan.Id, None)).Status.ShouldBe(JobStatus.Succeeded);
        after.TotalJobs.ShouldBe(before.TotalJobs + 2);
        after.JobsByStatus[JobStatus.Succeeded].ShouldBe(before.JobsByStatus[JobStatus.Succeeded] + 2);
        after.JobsByDay.Where(d => d.Day == DateOnly.FromDateTime(DateTime.UtcNow) && d.Status == JobStatus.Succeeded).Sum(d => d.Count).ShouldBeGreaterThanOrEqualTo(2);
        after.Storage.ShouldNotBeNull();
        after.Storage.ObjectCount.ShouldBeGreaterThanOrEqualTo(1);
        after.Storage.TotalBytes.ShouldBeGreaterThanOrEqualTo(1234);
        after.RecentJobs[0].Id.ShouldBe(scan.Id);
    }

    private static JobRecord NewRecord(string kind, JobStatus status, DateTimeOffset now) => new()
    {
        Id = Guid.CreateVersion7(),
        Kind = kind,
        Status = status,
        CreatedAt = now,
        StartedAt = status == JobStatus.Running ? now.AddHours(-1) : null,
        HeartbeatAt = status == JobStatus.Running ? now.AddHours(-1) : null,
    };

    private Task WaitForAsync(Guid id, JobStatus status) =>
        Eventually.UntilAsync(async () => (await Jobs.GetAsync(id, None)).Status == status, $"job {id} to reach {status}");
}

public sealed class SqliteJobLifecycleTests(SqliteServicesFixture fixture) : JobLifecycleTests<SqliteServicesFixture>(fixture);

public sealed class PostgresJobLifecycleTests(PostgresServicesFixture fixture) : JobLifecycleTests<PostgresServicesFixture>(fixture);
