using System.Diagnostics;
using AiPlatform.Core.Training;
using AiPlatform.Infrastructure.Tests.Builders;
using AiPlatform.Infrastructure.Training;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Logging.Abstractions;

namespace AiPlatform.Infrastructure.Tests.Training;

/// <summary>
/// Custom code run by the Local backend attacks the platform that runs it, for real: it goes for the database, the
/// Data Protection keys, the data folder, another run's work folder, the platform's environment and the platform
/// process itself. Each attempt must fail, and the code must not run as root on the host.
/// </summary>
public sealed class SandboxTests(SqliteServicesFixture fixture) : TrainingTestBase(fixture), IClassFixture<SqliteServicesFixture>
{
    private const string Attack = """
        echo "uid=$(id -u)"
        cat "$TARGET_DB" > /dev/null 2>&1 && echo "LEAK database" || echo "blocked database"
        ls "$TARGET_KEYS" 2>/dev/null | grep -q . && echo "LEAK keys" || echo "blocked keys"
        cat "$TARGET_KEYS"/*.xml 2>/dev/null | grep -q masterKey && echo "LEAK key material" || echo "blocked key material"
        cat "$OTHER_RUN" 2>/dev/null && echo "LEAK other run" || echo "blocked other run"
        ls "$(dirname "$(dirname "$OTHER_RUN")")" > /dev/null 2>&1 && echo "LEAK other run folder" || echo "blocked other run folder"
        cat "/proc/$PLATFORM_PID/environ" > /dev/null 2>&1 && echo "LEAK platform environment" || echo "blocked platform environment"
        tr '\0' '\n' < /proc/1/environ | sed 's/^/init-env: /'
        touch "$TARGET_DATA/pwned" 2>/dev/null && echo "LEAK data folder write" || echo "blocked data folder write"
        kill -9 "$PLATFORM_PID" 2>/dev/null && echo "LEAK kill" || echo "blocked kill"
        echo done
        """;

    [Fact]
    public async Task Custom_code_cannot_read_the_database_keys_other_runs_or_the_platforms_environment_nor_write_the_data_folder_or_kill_the_platform()
    {
        var settings = Fixture.Get<TrainingSettings>();
        settings.TrackingUri = "http://127.0.0.1:1";
        var data = Fixture.DataDirectory;
        var database = Path.Combine(data, "aiplatform.db");
        Fixture.Get<IDataProtectionProvider>().CreateProtector("sandbox-test").Protect("x");
        var keys = Path.Combine(data, "keys");
        File.Exists(database).ShouldBeTrue();
        Directory.EnumerateFiles(keys, "*.xml").ShouldNotBeEmpty("the key ring holds the keys that encrypt stored secrets");
        var (experiment, _, _) = await SetupAsync(MulticlassCsv(10));

        // Another run, still running, with a secret in its work folder.
        var marker = "other-run-secret-" + Guid.NewGuid().ToString("N");
        var other = await Training.SubmitAsync(new TrainingRequest(experiment.Id, "victim", TrainingKind.Custom, null,
            new CustomSpec($"echo {marker} > {marker}.txt; i=0; while [ ! -e stop ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done"), null, null), None);
        var otherJob = RunJobAsync(other);
        string? otherFile = null;
        for (var i = 0; i < 300 && otherFile is null; i++)
        {
            otherFile = Directory.Exists(SandboxRoot)
                ? Directory.EnumerateFiles(SandboxRoot, marker + ".txt", new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true }).FirstOrDefault()
                : null;
            await Task.Delay(100);
        }

        otherFile.ShouldNotBeNull("the victim run writes its secret into its work folder");
        otherFile.ShouldNotStartWith(data, Case.Sensitive, "work folders lie outside the data folder");

        var attacker = await Training.SubmitAsync(new TrainingRequest(experiment.Id, "attacker", TrainingKind.Custom, null,
            new CustomSpec(Attack, Environment: new Dictionary<string, string>
            {
                ["TARGET_DB"] = database,
                ["TARGET_KEYS"] = keys,
                ["TARGET_DATA"] = data,
                ["OTHER_RUN"] = otherFile,
                ["PLATFORM_PID"] = Environment.ProcessId.ToString(System.Globalization.CultureInfo.InvariantCulture),
            }), null, null), None);
        var log = await RunJobAsync(attacker);
        await File.WriteAllTextAsync(Path.Combine(Path.GetDirectoryName(otherFile)!, "stop"), string.Empty);
        await otherJob;

        var lines = log.Split('\n');
        lines.ShouldContain("done", "the attack ran to its end");
        lines.ShouldNotContain(l => l.StartsWith("LEAK", StringComparison.Ordinal));
        lines.ShouldNotContain(marker);
        foreach (var blocked in (string[])["database", "keys", "key material", "other run", "other run folder", "platform environment", "data folder write", "kill"])
        {
            lines.ShouldContain("blocked " + blocked);
        }

        lines.Single(l => l.StartsWith("uid=", StringComparison.Ordinal)).ShouldNotBe("uid=0");
        File.Exists(Path.Combine(data, "pwned")).ShouldBeFalse();
        Process.GetProcessById(Environment.ProcessId).HasExited.ShouldBeFalse();
        var platformEnvironment = (await File.ReadAllTextAsync($"/proc/{Environment.ProcessId}/environ")).Split('\0', StringSplitOptions.RemoveEmptyEntries)
            .Where(e => !PassedOn.Contains(e.Split('=')[0]));
        var seen = log.Split('\n').Where(l => l.StartsWith("init-env: ", StringComparison.Ordinal)).Select(l => l["init-env: ".Length..]).ToHashSet();
        seen.ShouldNotBeEmpty();
        seen.Intersect(platformEnvironment).ShouldBeEmpty("/proc/1 in the sandbox is its own init, which has only the run's environment");
        (await Training.GetAsync(attacker.Id, None)).Run.Status.ShouldBe(TrainingStatus.Succeeded);
    }

    [Fact]
    public async Task Custom_code_runs_as_an_unprivileged_host_user_when_the_platform_is_root()
    {
        Fixture.Get<TrainingSettings>().TrackingUri = "http://127.0.0.1:1";
        var (experiment, _, _) = await SetupAsync(MulticlassCsv(10));
        var startedName = "started-" + Guid.NewGuid().ToString("N");
        var run = await Training.SubmitAsync(new TrainingRequest(experiment.Id, "who", TrainingKind.Custom, null,
            new CustomSpec($"echo \"uid=$(id -u)\"; touch {startedName}; i=0; while [ ! -e stop ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done"), null, null), None);
        var job = RunJobAsync(run);
        string? started = null;
        for (var i = 0; i < 300 && started is null; i++)
        {
            started = Directory.Exists(SandboxRoot)
                ? Directory.EnumerateFiles(SandboxRoot, startedName, new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true }).FirstOrDefault()
                : null;
            await Task.Delay(100);
        }

        started.ShouldNotBeNull();

        try
        {
            // From the host: every process of the run (setpriv/bwrap, its init, sh, sleep) has a non-zero real uid.
            var sleepers = Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(p => p!.All(char.IsAsciiDigit))
                .Select(p => (Pid: p!, Status: TryRead($"/proc/{p}/status"), Command: TryRead($"/proc/{p}/cmdline")))
                .Where(p => p.Command is not null && p.Command.Contains(startedName, StringComparison.Ordinal))
                .ToList();
            sleepers.ShouldNotBeEmpty();
            var uids = sleepers.Select(p => p.Status!.Split('\n').Single(l => l.StartsWith("Uid:", StringComparison.Ordinal)).Split('\t', StringSplitOptions.RemoveEmptyEntries)[1]).ToList();
            if (Environment.IsPrivilegedProcess)
            {
                uids.ShouldAllBe(uid => uid == "65534", "Training:Local:RunAsUser defaults to nobody");
            }

            uids.ShouldNotContain("0");
        }
        finally
        {
            await File.WriteAllTextAsync(Path.Combine(Path.GetDirectoryName(started)!, "stop"), string.Empty);
        }

        var log = await job;
        log.Split('\n').Single(l => l.StartsWith("uid=", StringComparison.Ordinal)).ShouldNotBe("uid=0");
        (await Training.GetAsync(run.Id, None)).Run.Status.ShouldBe(TrainingStatus.Succeeded);
        Directory.Exists(Path.GetDirectoryName(started)).ShouldBeFalse("the work folder is removed after the run");
    }

    [Fact]
    public async Task Without_bubblewrap_custom_code_is_refused_unless_unsandboxed_runs_are_allowed()
    {
        var launch = new CustomLaunch(Guid.NewGuid(), "echo \"uid=$(id -u)\"", null, null, null, null, new Dictionary<string, string>(), null);
        var missing = new LocalSandboxOptions { BubblewrapPath = "/nonexistent/bwrap" };
        var refusing = new LocalProcessBackend(new TrainingSettings(), missing, Fixture.DataDirectory, NullLogger<LocalProcessBackend>.Instance);

        (await refusing.CheckCustomCodeAsync(None)).ShouldNotBeNull().ShouldContain("bubblewrap");
        var lines = new List<string>();
        var refused = await Should.ThrowAsync<TrainingFailedException>(() => refusing.RunAsync(launch, l => { lines.Add(l); return Task.CompletedTask; }, None));
        refused.Message.ShouldContain("AllowUnsandboxed");
        lines.ShouldNotContain(l => l.StartsWith("uid=", StringComparison.Ordinal), "nothing ran");

        var unsafeBackend = new LocalProcessBackend(new TrainingSettings(), new LocalSandboxOptions { BubblewrapPath = "/nonexistent/bwrap", AllowUnsandboxed = true }, Fixture.DataDirectory, NullLogger<LocalProcessBackend>.Instance);
        (await unsafeBackend.CheckCustomCodeAsync(None)).ShouldBeNull();
        (await unsafeBackend.RunAsync(launch, l => { lines.Add(l); return Task.CompletedTask; }, None)).ShouldBe(0);
        lines.ShouldContain(l => l.Contains("no sandbox", StringComparison.Ordinal));
        lines.ShouldContain(l => l.StartsWith("uid=", StringComparison.Ordinal));
    }

    /// <summary>What the platform hands on to every run on purpose (LocalProcessBackend's base environment).</summary>
    private static readonly HashSet<string> PassedOn =
    [
        "PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV", "CONDA_PREFIX", "LD_LIBRARY_PATH",
        "CUDA_VISIBLE_DEVICES", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY", "PYTHONUNBUFFERED",
    ];

    private static string SandboxRoot => Path.Combine(Path.GetTempPath(), "aip-sandbox");

    private static string? TryRead(string path)
    {
        try
        {
            return File.ReadAllText(path).Replace('\0', ' ');
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
