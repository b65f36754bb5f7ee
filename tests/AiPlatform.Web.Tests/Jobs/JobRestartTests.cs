using System.Net.Http.Json;
using AiPlatform.Core.Jobs;
using AiPlatform.Core.Storage;
using AiPlatform.Infrastructure.Persistence;
using AiPlatform.Web.Features.Jobs;
using AiPlatform.Web.Tests.Builders;
using Microsoft.AspNetCore.Hosting;
using Microsoft.EntityFrameworkCore;

namespace AiPlatform.Web.Tests.Jobs;

/// <summary>Jobs survive a restart of the app: none is lost, none stays stuck.</summary>
public sealed class JobRestartTests : IDisposable
{
    private readonly string _data = Path.Combine(Path.GetTempPath(), "aip-restart-" + Guid.NewGuid().ToString("N"));

    [Fact]
    public async Task A_job_running_at_shutdown_is_marked_interrupted_not_left_running()
    {
        Guid id;
        await using (var first = new PlatformWebFactory(_data))
        {
            var client = first.CreateAdminClient();
            var started = await (await client.PostAsJsonAsync("/api/v1/jobs", new { kind = SlowJobHandler.JobKind })).Content.ReadFromJsonAsync<JobSummary>(JsonDefaults.Options);
            id = started!.Id;
            await client.WaitForJobAsync(id, j => j.Status == JobStatus.Running && j.Progress > 0);
        }

        await using var second = new PlatformWebFactory(_data);
        var job = await second.CreateAdminClient().GetFromJsonAsync<JobSummary>($"/api/v1/jobs/{id}", JsonDefaults.Options);

        job!.Status.ShouldBe(JobStatus.Failed);
        job.Error.ShouldBe(JobRecovery.InterruptedError);
    }

    [Fact]
    public async Task After_a_crash_queued_jobs_run_and_running_ones_are_failed_as_interrupted()
    {
        await using (var first = new PlatformWebFactory(_data))
        {
            (await first.CreateAdminClient().GetAsync("/health/ready")).EnsureSuccessStatusCode();
        }

        var queued = NewJob(StorageScanHandler.JobKind, JobStatus.Queued);
        var running = NewJob(SlowJobHandler.JobKind, JobStatus.Running);
        var options = new DbContextOptionsBuilder<SqlitePlatformDbContext>().UseSqlite($"Data Source={Path.Combine(_data, "aiplatform.db")}").Options;
        await using (var db = new SqlitePlatformDbContext(options))
        {
            db.Jobs.AddRange(queued, running);
            await db.SaveChangesAsync();
        }

        await using var second = new PlatformWebFactory(_data);
        var client = second.CreateAdminClient();

        var ran = await client.WaitForStatusAsync(queued.Id, JobStatus.Succeeded);
        var failed = await client.GetFromJsonAsync<JobSummary>($"/api/v1/jobs/{running.Id}", JsonDefaults.Options);
        ran.Attempts.ShouldBe(1);
        failed!.Status.ShouldBe(JobStatus.Failed);
        failed.Error.ShouldBe(JobRecovery.InterruptedError);
        var log = await client.GetFromJsonAsync<List<JobLogLine>>($"/api/v1/jobs/{running.Id}/log", JsonDefaults.Options);
        log!.ShouldContain(l => l.Message == "Interrupted: the platform restarted.", "a row from before nodes were recorded can only be this node's on SQLite");
    }

    [Fact]
    public async Task A_job_this_node_left_running_is_settled_at_the_next_start_even_with_a_fresh_heartbeat()
    {
        await using (var first = new NodeFactory(_data, "node-a"))
        {
            (await first.CreateAdminClient().GetAsync("/health/ready")).EnsureSuccessStatusCode();
        }

        // What a kill -9 leaves behind seconds after the job last beat.
        var running = NewJob(SlowJobHandler.JobKind, JobStatus.Running);
        running.NodeId = "node-a";
        running.Incarnation = Guid.NewGuid();
        await AddAsync(running);

        await using var second = new NodeFactory(_data, "node-a");
        var client = second.CreateAdminClient();
        var failed = await client.GetFromJsonAsync<JobSummary>($"/api/v1/jobs/{running.Id}", JsonDefaults.Options);

        failed!.Status.ShouldBe(JobStatus.Failed);
        failed.Error.ShouldBe(JobRecovery.InterruptedError);
        var log = await client.GetFromJsonAsync<List<JobLogLine>>($"/api/v1/jobs/{running.Id}/log", JsonDefaults.Options);
        log!.ShouldContain(l => l.Message == "Interrupted: node node-a restarted.");
    }

    [Fact]
    public async Task A_second_node_starting_on_the_same_database_leaves_the_first_nodes_running_job_alone()
    {
        await using var first = new NodeFactory(_data, "node-a");
        var client = first.CreateAdminClient();
        var started = await (await client.PostAsJsonAsync("/api/v1/jobs", new { kind = SlowJobHandler.JobKind })).Content.ReadFromJsonAsync<JobSummary>(JsonDefaults.Options);
        await client.WaitForJobAsync(started!.Id, j => j.Status == JobStatus.Running && j.Progress > 0);

        await using var second = new NodeFactory(_data, "node-b");
        (await second.CreateAdminClient().GetAsync("/health/ready")).EnsureSuccessStatusCode();

        var progress = (await client.GetFromJsonAsync<JobSummary>($"/api/v1/jobs/{started.Id}", JsonDefaults.Options))!.Progress;
        var still = await client.WaitForJobAsync(started.Id, j => j.Progress > progress);
        still.Status.ShouldBe(JobStatus.Running, "node-b must not take node-a's live job for one its own crash left behind");
    }

    public void Dispose()
    {
        Microsoft.Data.Sqlite.SqliteConnection.ClearAllPools();
        if (Directory.Exists(_data))
        {
            Directory.Delete(_data, recursive: true);
        }
    }

    [Fact]
    public async Task A_running_node_sweeps_a_dead_nodes_job_and_runs_a_queued_job_nobody_took()
    {
        await using var node = new NodeFactory(_data, "node-a", staleAfter: TimeSpan.FromSeconds(3));
        var client = node.CreateAdminClient();
        (await client.GetAsync("/health/ready")).EnsureSuccessStatusCode();

        // node-b died mid-job; and a job was queued on a node whose in-memory executor died with it.
        var orphaned = NewJob(SlowJobHandler.JobKind, JobStatus.Running);
        orphaned.NodeId = "node-b";
        orphaned.Incarnation = Guid.NewGuid();
        var forgotten = NewJob(StorageScanHandler.JobKind, JobStatus.Queued);
        await AddAsync(orphaned);
        await AddAsync(forgotten);

        var settled = await client.WaitForJobAsync(orphaned.Id, j => j.Status != JobStatus.Running, seconds: 60);
        settled.Status.ShouldBe(JobStatus.Failed);
        settled.Error.ShouldBe(JobRecovery.InterruptedError);
        var log = await client.GetFromJsonAsync<List<JobLogLine>>($"/api/v1/jobs/{orphaned.Id}/log", JsonDefaults.Options);
        log!.ShouldContain(l => l.Message.StartsWith("Interrupted: node node-b sent no heartbeat for ", StringComparison.Ordinal));
        (await client.WaitForJobAsync(forgotten.Id, j => j.Status == JobStatus.Succeeded, seconds: 60)).Attempts.ShouldBe(1);
    }

    private async Task AddAsync(JobRecord job)
    {
        var options = new DbContextOptionsBuilder<SqlitePlatformDbContext>().UseSqlite($"Data Source={Path.Combine(_data, "aiplatform.db")}").Options;
        await using var db = new SqlitePlatformDbContext(options);
        db.Jobs.Add(job);
        await db.SaveChangesAsync();
    }

    private static JobRecord NewJob(string kind, JobStatus status) => new()
    {
        Id = Guid.CreateVersion7(),
        Kind = kind,
        CreatedBy = "admin",
        Status = status,
        CreatedAt = DateTimeOffset.UtcNow,
        StartedAt = status == JobStatus.Running ? DateTimeOffset.UtcNow : null,
        HeartbeatAt = status == JobStatus.Running ? DateTimeOffset.UtcNow : null,
    };
}

/// <summary>The app on a given data folder as the node <c>Jobs:NodeId</c>, optionally with a short <c>Jobs:StaleAfter</c>.</summary>
internal sealed class NodeFactory(string dataDirectory, string nodeId, TimeSpan? staleAfter = null) : PlatformWebFactoryBase(dataDirectory)
{
    protected override void Configure(IWebHostBuilder builder)
    {
        builder.UseSetting("Jobs:NodeId", nodeId);
        if (staleAfter is { } stale)
        {
            builder.UseSetting("Jobs:StaleAfter", stale.ToString("c", System.Globalization.CultureInfo.InvariantCulture));
        }
    }
}
