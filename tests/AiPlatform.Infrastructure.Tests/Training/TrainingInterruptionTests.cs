using AiPlatform.Core.Jobs;
using AiPlatform.Core.Tracking;
using AiPlatform.Core.Training;
using AiPlatform.Infrastructure.Tests.Builders;
using Microsoft.Extensions.Logging.Abstractions;

namespace AiPlatform.Infrastructure.Tests.Training;

/// <summary>A training run whose job died with its process follows the job at once, and its slot goes to the next queued run.</summary>
public sealed class TrainingInterruptionTests(SqliteServicesFixture fixture) : TrainingTestBase(fixture), IClassFixture<SqliteServicesFixture>
{
    [Fact]
    public async Task A_run_left_running_by_a_dead_node_fails_with_the_reason_and_its_slot_starts_the_next_queued_run()
    {
        Fixture.Get<TrainingSettings>().TrackingUri = "http://127.0.0.1:1";
        var (experiment, _, _) = await SetupAsync(MulticlassCsv(10));
        var slots = Fixture.Get<TrainingQueue>().MaxConcurrency(TrainingBackendKind.Local);
        var holders = new List<TrainingRun>();
        for (var i = 0; i < slots; i++)
        {
            holders.Add(await Submissions.SubmitAsync(new TrainingRequest(experiment.Id, $"holder-{i}", TrainingKind.Custom, null, new CustomSpec("true"), null, null), None));
        }

        var waiting = await Submissions.SubmitAsync(new TrainingRequest(experiment.Id, "waiting", TrainingKind.Custom, null, new CustomSpec("true"), null, null), None);
        (await Training.GetAsync(waiting.Id, None)).Run.Status.ShouldBe(TrainingStatus.Queued, "every slot is taken");

        // The first holder's job was claimed and its run started by a process of node-dead, which then died.
        var store = Fixture.Get<IJobStore>();
        var crashed = (await Training.GetAsync(holders[0].Id, None)).Run;
        var dead = new JobNode("node-dead", Guid.NewGuid());
        (await store.TryStartAsync(crashed.JobId!.Value, dead, DateTimeOffset.UtcNow, None)).ShouldBeTrue();
        crashed.Status = TrainingStatus.Running;
        crashed.StartedAt = DateTimeOffset.UtcNow;
        await Fixture.Get<ITrainingStore>().UpdateAsync(crashed, None);

        // node-dead starts again.
        var restarted = new JobSettings(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2), new JobNode(dead.Id, Guid.NewGuid()), SettleUnownedAtStart: false);
        await new JobRecovery(store, Fixture.Dispatcher, Fixture.Get<JobHandlerRegistry>(), restarted, TimeProvider.System, NullLogger<JobRecovery>.Instance).RecoverAsync(None);

        var settled = (await Training.GetAsync(crashed.Id, None)).Run;
        settled.Status.ShouldBe(TrainingStatus.Failed);
        settled.Error.ShouldBe("interrupted: node node-dead restarted while the run was running");
        settled.FinishedAt.ShouldNotBeNull();
        (await Fixture.Get<RunService>().GetRunAsync(settled.TrackingRunId, None)).Run.Status.ShouldBe(RunStatus.Failed);
        var next = (await Training.GetAsync(waiting.Id, None)).Run;
        next.Status.ShouldBe(TrainingStatus.Starting, "the freed slot goes to the queued run without waiting for the periodic pump");
        next.JobId.ShouldNotBeNull();
        Fixture.Dispatcher.Dispatched.ShouldContain(next.JobId!.Value);
    }
}

/// <summary>A training run whose process shuts down while it runs.</summary>
public sealed class TrainingShutdownTests(SqliteServicesFixture fixture) : TrainingTestBase(fixture), IClassFixture<SqliteServicesFixture>
{
    [Fact]
    public async Task A_run_interrupted_by_shutdown_fails_as_interrupted_rather_than_cancelled()
    {
        Fixture.Get<TrainingSettings>().TrackingUri = "http://127.0.0.1:1";
        var (experiment, _, _) = await SetupAsync(MulticlassCsv(10));
        var run = await Submissions.SubmitAsync(new TrainingRequest(experiment.Id, "long", TrainingKind.Custom, null, new CustomSpec("sleep 60"), null, null), None);
        var jobId = (await Training.GetAsync(run.Id, None)).Run.JobId!.Value;
        using var shutdown = new CancellationTokenSource();
        var running = Fixture.Get<JobRunner>().RunAsync(jobId, shutdown.Token);
        await WaitUntilAsync(async () => (await Training.GetAsync(run.Id, None)).Run.Status == TrainingStatus.Running, "the run to be Running");
        (await Training.GetAsync(run.Id, None)).Run.Status.ShouldBe(TrainingStatus.Running);

        await shutdown.CancelAsync();
        await running.WaitAsync(TimeSpan.FromSeconds(60));

        var interrupted = (await Training.GetAsync(run.Id, None)).Run;
        interrupted.Status.ShouldBe(TrainingStatus.Failed);
        interrupted.Error.ShouldBe("interrupted: the platform shut down while the run was running");
        var job = await Fixture.Get<IJobStore>().FindAsync(jobId, None);
        job!.Status.ShouldBe(JobStatus.Failed);
        job.Error.ShouldBe(JobRecovery.InterruptedError);
        (await Fixture.Get<IJobStore>().GetLogAsync(jobId, 0, 1000, None)).ShouldContain(l => l.Message == "Interrupted: the platform shut down.");
    }

    [Fact]
    public async Task A_run_another_node_settled_keeps_that_outcome_when_its_silent_runner_stops_late()
    {
        Fixture.Get<TrainingSettings>().TrackingUri = "http://127.0.0.1:1";
        var (experiment, _, _) = await SetupAsync(MulticlassCsv(10));
        var run = await Submissions.SubmitAsync(new TrainingRequest(experiment.Id, "paused", TrainingKind.Custom, null, new CustomSpec("sleep 60"), null, null), None);
        var jobId = (await Training.GetAsync(run.Id, None)).Run.JobId!.Value;
        var runner = Fixture.Get<JobRunner>().RunAsync(jobId, None);
        await WaitUntilAsync(async () => (await Training.GetAsync(run.Id, None)).Run.Status == TrainingStatus.Running, "the run to be Running");
        var store = Fixture.Get<IJobStore>();
        var claimed = await store.FindAsync(jobId, None);

        // Another node took this one's silence (a long pause) for death and settled the job.
        var other = new JobSettings(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2), new JobNode("node-b", Guid.NewGuid()), SettleUnownedAtStart: false);
        var recovery = new JobRecovery(store, Fixture.Dispatcher, Fixture.Get<JobHandlerRegistry>(), other, TimeProvider.System, NullLogger<JobRecovery>.Instance);
        (await recovery.SettleAsync(claimed!, "node x sent no heartbeat for 3 min", staleBefore: null, dispatch: true, None)).ShouldBe(JobSettlement.Failed);
        await runner.WaitAsync(TimeSpan.FromSeconds(60));

        var settled = (await Training.GetAsync(run.Id, None)).Run;
        settled.Status.ShouldBe(TrainingStatus.Failed);
        settled.Error.ShouldBe("interrupted: node x sent no heartbeat for 3 min while the run was running");
        var job = await store.FindAsync(jobId, None);
        job!.Status.ShouldBe(JobStatus.Failed);
        job.Error.ShouldBe(JobRecovery.InterruptedError);
    }
}
