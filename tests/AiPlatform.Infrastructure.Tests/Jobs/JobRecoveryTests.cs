using AiPlatform.Core.Jobs;
using AiPlatform.Infrastructure.Tests.Builders;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;

namespace AiPlatform.Infrastructure.Tests.Jobs;

/// <summary>
/// Jobs whose process died are settled: at start for the node's own earlier start, by the periodic sweep of any node
/// for other nodes once their heartbeat is older than StaleAfter, exactly once. Run once per provider, on a clock the
/// test moves.
/// </summary>
public abstract class JobRecoveryTests<TFixture>(TFixture fixture) : IClassFixture<TFixture>
    where TFixture : PlatformServicesFixture
{
    private static readonly CancellationToken None = CancellationToken.None;
    private static readonly TimeSpan StaleAfter = TimeSpan.FromMinutes(2);
    private readonly FakeTimeProvider _time = new(DateTimeOffset.UtcNow);

    private IJobStore Store => fixture.Get<IJobStore>();

    [Fact]
    public async Task At_start_a_node_settles_at_once_what_its_previous_start_left_running_whatever_the_heartbeat()
    {
        var now = _time.GetUtcNow();
        var previous = Guid.NewGuid();
        var failed = await AddRunningAsync("test.hooked", "node-a", previous, heartbeat: now);
        var restartable = await AddRunningAsync("test.restartable", "node-a", previous, heartbeat: now);
        var otherNode = await AddRunningAsync("test.hooked", "node-b", Guid.NewGuid(), heartbeat: now);
        var node = new JobNode("node-a", Guid.NewGuid());
        var claimedByThisStart = await AddRunningAsync("test.hooked", node.Id, node.Incarnation, heartbeat: now);
        var dispatcher = new RecordingDispatcher();

        await Recovery(node, dispatcher).RecoverAsync(None);

        var interrupted = await Store.FindAsync(failed.Id, None);
        interrupted!.Status.ShouldBe(JobStatus.Failed);
        interrupted.Error.ShouldBe(JobRecovery.InterruptedError);
        (await LogAsync(failed.Id)).ShouldContain("Interrupted: node node-a restarted.");
        fixture.Interruptions.Seen.ShouldContain(i => i.JobId == failed.Id && !i.Interruption.Requeued && i.Interruption.Reason == "node node-a restarted");
        (await Store.FindAsync(restartable.Id, None))!.Status.ShouldBe(JobStatus.Queued);
        (await LogAsync(restartable.Id)).ShouldContain("Interrupted: node node-a restarted; queued again.");
        dispatcher.Dispatched.ShouldContain(restartable.Id);
        (await Store.FindAsync(otherNode.Id, None))!.Status.ShouldBe(JobStatus.Running, "another node's job is alive while it beats");
        (await Store.FindAsync(claimedByThisStart.Id, None))!.Status.ShouldBe(JobStatus.Running, "this start runs it");
        fixture.Interruptions.Seen.ShouldNotContain(i => i.JobId == otherNode.Id || i.JobId == claimedByThisStart.Id);
    }

    [Fact]
    public async Task Jobs_that_name_no_node_are_settled_at_start_only_where_they_can_only_be_this_nodes()
    {
        var unowned = await AddRunningAsync("test.hooked", nodeId: null, incarnation: null, heartbeat: _time.GetUtcNow());

        await Recovery(new JobNode("node-a", Guid.NewGuid()), settleUnownedAtStart: false).RecoverAsync(None);
        (await Store.FindAsync(unowned.Id, None))!.Status.ShouldBe(JobStatus.Running, "on a shared database it may be another node's, and it beats");

        await Recovery(new JobNode("node-a", Guid.NewGuid()), settleUnownedAtStart: true).RecoverAsync(None);
        (await Store.FindAsync(unowned.Id, None))!.Status.ShouldBe(JobStatus.Failed);
        (await LogAsync(unowned.Id)).ShouldContain("Interrupted: the platform restarted.");
    }

    [Fact]
    public async Task The_sweep_leaves_another_nodes_job_alone_while_it_beats_and_settles_it_once_silent_for_StaleAfter()
    {
        var job = await AddRunningAsync("test.hooked", "node-b", Guid.NewGuid(), heartbeat: _time.GetUtcNow());
        var sweeper = Recovery(new JobNode("node-a", Guid.NewGuid()));

        _time.Advance(StaleAfter - TimeSpan.FromSeconds(1));
        await sweeper.SweepAsync(None);
        (await Store.FindAsync(job.Id, None))!.Status.ShouldBe(JobStatus.Running);

        _time.Advance(TimeSpan.FromSeconds(2));
        await sweeper.SweepAsync(None);
        var settled = await Store.FindAsync(job.Id, None);
        settled!.Status.ShouldBe(JobStatus.Failed);
        settled.Error.ShouldBe(JobRecovery.InterruptedError);
        (await LogAsync(job.Id)).ShouldContain("Interrupted: node node-b sent no heartbeat for 2 min.");
        fixture.Interruptions.Seen.Count(i => i.JobId == job.Id).ShouldBe(1);

        await sweeper.SweepAsync(None);
        fixture.Interruptions.Seen.Count(i => i.JobId == job.Id).ShouldBe(1);
    }

    [Fact]
    public async Task A_job_whose_heartbeat_arrives_before_the_settle_is_left_running()
    {
        var seen = await AddRunningAsync("test.hooked", "node-b", Guid.NewGuid(), heartbeat: _time.GetUtcNow());
        _time.Advance(StaleAfter * 2);

        // The runner on node-b beats between the sweep's query and its update.
        await Store.ReportProgressAsync(seen.Id, null, null, _time.GetUtcNow(), None);
        var settlement = await Store.SettleInterruptedAsync(seen, requeue: false, JobRecovery.InterruptedError, _time.GetUtcNow() - StaleAfter, _time.GetUtcNow(), None);

        settlement.ShouldBe(JobSettlement.None);
        (await Store.FindAsync(seen.Id, None))!.Status.ShouldBe(JobStatus.Running);
    }

    [Fact]
    public async Task The_store_settles_a_job_for_only_one_of_two_racing_callers()
    {
        for (var i = 0; i < 10; i++)
        {
            var seen = await AddRunningAsync(i % 2 == 0 ? "test.hooked" : "test.restartable", "node-z", Guid.NewGuid(), heartbeat: _time.GetUtcNow() - (StaleAfter * 3));
            var before = _time.GetUtcNow() - StaleAfter;

            var outcomes = await Task.WhenAll(
                Task.Run(() => Store.SettleInterruptedAsync(seen, requeue: i % 2 == 1, JobRecovery.InterruptedError, before, _time.GetUtcNow(), None)),
                Task.Run(() => Store.SettleInterruptedAsync(seen, requeue: i % 2 == 1, JobRecovery.InterruptedError, before, _time.GetUtcNow(), None)));

            outcomes.Count(o => o != JobSettlement.None).ShouldBe(1, $"attempt {i}: {string.Join(", ", outcomes)}");
        }
    }

    [Fact]
    public async Task Two_nodes_sweeping_at_once_settle_each_dead_job_exactly_once()
    {
        var dead = new List<JobRecord>();
        for (var i = 0; i < 12; i++)
        {
            dead.Add(await AddRunningAsync(i % 2 == 0 ? "test.hooked" : "test.restartable", "node-z", Guid.NewGuid(), heartbeat: _time.GetUtcNow() - (StaleAfter * 5)));
        }

        var (first, second) = (new RecordingDispatcher(), new RecordingDispatcher());
        var sweepers = new[] { Recovery(new JobNode("node-a", Guid.NewGuid()), first), Recovery(new JobNode("node-b", Guid.NewGuid()), second) };

        await Task.WhenAll(sweepers.Select(s => Task.Run(() => s.SweepAsync(None))));

        foreach (var job in dead)
        {
            var log = await LogAsync(job.Id);
            log.Count(l => l.StartsWith("Interrupted", StringComparison.Ordinal)).ShouldBe(1, $"{job.Kind} {job.Id}: {string.Join(" | ", log)}");
            var settled = await Store.FindAsync(job.Id, None);
            if (job.Kind == "test.hooked")
            {
                settled!.Status.ShouldBe(JobStatus.Failed);
                fixture.Interruptions.Seen.Count(i => i.JobId == job.Id).ShouldBe(1);
            }
            else
            {
                settled!.Status.ShouldBe(JobStatus.Queued);
                (first.Dispatched.Count(id => id == job.Id) + second.Dispatched.Count(id => id == job.Id)).ShouldBe(1);
            }
        }
    }

    [Fact]
    public async Task A_restartable_job_settled_by_the_sweep_is_dispatched_again_and_runs_to_success()
    {
        var job = await AddRunningAsync("test.restartable", "node-z", Guid.NewGuid(), heartbeat: _time.GetUtcNow() - (StaleAfter * 2));
        var dispatcher = new RecordingDispatcher();

        await Recovery(new JobNode("node-a", Guid.NewGuid()), dispatcher).SweepAsync(None);

        dispatcher.Dispatched.Count(id => id == job.Id).ShouldBe(1);
        await fixture.Get<JobRunner>().RunAsync(job.Id, None);
        var done = await Store.FindAsync(job.Id, None);
        done!.Status.ShouldBe(JobStatus.Succeeded);
        done.Attempts.ShouldBe(2);
        done.NodeId.ShouldBe(Environment.MachineName, "the node that ran it now is recorded");
    }

    [Fact]
    public async Task A_queued_job_nobody_took_is_handed_to_the_executor_again_once_per_StaleAfter()
    {
        var job = new JobRecord { Id = Guid.CreateVersion7(), Kind = "test.ok", Status = JobStatus.Queued, CreatedAt = _time.GetUtcNow() - StaleAfter - TimeSpan.FromSeconds(5) };
        await Store.AddAsync(job, null, None);
        var dispatcher = new RecordingDispatcher();
        var sweeper = Recovery(new JobNode("node-a", Guid.NewGuid()), dispatcher);

        await sweeper.SweepAsync(None);
        await sweeper.SweepAsync(None);
        dispatcher.Dispatched.Count(id => id == job.Id).ShouldBe(1);

        _time.Advance(StaleAfter + TimeSpan.FromSeconds(1));
        await sweeper.SweepAsync(None);
        dispatcher.Dispatched.Count(id => id == job.Id).ShouldBe(2);
    }

    private JobRecovery Recovery(JobNode node, RecordingDispatcher? dispatcher = null, bool settleUnownedAtStart = false) => new(
        Store,
        dispatcher ?? new RecordingDispatcher(),
        fixture.Get<JobHandlerRegistry>(),
        new JobSettings(TimeSpan.FromSeconds(1), StaleAfter, node, settleUnownedAtStart),
        _time,
        NullLogger<JobRecovery>.Instance);

    private async Task<JobRecord> AddRunningAsync(string kind, string? nodeId, Guid? incarnation, DateTimeOffset heartbeat)
    {
        var job = new JobRecord
        {
            Id = Guid.CreateVersion7(),
            Kind = kind,
            Status = JobStatus.Running,
            CreatedAt = heartbeat - TimeSpan.FromMinutes(1),
            StartedAt = heartbeat - TimeSpan.FromMinutes(1),
            HeartbeatAt = heartbeat,
            NodeId = nodeId,
            Incarnation = incarnation,
            Attempts = 1,
        };
        await Store.AddAsync(job, null, None);
        return job;
    }

    private async Task<List<string>> LogAsync(Guid id) => [.. (await Store.GetLogAsync(id, 0, 100, None)).Select(l => l.Message)];
}

public sealed class SqliteJobRecoveryTests(SqliteServicesFixture fixture) : JobRecoveryTests<SqliteServicesFixture>(fixture);

public sealed class PostgresJobRecoveryTests(PostgresServicesFixture fixture) : JobRecoveryTests<PostgresServicesFixture>(fixture);
