using System.Collections.Concurrent;
using System.Globalization;
using System.IO.Compression;
using System.Net;
using System.Net.Sockets;
using System.Text;
using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Core.Jobs;
using AiPlatform.Core.Projects;
using AiPlatform.Core.Tracking;
using AiPlatform.Core.Training;
using AiPlatform.Infrastructure.Tests.Builders;
using Microsoft.ML.OnnxRuntime;

namespace AiPlatform.Infrastructure.Tests.Training;

/// <summary>Built-in (ML.NET) and custom (local process) training runs and their failure paths, on SQLite.</summary>
public sealed class TrainingTests(SqliteServicesFixture fixture) : TrainingTestBase(fixture), IClassFixture<SqliteServicesFixture>
{

    [Fact]
    public async Task A_lightgbm_run_trains_evaluates_and_logs_metrics_artifacts_and_its_dataset_into_the_experiment()
    {
        var (experiment, dataset, version) = await SetupAsync(BinaryCsv(600));

        var run = await Submissions.SubmitAsync(new TrainingRequest(experiment.Id, "churn-lgbm", TrainingKind.BuiltIn,
            new BuiltInSpec(TrainingTask.BinaryClassification, TrainerAlgorithm.LightGbm, "churned", ["tenure", "spend", "plan", "note"], new Dictionary<string, double> { ["numberOfIterations"] = 50 }),
            null, dataset.Id, version.Id), None);
        var log = await RunJobAsync(run);

        var done = (await Training.GetAsync(run.Id, None)).Run;
        done.Status.ShouldBe(TrainingStatus.Succeeded, done.Error);
        var tracked = await Fixture.Get<RunService>().GetRunAsync(done.TrackingRunId, None);
        tracked.Run.Status.ShouldBe(RunStatus.Finished);
        tracked.Metric("auc")!.RealValue.ShouldBeGreaterThan(0.9);
        tracked.Metric("accuracy")!.RealValue.ShouldBeGreaterThan(0.8);
        tracked.Metric("f1").ShouldNotBeNull();
        tracked.Metric("log_loss").ShouldNotBeNull();
        tracked.Param("trainer").ShouldBe("LightGbm");
        tracked.Param("numberOfIterations").ShouldBe("50");
        tracked.Inputs.Single().DatasetVersionId.ShouldBe(version.Id);
        var artifacts = Fixture.Get<ArtifactService>();
        (await artifacts.ListAsync(done.TrackingRunId, "model", None)).Select(a => a.Path).ShouldBe(["model/conversion_report.json", "model/input_schema.json", "model/model.onnx", "model/model.zip"], ignoreOrder: true);
        log.Split('\n').FirstOrDefault(l => l.Contains("could not be computed")).ShouldBeNull();
        var (_, importanceBytes, _) = await artifacts.ReadHeadAsync(done.TrackingRunId, "evaluation/feature_importance.csv", None);
        var importance = Encoding.UTF8.GetString(importanceBytes).Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).Select(l => l.Split(',')[0]).ToList();
        importance.Take(2).ShouldBe(["tenure", "spend"], ignoreOrder: true, "the label depends on tenure and spend only");
        (await artifacts.ReadHeadAsync(done.TrackingRunId, "evaluation/confusion_matrix.csv", None)).Bytes.Length.ShouldBeGreaterThan(10);

        var (_, onnx) = await artifacts.OpenAsync(done.TrackingRunId, "model/model.onnx", None);
        using var memory = new MemoryStream();
        await onnx.CopyToAsync(memory);
        await onnx.DisposeAsync();
        using var session = new InferenceSession(memory.ToArray());
        session.InputMetadata.Keys.ShouldBe(["tenure", "spend", "plan", "note"], ignoreOrder: true);
    }

    [Fact]
    public async Task Multiclass_with_k_folds_and_regression_with_the_linear_trainer_log_their_metrics()
    {
        var (experiment, dataset, version) = await SetupAsync(MulticlassCsv(300));
        var multi = await Submissions.SubmitAsync(new TrainingRequest(experiment.Id, null, TrainingKind.BuiltIn,
            new BuiltInSpec(TrainingTask.MulticlassClassification, TrainerAlgorithm.FastTree, "species", ["a", "b"], Folds: 3), null, dataset.Id, version.Id), None);
        var regression = await Submissions.SubmitAsync(new TrainingRequest(experiment.Id, null, TrainingKind.BuiltIn,
            new BuiltInSpec(TrainingTask.Regression, TrainerAlgorithm.Linear, "a", ["b"]), null, dataset.Id, version.Id), None);
        await RunJobAsync(multi);
        await RunJobAsync(regression);

        var runs = Fixture.Get<RunService>();
        var multiRun = (await Training.GetAsync(multi.Id, None)).Run;
        multiRun.Status.ShouldBe(TrainingStatus.Succeeded, multiRun.Error);
        var multiTracked = await runs.GetRunAsync(multiRun.TrackingRunId, None);
        multiTracked.Metric("accuracy")!.RealValue.ShouldBeGreaterThan(0.8);
        multiTracked.Metric("macro_accuracy").ShouldNotBeNull();
        multiTracked.Param("validation").ShouldBe("3-fold");
        var regressionRun = (await Training.GetAsync(regression.Id, None)).Run;
        regressionRun.Status.ShouldBe(TrainingStatus.Succeeded, "Error: " + regressionRun.Error);
        var regressionTracked = await runs.GetRunAsync(regressionRun.TrackingRunId, None);
        regressionTracked.Metric("rmse").ShouldNotBeNull();
        regressionTracked.Metric("r2")!.RealValue.ShouldBeGreaterThan(0.5);
    }

    [Fact]
    public async Task Bad_settings_are_refused_before_queueing_and_bad_data_fails_with_a_clear_message()
    {
        var (experiment, dataset, version) = await SetupAsync(MulticlassCsv(60));
        async Task Refused(BuiltInSpec spec, string expected)
        {
            var error = await Should.ThrowAsync<ValidationException>(() => Submissions.SubmitAsync(new TrainingRequest(experiment.Id, null, TrainingKind.BuiltIn, spec, null, dataset.Id, version.Id), None));
            error.Message.ShouldContain(expected);
        }

        await Refused(new BuiltInSpec(TrainingTask.BinaryClassification, TrainerAlgorithm.LightGbm, "missing", ["a"]), "no column 'missing'");
        await Refused(new BuiltInSpec(TrainingTask.Regression, TrainerAlgorithm.LightGbm, "species", ["a"]), "numeric label");
        await Refused(new BuiltInSpec(TrainingTask.Regression, TrainerAlgorithm.LightGbm, "a", ["a"]), "cannot also be a feature");
        await Refused(new BuiltInSpec(TrainingTask.Regression, TrainerAlgorithm.LightGbm, "a", ["b"], new Dictionary<string, double> { ["depth"] = 3 }), "not 'depth'");
        await Refused(new BuiltInSpec(TrainingTask.Regression, TrainerAlgorithm.LightGbm, "a", ["b"], new Dictionary<string, double> { ["learningRate"] = 5 }), "out of range");
        (await Training.ListAsync(new TrainingQuery(null, experiment.Id, null, null, 0, 50), None)).Total.ShouldBe(0);

        var threeClasses = await Submissions.SubmitAsync(new TrainingRequest(experiment.Id, null, TrainingKind.BuiltIn,
            new BuiltInSpec(TrainingTask.BinaryClassification, TrainerAlgorithm.LightGbm, "species", ["a", "b"]), null, dataset.Id, version.Id), None);
        await RunJobAsync(threeClasses);
        var failed = (await Training.GetAsync(threeClasses.Id, None)).Run;
        failed.Status.ShouldBe(TrainingStatus.Failed);
        failed.Error!.ShouldContain("exactly two label values");
        failed.ErrorKey.ShouldBe("Error.Training.Failed", "a failure without its own resource is stored with the generic one");
        (await Fixture.Get<RunService>().GetRunAsync(failed.TrackingRunId, None)).Run.Status.ShouldBe(RunStatus.Failed);

        var (emptyExperiment, emptyDataset, emptyVersion) = await SetupAsync("a,b,species\n");
        var empty = await Submissions.SubmitAsync(new TrainingRequest(emptyExperiment.Id, null, TrainingKind.BuiltIn,
            new BuiltInSpec(TrainingTask.MulticlassClassification, TrainerAlgorithm.LightGbm, "species", ["a"]), null, emptyDataset.Id, emptyVersion.Id), None);
        await RunJobAsync(empty);
        var emptyRun = (await Training.GetAsync(empty.Id, None)).Run;
        emptyRun.Error!.ShouldContain("no rows");
        emptyRun.ErrorKey.ShouldBe("Error.Training.NoRows");
    }

    [Fact]
    public async Task A_custom_command_gets_its_run_id_token_and_data_and_a_crash_reports_the_exit_code_and_last_lines()
    {
        Fixture.Get<TrainingSettings>().TrackingUri = "http://127.0.0.1:1";
        var (experiment, dataset, version) = await SetupAsync(MulticlassCsv(10));
        var code = await UploadZipAsync(("train.sh", "echo \"run=$MLFLOW_RUN_ID token=${MLFLOW_TRACKING_TOKEN%%_*}_ uri=$MLFLOW_TRACKING_URI\"\nhead -1 \"$AIP_DATASET_PATH\"\necho \"secret=$SECRET_FROM_PARENT\"\n"));
        var ok = await Submissions.SubmitAsync(new TrainingRequest(experiment.Id, "shell", TrainingKind.Custom, null,
            new CustomSpec("sh train.sh", CodeKey: code, Environment: new Dictionary<string, string> { ["EPOCHS"] = "3" }), dataset.Id, version.Id), None);

        // The platform's own environment holds a secret while the run starts; restored after, so no other test sees it.
        var previous = Environment.GetEnvironmentVariable("SECRET_FROM_PARENT");
        Environment.SetEnvironmentVariable("SECRET_FROM_PARENT", "leaked");
        string log;
        try
        {
            log = await RunJobAsync(ok);
        }
        finally
        {
            Environment.SetEnvironmentVariable("SECRET_FROM_PARENT", previous);
        }

        var done = (await Training.GetAsync(ok.Id, None)).Run;
        done.Status.ShouldBe(TrainingStatus.Succeeded, done.Error);
        done.ExitCode.ShouldBe(0);
        log.ShouldContain($"run={done.TrackingRunId:N} token=aip_ uri=http://127.0.0.1:1");
        log.ShouldContain("a,b,species");
        log.ShouldContain("secret=\n");
        var tokens = await Fixture.Get<IApiTokenStore>().ListAsync(Fixture.Admin.Id, None);
        tokens.Where(t => t.Name.StartsWith("training shell", StringComparison.Ordinal)).ShouldAllBe(t => t.RevokedAt != null);

        var crash = await Submissions.SubmitAsync(new TrainingRequest(experiment.Id, "crash", TrainingKind.Custom, null,
            new CustomSpec("echo preparing; echo 'Traceback: boom' >&2; exit 3"), null, null), None);
        await RunJobAsync(crash);
        var crashed = (await Training.GetAsync(crash.Id, None)).Run;
        crashed.Status.ShouldBe(TrainingStatus.Failed);
        crashed.ExitCode.ShouldBe(3);
        crashed.Error!.ShouldContain("exited with code 3");
        crashed.Error!.ShouldContain("Traceback: boom");
        crashed.ErrorKey.ShouldBe("Error.Training.ExitCode");
        crashed.ErrorArguments.ShouldBe("""["3"]""");
    }

    [Fact]
    public async Task Code_from_a_git_repository_is_cloned_at_the_requested_ref()
    {
        Fixture.Get<TrainingSettings>().TrackingUri = "http://127.0.0.1:1";
        var repo = Directory.CreateTempSubdirectory("aip-git-").FullName;
        async Task Git(params string[] args)
        {
            var start = new System.Diagnostics.ProcessStartInfo("git") { WorkingDirectory = repo, RedirectStandardOutput = true, RedirectStandardError = true };
            foreach (var a in (string[])["-c", "user.name=test", "-c", "user.email=test@example.com", .. args])
            {
                start.ArgumentList.Add(a);
            }

            using var process = System.Diagnostics.Process.Start(start)!;
            await process.WaitForExitAsync();
            process.ExitCode.ShouldBe(0, await process.StandardError.ReadToEndAsync());
        }

        await Git("init", "--quiet", "--initial-branch=main");
        await File.WriteAllTextAsync(Path.Combine(repo, "train.sh"), "echo version-one\n");
        await Git("add", ".");
        await Git("commit", "--quiet", "-m", "one");
        await Git("tag", "v1");
        await File.WriteAllTextAsync(Path.Combine(repo, "train.sh"), "echo version-two\n");
        await Git("commit", "--quiet", "-am", "two");
        var (experiment, _, _) = await SetupAsync(MulticlassCsv(10));

        var atTag = await Submissions.SubmitAsync(new TrainingRequest(experiment.Id, "git-tag", TrainingKind.Custom, null, new CustomSpec("sh train.sh", GitUrl: "file://" + repo, GitRef: "v1"), null, null), None);
        var log = await RunJobAsync(atTag);
        (await Training.GetAsync(atTag.Id, None)).Run.Status.ShouldBe(TrainingStatus.Succeeded);
        log.ShouldContain("version-one");
        log.ShouldNotContain("version-two");

        var bad = await Submissions.SubmitAsync(new TrainingRequest(experiment.Id, "git-bad-ref", TrainingKind.Custom, null, new CustomSpec("sh train.sh", GitUrl: "file://" + repo, GitRef: "no-such-ref"), null, null), None);
        await RunJobAsync(bad);
        (await Training.GetAsync(bad.Id, None)).Run.Error!.ShouldContain("git checkout no-such-ref failed");
    }

    [Fact]
    public async Task A_custom_run_records_the_cpu_and_memory_of_its_process_tree_as_system_metrics()
    {
        var settings = Fixture.Get<TrainingSettings>();
        settings.TrackingUri = "http://127.0.0.1:1";
        settings.ResourceSampleInterval = TimeSpan.FromMilliseconds(200);
        var (experiment, _, _) = await SetupAsync(MulticlassCsv(10));

        // The child burns CPU until the test has seen it measured, so the check does not depend on how much CPU a loaded
        // machine happens to give it in a fixed time (it stops by itself after five minutes if the test never says so).
        var busy = "busy-" + Guid.NewGuid().ToString("N");
        var run = await Submissions.SubmitAsync(new TrainingRequest(experiment.Id, "busy", TrainingKind.Custom, null,
            new CustomSpec($"touch {busy}; python3 -c \"import os, time\nend = time.time() + 300\nwhile time.time() < end and not os.path.exists('stop'):\n    for _ in range(10000): pass\""), null, null), None);
        var job = RunJobAsync(run);
        var runs = Fixture.Get<RunService>();
        var trackingRunId = (await Training.GetAsync(run.Id, None)).Run.TrackingRunId;
        async Task<IReadOnlyList<double>> CpuAsync() =>
            [.. (await runs.GetMetricHistoryAsync(trackingRunId, "system/cpu_utilization_percentage", 0, 1000, None)).Select(m => m.Value)];

        try
        {
            // An idle tree measures ~0 %; a busy loop in the child well above 10 % even on a crowded machine.
            await WaitUntilAsync(async () => await CpuAsync() is { Count: >= 3 } cpu && cpu.Max() > 10,
                "three CPU samples of the run, one of them above 10 % (the child's busy loop)");
        }
        finally
        {
            // The busy loop runs, so its work folder (where the command touched its name) exists: tell it to stop there,
            // also when the wait failed.
            if (FindInWorkFolders(busy) is { } started)
            {
                await File.WriteAllTextAsync(Path.Combine(Path.GetDirectoryName(started)!, "stop"), string.Empty);
            }
        }

        await job;

        var done = (await Training.GetAsync(run.Id, None)).Run;
        done.Status.ShouldBe(TrainingStatus.Succeeded, done.Error);
        (await CpuAsync()).ShouldAllBe(c => c >= 0 && c <= 100 * Environment.ProcessorCount + 10, "a percentage of the machine's cores");
        var memory = await runs.GetMetricHistoryAsync(done.TrackingRunId, "system/memory_usage_megabytes", 0, 1000, None);
        memory.ShouldNotBeEmpty();
        memory.Max(m => m.Value).ShouldBeGreaterThan(1, "python's resident memory alone is several megabytes");
    }

    [Fact]
    public async Task A_run_whose_job_died_with_the_platform_is_settled_as_failed_and_retry_reproduces_it()
    {
        Fixture.Get<TrainingSettings>().TrackingUri = "http://127.0.0.1:1";
        var (experiment, _, _) = await SetupAsync(MulticlassCsv(10));
        var run = await Submissions.SubmitAsync(new TrainingRequest(experiment.Id, "interrupted", TrainingKind.Custom, null, new CustomSpec("true", Environment: new Dictionary<string, string> { ["X"] = "1" }), null, null, Priority: 5), None);
        var started = (await Training.GetAsync(run.Id, None)).Run;
        started.JobId.ShouldNotBeNull();

        // A node claimed the job and died with it; what JobRecovery then does (training runs are not restarted: failed).
        var store = Fixture.Get<IJobStore>();
        (await store.TryStartAsync(started.JobId!.Value, new JobNode("node-dead", Guid.NewGuid()), DateTimeOffset.UtcNow, None)).ShouldBeTrue();
        var claimed = (await store.FindAsync(started.JobId.Value, None))!;
        (await store.SettleInterruptedAsync(claimed, requeue: false, JobRecovery.InterruptedError, null, DateTimeOffset.UtcNow, None)).ShouldBe(JobSettlement.Failed);
        await Fixture.Get<TrainingQueue>().PumpAsync(None);

        var settled = (await Training.GetAsync(run.Id, None)).Run;
        settled.Status.ShouldBe(TrainingStatus.Failed);
        settled.Error.ShouldBe(JobRecovery.InterruptedError);

        var retry = await Submissions.RetryAsync(run.Id, None);
        retry.ClonedFromId.ShouldBe(run.Id);
        retry.Priority.ShouldBe(5);
        retry.SpecJson.ShouldBe(run.SpecJson);
        await RunJobAsync(retry);
        (await Training.GetAsync(retry.Id, None)).Run.Status.ShouldBe(TrainingStatus.Succeeded);
    }

    [Fact]
    public async Task Zip_entries_cannot_escape_the_working_folder()
    {
        var zip = Path.Combine(Path.GetTempPath(), Guid.NewGuid().ToString("N") + ".zip");
        using (var archive = ZipFile.Open(zip, ZipArchiveMode.Create))
        {
            var entry = archive.CreateEntry("../../evil.sh");
            await using var stream = entry.Open();
            await stream.WriteAsync("x"u8.ToArray());
        }

        var folder = Directory.CreateTempSubdirectory().FullName;
        Should.Throw<ValidationException>(() => Infrastructure.Training.LocalProcessBackend.ExtractSafely(zip, folder));
        File.Delete(zip);
    }
}

/// <summary>Queues: slots per backend, priority order, queue position, cancelling queued and running runs.</summary>
public sealed class TrainingQueueTests(SqliteServicesFixture fixture) : TrainingTestBase(fixture), IClassFixture<SqliteServicesFixture>
{
    /// <summary>How long the slow command sleeps before it would report "finished": well past the time a cancel takes.</summary>
    private const int SlowSeconds = 5;

    [Fact]
    public async Task Cancelling_a_running_command_kills_it_and_a_queued_run_waits_for_a_free_slot_by_priority()
    {
        Fixture.Get<TrainingSettings>().TrackingUri = "http://127.0.0.1:1";
        var (experiment, _, _) = await SetupAsync(MulticlassCsv(10));
        Fixture.Get<TrainingQueue>().MaxConcurrency(TrainingBackendKind.Local).ShouldBe(2);

        // The sandbox has its own /tmp and PID namespace but shares the network: the command reports over loopback TCP,
        // "started" once its sleep runs in the background, and "finished" if it ever gets past that sleep.
        using var signals = new SignalListener();
        var token = "aip-kill-" + Guid.NewGuid().ToString("N");
        string Say(string word) => $"python3 -c \"import socket; socket.create_connection(('127.0.0.1', {signals.Port})).sendall(b'{word}')\"";
        var probe = await Submissions.SubmitAsync(new TrainingRequest(experiment.Id, "probe", TrainingKind.Custom, null, new CustomSpec("true"), null, null), None);
        var slow = await Submissions.SubmitAsync(new TrainingRequest(experiment.Id, "slow", TrainingKind.Custom, null,
            new CustomSpec($": {token}; sleep {SlowSeconds} & child=$!; {Say("started")}; wait $child; {Say("finished")}"), null, null), None);
        (await Training.GetAsync(slow.Id, None)).Run.Status.ShouldBe(TrainingStatus.Starting, "two slots: the probe and this run start");
        var low = await Submissions.SubmitAsync(new TrainingRequest(experiment.Id, "low", TrainingKind.Custom, null, new CustomSpec("true"), null, null, Priority: 1), None);
        var urgent = await Submissions.SubmitAsync(new TrainingRequest(experiment.Id, "high", TrainingKind.Custom, null, new CustomSpec("true"), null, null, Priority: 9), None);
        var first = await Training.GetAsync(urgent.Id, None);
        first.Run.Status.ShouldBe(TrainingStatus.Queued);
        first.QueuePosition.ShouldBe(1, "a higher priority goes ahead of an older run");
        (await Training.GetAsync(low.Id, None)).QueuePosition.ShouldBe(2);

        var running = RunJobAsync(slow);
        await Eventually.UntilAsync(() => signals.Received.Contains("started"), "the slow command to report that its sleep runs");
        var sleepEnds = DateTimeOffset.UtcNow.AddSeconds(SlowSeconds);
        var tree = HostProcess.TreeOf(token);
        tree.ShouldContain(p => p.Command.StartsWith("sleep ", StringComparison.Ordinal), "the command's own child, seen from the host: " + HostProcess.Describe(tree));
        await Training.CancelAsync(slow.Id, None);
        await running;
        var cancelled = (await Training.GetAsync(slow.Id, None)).Run;
        cancelled.Status.ShouldBe(TrainingStatus.Cancelled);
        (await Fixture.Get<RunService>().GetRunAsync(cancelled.TrackingRunId, None)).Run.Status.ShouldBe(RunStatus.Killed);
        (await Training.GetAsync(urgent.Id, None)).Run.Status.ShouldBe(TrainingStatus.Starting, "the freed slot went to the first in line");
        (await Training.GetAsync(low.Id, None)).QueuePosition.ShouldBe(1);

        // Every process of the tree (sandbox launcher, shell, its background sleep) is gone, not just the shell.
        await Eventually.UntilAsync(() => !tree.Any(p => p.IsRunning()), "every process of the cancelled command to be gone: " + HostProcess.Describe(tree));

        // A bounded wait past the command's own time is the check itself here: a process that escaped the kill would have
        // finished its sleep and said "finished" by then (python's start-up included, hence the margin).
        var left = sleepEnds.AddSeconds(3) - DateTimeOffset.UtcNow;
        if (left > TimeSpan.Zero)
        {
            await Task.Delay(left);
        }

        signals.Received.ShouldNotContain("finished", "the killed command must not finish");

        var queued = await Submissions.SubmitAsync(new TrainingRequest(experiment.Id, "never", TrainingKind.Custom, null, new CustomSpec("true"), null, null), None);
        (await Training.GetAsync(queued.Id, None)).QueuePosition.ShouldBe(2);
        (await Training.CancelAsync(queued.Id, None)).Status.ShouldBe(TrainingStatus.Cancelled);
        await Should.ThrowAsync<ConflictException>(() => Training.CancelAsync(queued.Id, None));
        await RunJobAsync(probe);
        await RunJobAsync(urgent);
        await RunJobAsync(low);
        (await Training.GetAsync(low.Id, None)).Run.Status.ShouldBe(TrainingStatus.Succeeded);
    }

    /// <summary>A process seen from the host's /proc, identified by its pid and start time (a pid can be reused).</summary>
    private sealed record HostProcess(int Pid, string StartTime, string Command)
    {
        /// <summary>The processes whose command line contains <paramref name="token"/>, and all their descendants.</summary>
        public static IReadOnlyList<HostProcess> TreeOf(string token)
        {
            var all = new Dictionary<int, (int Parent, HostProcess Process)>();
            foreach (var folder in Directory.EnumerateDirectories("/proc"))
            {
                if (int.TryParse(Path.GetFileName(folder), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
                    && Stat(pid) is { } stat && Read($"/proc/{pid}/cmdline") is { } command)
                {
                    all[pid] = (int.Parse(stat[1], CultureInfo.InvariantCulture), new HostProcess(pid, stat[19], command.Replace('\0', ' ').Trim()));
                }
            }

            var members = all.Where(p => p.Value.Process.Command.Contains(token, StringComparison.Ordinal)).Select(p => p.Key).ToHashSet();
            while (all.Where(p => !members.Contains(p.Key) && members.Contains(p.Value.Parent)).Select(p => p.Key).ToList() is { Count: > 0 } children)
            {
                members.UnionWith(children);
            }

            return [.. members.Select(pid => all[pid].Process)];
        }

        public static string Describe(IEnumerable<HostProcess> processes) =>
            string.Join("; ", processes.Select(p => $"{p.Pid} {(p.Command.Length > 40 ? p.Command[..40] + "…" : p.Command)}"));

        /// <summary>True while this very process exists and is not a zombie (a zombie runs nothing; it waits to be reaped).</summary>
        public bool IsRunning() => Stat(Pid) is { } stat && stat[19] == StartTime && stat[0] is not ("Z" or "X");

        /// <summary>The fields of /proc/PID/stat after the command name: [0] state, [1] parent pid, [19] start time.</summary>
        private static string[]? Stat(int pid) => Read($"/proc/{pid}/stat") is { } text && text.LastIndexOf(')') is var end and > 0
            ? text[(end + 2)..].Split(' ')
            : null;

        private static string? Read(string path)
        {
            try
            {
                return File.ReadAllText(path);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                return null;
            }
        }
    }

    /// <summary>Accepts loopback connections and keeps what each one sent.</summary>
    private sealed class SignalListener : IDisposable
    {
        private readonly TcpListener _listener = new(IPAddress.Loopback, 0);
        private readonly ConcurrentQueue<string> _received = new();
        private readonly CancellationTokenSource _stop = new();

        public SignalListener()
        {
            _listener.Start();
            _ = AcceptAsync();
        }

        public int Port => ((IPEndPoint)_listener.LocalEndpoint).Port;

        public IReadOnlyCollection<string> Received => [.. _received];

        public void Dispose()
        {
            _stop.Cancel();
            _listener.Stop();
        }

        private async Task AcceptAsync()
        {
            try
            {
                while (true)
                {
                    using var client = await _listener.AcceptTcpClientAsync(_stop.Token);
                    using var reader = new StreamReader(client.GetStream());
                    _received.Enqueue(await reader.ReadToEndAsync(_stop.Token));
                }
            }
            catch (Exception e) when (e is OperationCanceledException or ObjectDisposedException or SocketException or IOException)
            {
                // Disposed: the test is over.
            }
        }
    }
}

public abstract class TrainingTestBase(SqliteServicesFixture fixture) : TrainingTestBase<SqliteServicesFixture>(fixture);

public abstract class TrainingTestBase<TFixture>(TFixture fixture)
    where TFixture : PlatformServicesFixture
{
    protected static readonly CancellationToken None = CancellationToken.None;

    protected TFixture Fixture => fixture;

    protected TrainingService Training => fixture.Get<TrainingService>();

    protected TrainingSubmitService Submissions => fixture.Get<TrainingSubmitService>();

    protected TrainingFileService TrainingFiles => fixture.Get<TrainingFileService>();

    protected async Task<string> RunJobAsync(TrainingRun run)
    {
        var jobId = (await Training.GetAsync(run.Id, None)).Run.JobId ?? throw new InvalidOperationException("The run has no job yet.");
        await Fixture.Get<JobRunner>().RunAsync(jobId, None);
        var log = await Fixture.Get<IJobStore>().GetLogAsync(jobId, 0, 1000, None);
        return string.Join("\n", log.Select(l => l.Message)) + "\n";
    }

    /// <summary>Waits for <paramref name="condition"/>; fails the test naming <paramref name="waitingFor"/> when it does not hold within a generous timeout.</summary>
    /// <summary>The Local backend's run folders (the default sandbox root, outside the data folder).</summary>
    protected static string WorkFoldersRoot => Path.Combine(Path.GetTempPath(), "aip-sandbox");

    /// <summary>A file that a running command created in its work folder, seen from the host; null while there is none.</summary>
    protected static string? FindInWorkFolders(string fileName)
    {
        try
        {
            return Directory.Exists(WorkFoldersRoot)
                ? Directory.EnumerateFiles(WorkFoldersRoot, fileName, new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true }).FirstOrDefault()
                : null;
        }
        catch (IOException)
        {
            // Another run's folder went away during the walk.
            return null;
        }
    }

    protected static Task WaitUntilAsync(Func<Task<bool>> condition, string waitingFor) => Eventually.UntilAsync(condition, waitingFor);

    protected async Task<(Experiment Experiment, Dataset Dataset, DatasetVersion Version)> SetupAsync(string csv)
    {
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var project = await Fixture.Get<ProjectService>().CreateAsync("training-" + suffix, null, None);
        var experiment = await Fixture.Get<ExperimentService>().CreateExperimentAsync(project.Id, "training-" + suffix, null, None);
        var datasets = Fixture.Get<DatasetService>();
        var dataset = await datasets.CreateAsync("data-" + suffix, null, null, None);
        var version = (await datasets.UploadAsync(dataset.Id, new MemoryStream(Encoding.UTF8.GetBytes(csv)), "data.csv", null, None)).Version;
        return (experiment, dataset, version);
    }

    protected async Task<string> UploadZipAsync(params (string Name, string Content)[] files)
    {
        using var buffer = new MemoryStream();
        using (var archive = new ZipArchive(buffer, ZipArchiveMode.Create, leaveOpen: true))
        {
            foreach (var (name, content) in files)
            {
                await using var stream = archive.CreateEntry(name).Open();
                await stream.WriteAsync(Encoding.UTF8.GetBytes(content));
            }
        }

        buffer.Position = 0;
        return await TrainingFiles.UploadCodeAsync(buffer, buffer.Length, None);
    }

    /// <summary>Churn depends on tenure and spend only; plan and note are noise.</summary>
    public static string BinaryCsv(int rows)
    {
        var random = new Random(7);
        var csv = new StringBuilder("tenure,spend,plan,note,churned\n");
        for (var i = 0; i < rows; i++)
        {
            var tenure = random.Next(1, 60);
            var spend = Math.Round(random.NextDouble() * 100, 2);
            var churned = tenure < 20 && spend < 60;
            csv.Append(CultureInfo.InvariantCulture, $"{tenure},{(i % 17 == 0 ? string.Empty : spend.ToString(CultureInfo.InvariantCulture))},{(i % 3 == 0 ? "basic" : "pro")},\"note {random.Next(1000)}\",{(churned ? "yes" : "no")}\n");
        }

        return csv.ToString();
    }

    protected static string MulticlassCsv(int rows)
    {
        var csv = new StringBuilder("a,b,species\n");
        var random = new Random(3);
        for (var i = 0; i < rows; i++)
        {
            var species = i % 3;
            var a = species * 2 + random.NextDouble();
            var b = a * 1.5 + random.NextDouble() * 0.1;
            csv.Append(CultureInfo.InvariantCulture, $"{a:0.###},{b:0.###},{(species == 0 ? "setosa" : species == 1 ? "versicolor" : "virginica")}\n");
        }

        return csv.ToString();
    }
}
