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
        var other = await Submissions.SubmitAsync(new TrainingRequest(experiment.Id, "victim", TrainingKind.Custom, null,
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

        var attacker = await Submissions.SubmitAsync(new TrainingRequest(experiment.Id, "attacker", TrainingKind.Custom, null,
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
        var run = await Submissions.SubmitAsync(new TrainingRequest(experiment.Id, "who", TrainingKind.Custom, null,
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

    [Fact]
    public async Task A_preloaded_library_in_the_code_runs_only_inside_the_sandbox_and_run_variables_stay_out_of_the_host_processes()
    {
        // The attack: a zip carrying evil.so and LD_PRELOAD=./evil.so. Were setpriv/bwrap started with the run's variables
        // in the host work folder, the loader would run the constructor on the host (as root before setpriv drops) and it
        // would write the marker into a host folder the sandbox cannot see.
        var build = Directory.CreateTempSubdirectory("aip-preload-build-");
        var markerFolder = Path.Combine("/var/tmp", "aip-preload-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(markerFolder);
        if (OperatingSystem.IsLinux())
        {
            File.SetUnixFileMode(markerFolder, (UnixFileMode)0b111_111_111);
        }

        var marker = Path.Combine(markerFolder, "pwned");
        try
        {
            var source = Path.Combine(build.FullName, "evil.c");
            await File.WriteAllTextAsync(source, "#include <stdio.h>\n#include <unistd.h>\n__attribute__((constructor)) static void pwn(void) { FILE *f = fopen(\"" + marker + "\", \"a\"); if (f) { fprintf(f, \"uid=%d\\n\", (int)getuid()); fclose(f); } }\n");
            var library = Path.Combine(build.FullName, "evil.so");
            var compiler = new[] { "/usr/bin/cc", "/usr/bin/gcc" }.FirstOrDefault(File.Exists);
            if (compiler is not null)
            {
                // Without a compiler the library is missing, and the checks of the launcher's environment below still hold.
                using var cc = Process.Start(compiler, ["-shared", "-fPIC", "-o", library, source]);
                await cc.WaitForExitAsync();
                cc.ExitCode.ShouldBe(0);
            }

            var zip = Path.Combine(build.FullName, "code.zip");
            using (var archive = System.IO.Compression.ZipFile.Open(zip, System.IO.Compression.ZipArchiveMode.Create))
            {
                System.IO.Compression.ZipFileExtensions.CreateEntryFromFile(archive, File.Exists(library) ? library : source, "evil.so");
            }

            var secret = "secret-" + Guid.NewGuid().ToString("N");
            var started = "started-" + Guid.NewGuid().ToString("N");
            var launch = new CustomLaunch(Guid.NewGuid(), $"echo \"seen=$RUN_SECRET\"; touch {started}; i=0; while [ ! -e stop ] && [ $i -lt 600 ]; do sleep 0.1; i=$((i+1)); done; echo done", zip, null, null, null,
                new Dictionary<string, string> { ["LD_PRELOAD"] = "./evil.so", ["RUN_SECRET"] = secret, ["QUOTED"] = "it's \"quoted\" $HOME `id`" }, TimeSpan.FromMinutes(2));
            var backend = new LocalProcessBackend(new TrainingSettings(), new LocalSandboxOptions(), Fixture.DataDirectory, NullLogger<LocalProcessBackend>.Instance);
            (await backend.CheckCustomCodeAsync(None)).ShouldBeNull("bubblewrap works on this machine");
            var lines = new List<string>();
            var run = backend.RunAsync(launch, l => { lines.Add(l); return Task.CompletedTask; }, None);
            string? startedFile = null;
            for (var i = 0; i < 300 && startedFile is null && !run.IsCompleted; i++)
            {
                startedFile = Directory.Exists(SandboxRoot)
                    ? Directory.EnumerateFiles(SandboxRoot, started, new EnumerationOptions { RecurseSubdirectories = true, IgnoreInaccessible = true }).FirstOrDefault()
                    : null;
                await Task.Delay(100);
            }

            try
            {
                startedFile.ShouldNotBeNull(string.Join("\n", lines));
                var processes = Directory.EnumerateDirectories("/proc").Select(Path.GetFileName).Where(p => p!.All(char.IsAsciiDigit))
                    .Select(p => (Pid: p!, Command: TryRead($"/proc/{p}/cmdline"))).Where(p => p.Command is not null).ToList();
                processes.ShouldNotContain(p => p.Command!.Contains(secret, StringComparison.Ordinal), "a run's variables never appear on a command line");
                var launchers = processes.Where(p => p.Command!.Contains(started, StringComparison.Ordinal) && (p.Command.StartsWith("/usr/bin/setpriv", StringComparison.Ordinal) || p.Command.StartsWith("/usr/bin/bwrap", StringComparison.Ordinal))).ToList();
                launchers.ShouldNotBeEmpty();
                var topLevel = 0;
                foreach (var (pid, _) in launchers)
                {
                    if (TryRead($"/proc/{pid}/environ") is { } environ)
                    {
                        environ.ShouldNotContain("LD_PRELOAD");
                        environ.ShouldNotContain(secret);
                        if (TryRead($"/proc/{pid}/status") is { } status && status.Contains($"\nPPid:\t{Environment.ProcessId}\n", StringComparison.Ordinal))
                        {
                            // The one the platform started (its children inside the sandbox have /workspace).
                            new DirectoryInfo($"/proc/{pid}/cwd").LinkTarget.ShouldBe("/");
                            topLevel++;
                        }
                    }
                }

                topLevel.ShouldBe(1);
            }
            finally
            {
                if (startedFile is not null)
                {
                    await File.WriteAllTextAsync(Path.Combine(Path.GetDirectoryName(startedFile)!, "stop"), string.Empty);
                }
            }

            (await run).ShouldBe(0, string.Join("\n", lines));
            lines.ShouldContain("seen=" + secret, "the run still sees its variables inside the sandbox");
            lines.ShouldContain("done");
            File.Exists(marker).ShouldBeFalse("the preloaded library must not run on the host: " + (File.Exists(marker) ? File.ReadAllText(marker) : string.Empty));
        }
        finally
        {
            build.Delete(recursive: true);
            Directory.Delete(markerFolder, recursive: true);
        }
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
