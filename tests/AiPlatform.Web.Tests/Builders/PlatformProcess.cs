using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace AiPlatform.Web.Tests.Builders;

/// <summary>
/// The real platform as a child process (<c>dotnet AiPlatform.Web.dll</c>, the build this test project copied), configured
/// only by environment variables, on a free loopback port; for tests that kill it with SIGKILL. Its output is kept for
/// failure messages; it is never left running: <see cref="DisposeAsync"/> kills it (and whatever it started), and so does
/// the end of the test process.
/// </summary>
public sealed partial class PlatformProcess : IAsyncDisposable
{
    public const string AdminPassword = "Admin-Passw0rd-Proc";

    private static readonly ConcurrentDictionary<int, Process> Running = new();

    private readonly Process _process;
    private readonly StringBuilder _output = new();
    private readonly TaskCompletionSource<Uri> _listening = new(TaskCreationOptions.RunContinuationsAsynchronously);

    static PlatformProcess() => AppDomain.CurrentDomain.ProcessExit += (_, _) =>
    {
        foreach (var process in Running.Values)
        {
            KillQuietly(process);
        }
    };

    private PlatformProcess(string name, Process process)
    {
        Name = name;
        _process = process;
    }

    /// <summary>What the test calls this process in messages ("first", "node-a", ...).</summary>
    public string Name { get; }

    /// <summary>Where it listens once started.</summary>
    public Uri BaseAddress { get; private set; } = default!;

    public int ProcessId => _process.Id;

    public bool HasExited => _process.HasExited;

    /// <summary>The process's stdout and stderr so far, each line prefixed with its name.</summary>
    public string Output
    {
        get
        {
            lock (_output)
            {
                return _output.ToString();
            }
        }
    }

    /// <summary>
    /// Starts the platform with these settings (configuration keys such as <c>Jobs:NodeId</c>, passed as <c>Jobs__NodeId</c>)
    /// on top of a test baseline (the administrator's password, no recurring maintenance jobs), and waits until
    /// <c>/health/ready</c> answers.
    /// </summary>
    public static async Task<PlatformProcess> StartAsync(string name, IReadOnlyDictionary<string, string> settings, TimeSpan? timeout = null)
    {
        var app = WebAssemblyPath();
        var start = new ProcessStartInfo(DotnetHost(), [app])
        {
            WorkingDirectory = Path.GetDirectoryName(app)!,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var key in start.Environment.Keys.Where(k => k.StartsWith("ASPNETCORE_", StringComparison.Ordinal) || k.StartsWith("DOTNET_ENVIRONMENT", StringComparison.Ordinal) || k.Contains("__", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(key);
        }

        start.Environment["ASPNETCORE_URLS"] = "http://127.0.0.1:0";
        start.Environment["DOTNET_NOLOGO"] = "1";
        var all = new Dictionary<string, string>
        {
            ["Admin:InitialPassword"] = AdminPassword,
            ["Jobs:StorageScanCron"] = string.Empty,
            ["Jobs:StorageCleanupCron"] = string.Empty,

            // Tests poll; a line per request would bury what the platform says in failure messages.
            ["Serilog:MinimumLevel:Override:Serilog.AspNetCore.RequestLoggingMiddleware"] = "Warning",
        };
        foreach (var (key, value) in settings)
        {
            all[key] = value;
        }

        foreach (var (key, value) in all)
        {
            start.Environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        }

        var process = new Process { StartInfo = start, EnableRaisingEvents = true };
        var platform = new PlatformProcess(name, process);
        process.OutputDataReceived += (_, e) => platform.Append(e.Data);
        process.ErrorDataReceived += (_, e) => platform.Append(e.Data);
        process.Start();
        Running[process.Id] = process;
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        try
        {
            await platform.WaitUntilReadyAsync(timeout ?? TimeSpan.FromSeconds(120));
        }
        catch
        {
            await platform.DisposeAsync();
            throw;
        }

        return platform;
    }

    /// <summary>A client that sends the administrator's credentials with HTTP Basic.</summary>
    public HttpClient CreateAdminClient()
    {
        var client = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new System.Net.Http.Headers.AuthenticationHeaderValue("Basic", Convert.ToBase64String(Encoding.UTF8.GetBytes($"admin:{AdminPassword}")));
        return client;
    }

    /// <summary>
    /// SIGKILL, as a crash or an OOM kill would end it: no shutdown code runs. Whatever it had started (sandboxed training
    /// processes) should die with it (bubblewrap's --die-with-parent); any that did not within a few seconds are killed
    /// too so the test leaks nothing, and returned so a test can say so.
    /// </summary>
    public async Task<IReadOnlyList<string>> KillAsync()
    {
        if (_process.HasExited)
        {
            return [];
        }

        var descendants = Descendants(_process.Id);
        _process.Kill();

        // Not WaitForExitAsync: that also waits for the end of the output, which a surviving child could hold open.
        _process.WaitForExit(TimeSpan.FromSeconds(30)).ShouldBeTrue($"the platform process '{Name}' did not exit after SIGKILL");
        Running.TryRemove(_process.Id, out _);
        Append($"--- killed with SIGKILL ({descendants.Count} descendant processes at the time)");
        var deadline = DateTime.UtcNow.AddSeconds(10);
        List<ProcessEntry> alive;
        while ((alive = descendants.Where(d => d.IsAlive()).ToList()).Count > 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
        }

        var survivors = alive.Select(d => d.Describe()).ToList();
        foreach (var survivor in alive)
        {
            survivor.Kill();
        }

        if (survivors.Count > 0)
        {
            Append($"--- still alive after the kill, killed now: {string.Join("; ", survivors)}");
        }

        return survivors;
    }

    public async ValueTask DisposeAsync()
    {
        try
        {
            await KillAsync();
        }
        finally
        {
            _process.Dispose();
        }
    }

    /// <summary>The last lines of output, for a failure message.</summary>
    public string Tail(int lines = 60)
    {
        var all = Output.Split('\n');
        return string.Join('\n', all.Skip(Math.Max(0, all.Length - lines)));
    }

    private async Task WaitUntilReadyAsync(TimeSpan timeout)
    {
        using var cancel = new CancellationTokenSource(timeout);
        var exited = _process.WaitForExitAsync(cancel.Token);
        var listening = await Task.WhenAny(_listening.Task, exited, Task.Delay(Timeout.Infinite, cancel.Token).ContinueWith(_ => { }, TaskScheduler.Default));
        if (listening != _listening.Task)
        {
            throw new InvalidOperationException($"The platform process '{Name}' {(_process.HasExited ? $"exited with {_process.ExitCode}" : "did not listen")} within {timeout.TotalSeconds:0} s. Its output:\n{Output}");
        }

        BaseAddress = _listening.Task.Result;
        using var http = new HttpClient { BaseAddress = BaseAddress, Timeout = TimeSpan.FromSeconds(60) };
        string last = "no answer";
        while (!cancel.IsCancellationRequested && !_process.HasExited)
        {
            try
            {
                using var response = await http.GetAsync("/health/ready", cancel.Token);
                if (response.IsSuccessStatusCode)
                {
                    return;
                }

                last = $"{(int)response.StatusCode} {await response.Content.ReadAsStringAsync(cancel.Token)}";
            }
            catch (Exception e) when (e is HttpRequestException or TaskCanceledException)
            {
                last = e.Message;
            }

            await Task.Delay(100, CancellationToken.None);
        }

        throw new InvalidOperationException($"The platform process '{Name}' was not ready within {timeout.TotalSeconds:0} s (last: {last}). Its output:\n{Output}");
    }

    private void Append(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_output)
        {
            _output.Append('[').Append(Name).Append("] ").Append(line).Append('\n');
        }

        if (!_listening.Task.IsCompleted && ListeningLine().Match(line) is { Success: true } match)
        {
            _listening.TrySetResult(new Uri(match.Groups[1].Value));
        }
    }

    /// <summary>The web app as this test project's build copied it (Debug or Release, whichever ran the test).</summary>
    private static string WebAssemblyPath()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "AiPlatform.Web.dll");
        return File.Exists(path) && File.Exists(Path.ChangeExtension(path, ".runtimeconfig.json"))
            ? path
            : throw new FileNotFoundException($"AiPlatform.Web.dll and its runtimeconfig.json are not next to the tests ({AppContext.BaseDirectory}): build tests/AiPlatform.Web.Tests.");
    }

    /// <summary>The dotnet host that runs the tests (or the one on PATH).</summary>
    private static string DotnetHost()
    {
        if (Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") is { Length: > 0 } host && File.Exists(host))
        {
            return host;
        }

        return Environment.ProcessPath is { } self && Path.GetFileNameWithoutExtension(self) == "dotnet" ? self : "dotnet";
    }

    private static void KillQuietly(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (Exception e) when (e is InvalidOperationException or System.ComponentModel.Win32Exception or NotSupportedException)
        {
            // Already gone.
        }
    }

    /// <summary>Every process below <paramref name="root"/> now, from /proc (with its start time, so a reused pid is never killed).</summary>
    private static List<ProcessEntry> Descendants(int root)
    {
        var children = new Dictionary<int, List<ProcessEntry>>();
        foreach (var folder in Directory.EnumerateDirectories("/proc"))
        {
            if (int.TryParse(Path.GetFileName(folder), CultureInfo.InvariantCulture, out var pid) && ProcessEntry.Read(pid) is { } process)
            {
                if (!children.TryGetValue(process.Parent, out var list))
                {
                    children[process.Parent] = list = [];
                }

                list.Add(process);
            }
        }

        var found = new List<ProcessEntry>();
        var pending = new Queue<int>([root]);
        while (pending.TryDequeue(out var parent))
        {
            foreach (var child in children.GetValueOrDefault(parent) ?? [])
            {
                found.Add(child);
                pending.Enqueue(child.Pid);
            }
        }

        return found;
    }

    [GeneratedRegex(@"Now listening on: (http://\S+)")]
    private static partial Regex ListeningLine();

    /// <summary>A process as /proc/{pid}/stat names it: pid, parent, start time (clock ticks since boot) and command.</summary>
    private sealed record ProcessEntry(int Pid, int Parent, long StartTime, string Command)
    {
        public static ProcessEntry? Read(int pid)
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{pid}/stat");
                var open = stat.IndexOf('(', StringComparison.Ordinal);
                var close = stat.LastIndexOf(')');
                var fields = stat[(close + 2)..].Split(' ');

                // After the command: state (0), ppid (1), ..., starttime (19).
                return new ProcessEntry(pid, int.Parse(fields[1], CultureInfo.InvariantCulture), long.Parse(fields[19], CultureInfo.InvariantCulture), stat[(open + 1)..close]);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException or IndexOutOfRangeException or ArgumentOutOfRangeException)
            {
                return null;
            }
        }

        public bool IsAlive() => Read(Pid) is { } now && now.StartTime == StartTime && !IsZombie();

        public string Describe() => $"{Pid} ({Command})";

        public void Kill()
        {
            if (IsAlive())
            {
                try
                {
                    using var process = Process.GetProcessById(Pid);
                    process.Kill();
                }
                catch (Exception e) when (e is ArgumentException or InvalidOperationException or System.ComponentModel.Win32Exception)
                {
                    // Gone meanwhile.
                }
            }
        }

        private bool IsZombie()
        {
            try
            {
                var stat = File.ReadAllText($"/proc/{Pid}/stat");
                return stat[(stat.LastIndexOf(')') + 2)..].StartsWith('Z');
            }
            catch (IOException)
            {
                return true;
            }
        }
    }
}
