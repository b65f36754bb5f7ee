using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using System.Text;
using AiPlatform.Core.Jobs;
using AiPlatform.Core.Training;
using AiPlatform.Web.Features.Data;
using AiPlatform.Web.Features.Jobs;
using AiPlatform.Web.Features.Me;
using AiPlatform.Web.Features.Projects;
using AiPlatform.Web.Features.Tracking;
using AiPlatform.Web.Features.Training;
using AiPlatform.Web.Tests.Builders;
using Xunit.Abstractions;

namespace AiPlatform.Web.Tests.Jobs;

/// <summary>
/// The real platform in a child process, killed with SIGKILL in the middle of work, as a crash, an OOM kill or a pod
/// eviction ends it: nothing it was doing may stay Running, its training slot comes back, and an upload it was
/// receiving leaves neither a version nor its partial file. The work is a custom training run whose command sleeps, in
/// the bubblewrap sandbox, so it runs as long as the test needs and the same way every time.
/// </summary>
public sealed class ProcessKillTests(ITestOutputHelper output) : IAsyncLifetime
{
    private const string Sleeper = "sleep 600";

    /// <summary>A job's heartbeat period in these tests (<c>Jobs:PollInterval</c>).</summary>
    private static readonly TimeSpan Poll = TimeSpan.FromSeconds(1);

    /// <summary>Short, so that another node settles a dead node's job within seconds; 15 heartbeats: node A must stall that long under load before a live job looks dead (CI is a loaded 2-core machine).</summary>
    private static readonly TimeSpan ShortStaleAfter = TimeSpan.FromSeconds(15);

    /// <summary>Long, so that within a test only a node's knowledge that it died can settle its jobs, never staleness.</summary>
    private static readonly TimeSpan LongStaleAfter = TimeSpan.FromMinutes(10);

    private readonly List<PlatformProcess> _processes = [];
    private readonly List<string> _folders = [];
    private PostgresTestDatabase? _postgres;

    public Task InitializeAsync() => Task.CompletedTask;

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("Postgres")]
    public async Task A_platform_killed_mid_run_and_restarted_at_once_settles_the_run_at_start_and_frees_its_slot(string provider)
    {
        var settings = Settings(provider, NewDataFolder(), "node-a", LongStaleAfter);
        var sandboxRoot = settings["Training:Local:SandboxRoot"];
        var first = await StartAsync("first", settings);
        var admin = first.CreateAdminClient();
        var experiment = await CreateExperimentAsync(admin);
        var sleeping = await SubmitAsync(admin, experiment, "sleeping", Sleeper);
        var job = await WaitUntilSandboxRunsAsync(admin, sleeping, first);
        Directory.EnumerateDirectories(sandboxRoot, $"{sleeping:N}-*").ShouldHaveSingleItem("the sandboxed run has a folder of its own");
        (await TokensAsync(admin)).Single(t => t.Id == sleeping).RevokedAt.ShouldBeNull("the running run's MLflow token is live");
        var waiting = await SubmitAsync(admin, experiment, "waiting", "echo finished");
        (await RunAsync(admin, waiting)).Status.ShouldBe(TrainingStatus.Queued, "the Local backend has one slot, held by the sleeping run");

        var survivors = await first.KillAsync();
        survivors.ShouldBeEmpty("the sandboxed command outlived the platform that started it");
        var restart = Stopwatch.StartNew();
        var second = await StartAsync("restarted", settings);
        var ready = restart.Elapsed;
        admin = second.CreateAdminClient();

        var settled = await WaitAsync(() => JobAsync(admin, job.Id), j => j.Status != JobStatus.Running, $"the killed process's job {job.Id} to leave Running after the restart", TimeSpan.FromSeconds(60), second);
        var settledAfter = restart.Elapsed;
        settled.Status.ShouldBe(JobStatus.Failed, $"a training run is not restartable: its job fails; {Context(second)}");
        settled.Error.ShouldBe(JobRecovery.InterruptedError);
        var run = await WaitAsync(() => RunAsync(admin, sleeping), r => r.IsTerminal, "the sleeping training run to end", TimeSpan.FromSeconds(60), second);
        run.Status.ShouldBe(TrainingStatus.Failed);
        run.Error.ShouldNotBeNull().ShouldContain(JobRecovery.InterruptedError, Case.Insensitive);
        (await TokensAsync(admin)).Single(t => t.Id == sleeping).RevokedAt.ShouldNotBeNull("the dead run's MLflow token still works");
        Directory.EnumerateDirectories(sandboxRoot, $"{sleeping:N}-*").ShouldBeEmpty("the dead run's folder (code, data, its token in the environment file) is left behind");
        var next = await WaitAsync(() => RunAsync(admin, waiting), r => r.IsTerminal, "the waiting run to get the freed slot and finish", TimeSpan.FromSeconds(90), second);
        next.Status.ShouldBe(TrainingStatus.Succeeded, next.Error);
        output.WriteLine($"{provider}: ready {ready.TotalSeconds:0.0} s after the kill, job settled {settledAfter.TotalSeconds:0.0} s after it, the queued run done {restart.Elapsed.TotalSeconds:0.0} s after it");
    }

    [Fact]
    public async Task A_node_killed_mid_run_has_its_run_settled_by_another_node_sharing_the_database_and_not_before()
    {
        _postgres = new PostgresTestDatabase();
        var a = await StartAsync("node-a", Settings("Postgres", NewDataFolder(), "node-a", ShortStaleAfter));
        var adminA = a.CreateAdminClient();
        var experiment = await CreateExperimentAsync(adminA);
        var sleeping = await SubmitAsync(adminA, experiment, "sleeping", Sleeper);
        var job = await WaitUntilSandboxRunsAsync(adminA, sleeping, a);
        var waiting = await SubmitAsync(adminA, experiment, "waiting", "echo finished");

        // B starts only now, so the Running job can only be A's; B has workers, so it can run what is queued later.
        var b = await StartAsync("node-b", Settings("Postgres", NewDataFolder(), "node-b", ShortStaleAfter));
        var adminB = b.CreateAdminClient();

        // While A lives (and beats), B leaves A's job alone, however long it runs: watch it for longer than StaleAfter plus
        // a few sweeps. A wall-clock window, because what is checked is that nothing happens.
        var watched = Stopwatch.StartNew();
        while (watched.Elapsed < ShortStaleAfter + (4 * Poll))
        {
            var seen = await JobAsync(adminB, job.Id);
            seen.Status.ShouldBe(JobStatus.Running, $"node B settled the job of node A, which is alive, {watched.Elapsed.TotalSeconds:0.0} s after B was ready; {Context(a, b)}");
            (await RunAsync(adminB, waiting)).Status.ShouldBe(TrainingStatus.Queued);
            await Task.Delay(TimeSpan.FromMilliseconds(250));
        }

        var survivors = await a.KillAsync();
        var killed = Stopwatch.StartNew();
        survivors.ShouldBeEmpty("the sandboxed command outlived the platform that started it");

        var settled = await WaitAsync(() => JobAsync(adminB, job.Id), j => j.Status != JobStatus.Running, $"node B to settle the job {job.Id} of the killed node A (Jobs:StaleAfter {ShortStaleAfter.TotalSeconds:0} s, Jobs:PollInterval {Poll.TotalSeconds:0} s)", ShortStaleAfter + TimeSpan.FromSeconds(60), b);
        var settledAfter = killed.Elapsed;
        settled.Status.ShouldBe(JobStatus.Failed);
        settled.Error.ShouldBe(JobRecovery.InterruptedError);
        var run = await WaitAsync(() => RunAsync(adminB, sleeping), r => r.IsTerminal, "the sleeping training run to end", TimeSpan.FromSeconds(60), b);
        run.Status.ShouldBe(TrainingStatus.Failed);
        var next = await WaitAsync(() => RunAsync(adminB, waiting), r => r.IsTerminal, "the waiting run to get the freed slot on node B and finish", TimeSpan.FromSeconds(90), b);
        next.Status.ShouldBe(TrainingStatus.Succeeded, next.Error);
        output.WriteLine($"node B settled node A's job {settledAfter.TotalSeconds:0.0} s after the kill (StaleAfter {ShortStaleAfter.TotalSeconds:0} s); the queued run done {killed.Elapsed.TotalSeconds:0.0} s after it");
    }

    [Theory]
    [InlineData("Sqlite")]
    [InlineData("Postgres")]
    public async Task An_upload_cut_by_a_kill_leaves_no_version_and_its_partial_file_is_removed_at_the_next_start(string provider)
    {
        var data = NewDataFolder();
        var settings = Settings(provider, data, "node-a", LongStaleAfter);
        var first = await StartAsync("first", settings);
        var admin = first.CreateAdminClient();
        var dataset = (await (await admin.PostAsJsonAsync("/api/v1/datasets", new { name = "cut-" + Guid.NewGuid().ToString("N")[..6] })).Content.ReadFromJsonAsync<DatasetView>(JsonDefaults.Options))!;
        var scratch = Path.Combine(data, "tmp", "scratch");

        using var content = new EndlessCsvContent();
        var upload = admin.PostAsync($"/api/v1/datasets/{dataset.Id}/versions?fileName=big.csv", content);
        var partial = await WaitAsync(
            () => Task.FromResult(Directory.EnumerateFiles(scratch, "*.csv", SearchOption.AllDirectories).Select(f => new FileInfo(f)).FirstOrDefault(f => f.Length >= 4 << 20)),
            f => f is not null,
            "the upload to be spooled to a scratch file (4 MB of it)",
            TimeSpan.FromSeconds(60),
            first);

        await first.KillAsync();
        (await Record.ExceptionAsync(() => upload)).ShouldNotBeNull("the upload went on after its server was killed");
        File.Exists(partial!.FullName).ShouldBeTrue("the kill left the partial upload behind (else this test proves nothing)");

        var second = await StartAsync("restarted", settings);
        admin = second.CreateAdminClient();

        File.Exists(partial.FullName).ShouldBeFalse($"the partial upload {partial.FullName} is still there after the restart");
        Directory.EnumerateFiles(scratch, "*.csv", SearchOption.AllDirectories).ShouldBeEmpty();
        (await admin.GetFromJsonAsync<List<Core.Data.DatasetVersion>>($"/api/v1/datasets/{dataset.Id}/versions", JsonDefaults.Options)).ShouldBeEmpty();
        var again = await admin.PostAsync($"/api/v1/datasets/{dataset.Id}/versions?fileName=small.csv", new StringContent("id,value\n1,2\n"));
        again.StatusCode.ShouldBe(HttpStatusCode.Created, await again.Content.ReadAsStringAsync());
        output.WriteLine($"{provider}: the killed upload had spooled at least {partial.Length} bytes");
    }

    public async Task DisposeAsync()
    {
        foreach (var process in _processes)
        {
            await process.DisposeAsync();
            output.WriteLine(process.Output);
        }

        if (_postgres is not null)
        {
            await _postgres.DisposeAsync();
        }

        foreach (var folder in _folders.Where(Directory.Exists))
        {
            Directory.Delete(folder, recursive: true);
        }
    }

    private static async Task<T> WaitAsync<T>(Func<Task<T>> probe, Func<T, bool> until, string what, TimeSpan timeout, params PlatformProcess[] processes)
    {
        var watch = Stopwatch.StartNew();
        T last;
        while (!until(last = await probe()))
        {
            if (watch.Elapsed > timeout)
            {
                throw new TimeoutException($"Waited {timeout.TotalSeconds:0} s for {what}; last seen: {Describe(last)}.\n{Context(processes)}");
            }

            await Task.Delay(200);
        }

        return last;
    }

    private static string Describe<T>(T value) => value switch
    {
        JobSummary j => $"job {j.Status} ({j.Error ?? j.ProgressMessage})",
        TrainingRun r => $"run {r.Status} ({r.Error})",
        null => "nothing",
        _ => value.ToString() ?? string.Empty,
    };

    private static string Context(params PlatformProcess[] processes) =>
        string.Join('\n', processes.Select(p => $"--- last output of {p.Name}{(p.HasExited ? " (exited)" : string.Empty)}:\n{p.Tail()}"));

    private static async Task<JobSummary> JobAsync(HttpClient admin, Guid id) =>
        (await admin.GetFromJsonAsync<JobSummary>($"/api/v1/jobs/{id}", JsonDefaults.Options))!;

    private static async Task<TrainingRun> RunAsync(HttpClient admin, Guid id) =>
        (await admin.GetFromJsonAsync<TrainingRunDetail>($"/api/v1/training-runs/{id}", JsonDefaults.Options))!.Run;

    private static async Task<Guid> CreateExperimentAsync(HttpClient admin)
    {
        var project = (await (await admin.PostAsJsonAsync("/api/v1/projects", new { name = "kill-" + Guid.NewGuid().ToString("N")[..6] })).Content.ReadFromJsonAsync<ProjectView>(JsonDefaults.Options))!;
        return (await (await admin.PostAsJsonAsync("/api/v1/experiments", new { projectId = project.Id, name = "exp-" + project.Name })).Content.ReadFromJsonAsync<ExperimentView>(JsonDefaults.Options))!.Id;
    }

    private static async Task<List<TokenView>> TokensAsync(HttpClient admin) =>
        (await admin.GetFromJsonAsync<List<TokenView>>("/api/v1/me/tokens", JsonDefaults.Options)).ShouldNotBeNull();

    private static async Task<Guid> SubmitAsync(HttpClient admin, Guid experiment, string name, string command)
    {
        var submitted = await admin.PostAsJsonAsync("/api/v1/training-runs", new { experimentId = experiment, name, kind = "Custom", custom = new { command } }, JsonDefaults.Options);
        submitted.StatusCode.ShouldBe(HttpStatusCode.Created, await submitted.Content.ReadAsStringAsync());
        return (await submitted.Content.ReadFromJsonAsync<TrainingRun>(JsonDefaults.Options))!.Id;
    }

    /// <summary>Waits until the run's job is Running and its command has started in the sandbox; returns the job.</summary>
    private static async Task<JobSummary> WaitUntilSandboxRunsAsync(HttpClient admin, Guid run, PlatformProcess process)
    {
        var running = await WaitAsync(() => RunAsync(admin, run), r => (r.Status == TrainingStatus.Running && r.JobId is not null) || r.IsTerminal, "the sleeping run to start", TimeSpan.FromSeconds(60), process);
        running.Status.ShouldBe(TrainingStatus.Running, running.Error);
        await WaitAsync(
            async () => (await admin.GetFromJsonAsync<List<TrainingLogLine>>($"/api/v1/training-runs/{run}/log", JsonDefaults.Options))!,
            log => log.Any(l => l.Message == "$ " + Sleeper),
            "the sandboxed command to start",
            TimeSpan.FromSeconds(60),
            process);
        var job = await JobAsync(admin, running.JobId!.Value);
        job.Status.ShouldBe(JobStatus.Running);
        return job;
    }

    private Dictionary<string, string> Settings(string provider, string data, string node, TimeSpan staleAfter)
    {
        var settings = new Dictionary<string, string>
        {
            ["Platform:DataDirectory"] = data,
            ["Database:Provider"] = provider,
            ["Jobs:NodeId"] = node,
            ["Jobs:PollInterval"] = Poll.ToString(),
            ["Jobs:StaleAfter"] = staleAfter.ToString(),
            ["Training:LocalConcurrency"] = "1",
            ["Training:Local:SandboxRoot"] = data + "-sandbox",
        };
        _folders.Add(data + "-sandbox");
        if (provider == "Postgres")
        {
            _postgres ??= new PostgresTestDatabase();
            settings["Database:ConnectionString"] = _postgres.ConnectionString;
        }

        return settings;
    }

    private string NewDataFolder()
    {
        var folder = Path.Combine(Path.GetTempPath(), "aip-kill-" + Guid.NewGuid().ToString("N"));
        _folders.Add(folder);
        return folder;
    }

    private async Task<PlatformProcess> StartAsync(string name, IReadOnlyDictionary<string, string> settings)
    {
        var process = await PlatformProcess.StartAsync(name, settings);
        _processes.Add(process);
        return process;
    }

    /// <summary>
    /// A CSV upload that never ends, only a kill stops it: its first 8 MB as fast as the platform takes them, then about
    /// 1 MB a second, so the file does not grow without bound while the test looks at it.
    /// </summary>
    private sealed class EndlessCsvContent : HttpContent
    {
        protected override async Task SerializeToStreamAsync(Stream stream, TransportContext? context)
        {
            await stream.WriteAsync(Encoding.ASCII.GetBytes("id,name,value\n"));
            var chunk = new StringBuilder();
            var sent = 0L;
            for (var row = 0L; ; row++)
            {
                chunk.Append(row).Append(",row-").Append(row).Append(',').Append(row * 0.5).Append('\n');
                if (chunk.Length >= 64 * 1024)
                {
                    await stream.WriteAsync(Encoding.ASCII.GetBytes(chunk.ToString()));
                    await stream.FlushAsync();
                    sent += chunk.Length;
                    chunk.Clear();
                    if (sent > 8 << 20)
                    {
                        await Task.Delay(50);
                    }
                }
            }
        }

        protected override bool TryComputeLength(out long length)
        {
            length = 0;
            return false;
        }
    }
}
