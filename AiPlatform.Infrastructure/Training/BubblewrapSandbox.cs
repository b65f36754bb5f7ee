using System.Diagnostics;
using System.Globalization;

namespace AiPlatform.Infrastructure.Training;

/// <summary>
/// Builds the command line that runs custom code under bubblewrap: new user, mount, pid, ipc, uts and cgroup
/// namespaces, an allow-list of read-only system folders, a fresh /proc, a minimal /dev, a private /tmp, the run's
/// work folder as the only writable host folder, no capabilities, and, when the platform is root, an unprivileged
/// host user (setpriv drops to it before bubblewrap starts, so the code's real uid on the host is not 0).
/// The network namespace is shared: the code must reach the platform's MLflow URL.
/// </summary>
internal sealed class BubblewrapSandbox(LocalSandboxOptions options, string dataDirectory)
{
    /// <summary>Where the work folder and the dataset file appear inside the sandbox.</summary>
    public const string WorkMount = "/workspace";

    public const string DataMount = "/data";

    private static readonly string[] SystemFolders = ["/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32"];

    private static readonly string[] EtcEntries =
    [
        "alternatives", "ssl", "ca-certificates", "ca-certificates.conf", "pki", "ld.so.cache", "ld.so.conf", "ld.so.conf.d",
        "passwd", "group", "nsswitch.conf", "hosts", "host.conf", "resolv.conf", "gai.conf", "localtime", "timezone",
        "mime.types", "os-release", "protocols", "services", "networks", "gitconfig", "pip.conf", "fonts", "magic", "terminfo",
        "debian_version",
    ];

    private readonly string _dataDirectory = Path.TrimEndingDirectorySeparator(Path.GetFullPath(dataDirectory));

    private volatile bool _probed;

    private readonly string? _userError = Environment.IsPrivilegedProcess ? TryResolveUser(options.RunAsUser, out _) : null;

    /// <summary>The host uid and gid the code runs as when the platform is root; null when the platform is not root.</summary>
    public (int Uid, int Gid)? RunAs { get; } = Environment.IsPrivilegedProcess && TryResolveUser(options.RunAsUser, out var user) is null ? user : null;

    public string Root { get; } = Path.GetFullPath(string.IsNullOrWhiteSpace(options.SandboxRoot) ? Path.Combine(Path.GetTempPath(), "aip-sandbox") : options.SandboxRoot);

    /// <summary>Where the sandboxed code finds the dataset file (AIP_DATASET_PATH).</summary>
    public static string DataPathInside(string dataFile) => DataMount + "/dataset" + Path.GetExtension(dataFile);

    /// <summary>The program and arguments that run <paramref name="command"/> with <c>/bin/sh -c</c> in the sandbox.</summary>
    /// <summary>Where the file with the run's variables appears inside the sandbox; the sandboxed shell sources it.</summary>
    public const string EnvironmentMount = "/run/aip-env";

    /// <summary>The only variable setpriv and bwrap themselves are started with (anything else would act on them on the host).</summary>
    public const string LauncherPath = "/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin";

    /// <summary>
    /// The program and arguments that run <paramref name="command"/> with <c>/bin/sh -c</c> in the sandbox. The run's
    /// variables never reach setpriv or bwrap (an LD_PRELOAD there would run on the host) nor a command line (ps shows
    /// it to every user): they are in <paramref name="environmentFile"/>, bound read-only into the sandbox, which the
    /// shell sources before it starts the command.
    /// </summary>
    public (string FileName, List<string> Arguments) Command(string workFolder, string? dataFile, string command, string? environmentFile = null)
    {
        var bwrap = new List<string>
        {
            "--die-with-parent", "--new-session", "--clearenv", "--setenv", "PATH", LauncherPath,
            "--unshare-user", "--unshare-pid", "--unshare-ipc", "--unshare-uts", "--unshare-cgroup-try",
            "--hostname", "aip-sandbox",
            "--cap-drop", "ALL",
        };
        foreach (var folder in SystemFolders)
        {
            var info = new DirectoryInfo(folder);
            if (info.LinkTarget is { } target)
            {
                bwrap.AddRange(["--symlink", target, folder]);
            }
            else if (info.Exists)
            {
                bwrap.AddRange(["--ro-bind", folder, folder]);
            }
        }

        foreach (var entry in EtcEntries)
        {
            bwrap.AddRange(["--ro-bind-try", "/etc/" + entry, "/etc/" + entry]);
        }

        foreach (var python in Directory.EnumerateDirectories("/etc", "python3*"))
        {
            bwrap.AddRange(["--ro-bind", python, python]);
        }

        foreach (var extra in ExtraReadOnlyPaths())
        {
            bwrap.AddRange(["--ro-bind", extra, extra]);
        }

        bwrap.AddRange(["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--tmpfs", "/run", "--bind", workFolder, WorkMount]);
        if (dataFile is not null)
        {
            bwrap.AddRange(["--ro-bind", dataFile, DataPathInside(dataFile)]);
        }

        if (environmentFile is not null)
        {
            bwrap.AddRange(["--ro-bind", environmentFile, EnvironmentMount]);
        }

        bwrap.AddRange(["--remount-ro", "/", "--chdir", WorkMount, "--", "/bin/sh", "-c"]);
        bwrap.AddRange(environmentFile is null ? [command] : [". " + EnvironmentMount + " && exec /bin/sh -c \"$1\"", "aip-run", command]);
        if (RunAs is not { } user)
        {
            return (options.BubblewrapPath, bwrap);
        }

        return (options.SetprivPath,
        [
            $"--reuid={user.Uid.ToString(CultureInfo.InvariantCulture)}", $"--regid={user.Gid.ToString(CultureInfo.InvariantCulture)}", "--clear-groups",
            "--inh-caps=-all", "--bounding-set=-all", "--no-new-privs", "--", options.BubblewrapPath, .. bwrap,
        ]);
    }

    /// <summary>Null when the sandbox works (checked once by running <c>id -u</c> in it), else why not.</summary>
    public async Task<string?> ProbeAsync(CancellationToken ct)
    {
        if (_probed)
        {
            return null;
        }

        string? reason;
        if (_userError is not null)
        {
            reason = _userError;
        }
        else if (!File.Exists(options.BubblewrapPath))
        {
            reason = $"bubblewrap is not installed at {options.BubblewrapPath} (Training:Local:BubblewrapPath; Debian package 'bubblewrap').";
        }
        else if (RunAs is not null && !File.Exists(options.SetprivPath))
        {
            reason = $"setpriv is not installed at {options.SetprivPath} (Training:Local:SetprivPath; Debian package 'util-linux').";
        }
        else
        {
            // A sandbox that fails to start once (a busy machine, a signal) is tried once more before custom code is refused.
            reason = await TryRunAsync(ct);
            if (reason is not null && !ct.IsCancellationRequested)
            {
                await Task.Delay(TimeSpan.FromMilliseconds(250), ct);
                reason = await TryRunAsync(ct);
            }
        }

        _probed = reason is null;
        return reason;
    }

    private async Task<string?> TryRunAsync(CancellationToken ct)
    {
        var probe = Directory.CreateTempSubdirectory("aip-sandbox-probe-");
        try
        {
            if (RunAs is { } user)
            {
                await ChownAsync(probe.FullName, user, ct);
            }

            var (fileName, arguments) = Command(probe.FullName, null, "id -u");
            var start = new ProcessStartInfo(fileName) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
            arguments.ForEach(start.ArgumentList.Add);
            start.Environment.Clear();
            start.Environment["PATH"] = LauncherPath;
            start.WorkingDirectory = "/";
            using var process = Process.Start(start)!;
            using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct);
            timeout.CancelAfter(TimeSpan.FromSeconds(20));
            var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var error = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            var uid = (await output).Trim();
            if (process.ExitCode != 0)
            {
                return $"the bubblewrap sandbox does not start here (exit code {process.ExitCode.ToString(CultureInfo.InvariantCulture)}): {(await error).Trim()}";
            }

            return RunAs is { } expected && uid != expected.Uid.ToString(CultureInfo.InvariantCulture) ? $"the sandbox ran as uid {uid}, not {expected.Uid}." : null;
        }
        catch (Exception e) when (e is System.ComponentModel.Win32Exception or IOException or UnauthorizedAccessException or OperationCanceledException)
        {
            return $"the bubblewrap sandbox does not start here: {e.Message}";
        }
        finally
        {
            probe.Delete(recursive: true);
        }
    }

    /// <summary>Hands a folder the platform filled (unpacked or cloned code) to the sandbox user, without following links.</summary>
    public static async Task ChownAsync(string path, (int Uid, int Gid) user, CancellationToken ct)
    {
        var start = new ProcessStartInfo("chown") { RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in (string[])["-R", "-h", "--", $"{user.Uid}:{user.Gid}", path])
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var error = await process.StandardError.ReadToEndAsync(ct);
        await process.WaitForExitAsync(ct);
        if (process.ExitCode != 0)
        {
            throw new IOException($"chown of the work folder failed: {error.Trim()}");
        }
    }

    /// <summary>Read-only extras: the configured folders and the platform's Python environment, never the data folder or one holding it.</summary>
    private IEnumerable<string> ExtraReadOnlyPaths()
    {
        var candidates = options.ReadOnlyPaths.Concat(new[] { "VIRTUAL_ENV", "CONDA_PREFIX" }.Select(Environment.GetEnvironmentVariable).OfType<string>());
        foreach (var candidate in candidates.Where(p => !string.IsNullOrWhiteSpace(p)).Select(p => Path.TrimEndingDirectorySeparator(Path.GetFullPath(p))).Distinct(StringComparer.Ordinal))
        {
            if (Directory.Exists(candidate) && !Overlaps(candidate, _dataDirectory) && !Overlaps(candidate, Root))
            {
                yield return candidate;
            }
        }
    }

    private static bool Overlaps(string a, string b) =>
        a == b || a == "/" || b == "/" || a.StartsWith(b + "/", StringComparison.Ordinal) || b.StartsWith(a + "/", StringComparison.Ordinal);

    private static string? TryResolveUser(string name, out (int Uid, int Gid) user)
    {
        user = default;
        var parts = name.Split(':', 2);
        if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var uid))
        {
            var entry = File.Exists("/etc/passwd") ? File.ReadLines("/etc/passwd").Select(l => l.Split(':')).FirstOrDefault(f => f.Length > 3 && f[0] == name) : null;
            if (entry is null || !int.TryParse(entry[2], NumberStyles.None, CultureInfo.InvariantCulture, out uid) || !int.TryParse(entry[3], NumberStyles.None, CultureInfo.InvariantCulture, out var userGid))
            {
                return $"Training:Local:RunAsUser '{name}' is not a uid or a user in /etc/passwd.";
            }

            parts = [entry[2], userGid.ToString(CultureInfo.InvariantCulture)];
        }

        var gid = parts.Length == 2 && int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out var g) ? g : uid;
        if (uid == 0 || gid == 0)
        {
            return "Training:Local:RunAsUser must not be root.";
        }

        user = (uid, gid);
        return null;
    }
}
