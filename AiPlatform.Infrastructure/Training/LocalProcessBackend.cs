using System.IO.Compression;
using AiPlatform.Core.Common;
using AiPlatform.Core.Training;
using Microsoft.Extensions.Logging;

namespace AiPlatform.Infrastructure.Training;

/// <summary>
/// The default backend: each run is a child process (<c>/bin/sh -c command</c>) in its own private work folder under
/// <see cref="LocalSandboxOptions.SandboxRoot"/> (outside the data folder), with the code unpacked or cloned there, output
/// captured line by line, the environment reduced to a safe base plus the run's variables, and the whole process tree
/// killed on cancel or timeout. The command runs inside a bubblewrap sandbox (<see cref="BubblewrapSandbox"/>); without
/// a working sandbox custom code is refused unless <see cref="LocalSandboxOptions.AllowUnsandboxed"/> is set.
/// </summary>
public sealed class LocalProcessBackend(TrainingSettings settings, LocalSandboxOptions sandboxOptions, string dataDirectory, ILogger<LocalProcessBackend> logger, Network.OutboundHostGuard? guard = null) : ITrainingBackend
{
    private static readonly string[] InheritedVariables = ["PATH", "HOME", "LANG", "LC_ALL", "TZ", "TMPDIR", "PYTHONPATH", "VIRTUAL_ENV", "CONDA_PREFIX", "LD_LIBRARY_PATH", "CUDA_VISIBLE_DEVICES", "HTTP_PROXY", "HTTPS_PROXY", "NO_PROXY"];

    private readonly BubblewrapSandbox _sandbox = new(sandboxOptions, dataDirectory);

    private readonly ProcessRunner _processes = new(settings, logger);

    public TrainingBackendKind Kind => TrainingBackendKind.Local;

    public int MaxConcurrency => Math.Max(1, settings.LocalConcurrency);

    public async Task<string?> CheckCustomCodeAsync(CancellationToken ct)
    {
        if (await _sandbox.ProbeAsync(ct) is not { } reason)
        {
            return null;
        }

        if (sandboxOptions.AllowUnsandboxed)
        {
            return null;
        }

        logger.LogWarning("Custom code is refused: no sandbox ({Reason})", reason);
        return $"Custom code cannot run on this server: {reason} An operator must install bubblewrap (or set Training:Local:AllowUnsandboxed, which is unsafe).";
    }

    /// <summary>
    /// A run that died with its process left its folder (code, data copy, the environment file with its token): remove
    /// it. Only this machine's sandbox root is reachable, which is where a restarted node settles its own runs.
    /// </summary>
    public Task ReleaseAsync(Guid runId, CancellationToken ct)
    {
        if (Directory.Exists(_sandbox.Root))
        {
            foreach (var folder in Directory.EnumerateDirectories(_sandbox.Root, $"{runId:N}-*"))
            {
                RemoveRunFolder(folder);
            }
        }

        return Task.CompletedTask;
    }

    public async Task<int> RunAsync(CustomLaunch launch, Func<string, Task> log, CancellationToken ct, Func<ResourceSample, Task>? resources = null)
    {
        if (await CheckCustomCodeAsync(ct) is { } refusal)
        {
            throw new TrainingFailedException(refusal);
        }

        var sandboxed = await _sandbox.ProbeAsync(ct) is null;
        var runAs = sandboxed ? _sandbox.RunAs : null;
        var run = CreateRunFolder(launch.RunId);
        var folder = Path.Combine(run, "work");
        CreateFolder(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        try
        {
            if (launch.CodeArchive is { } archive)
            {
                ExtractSafely(archive, folder);
                await log("Unpacked the code archive.");
            }
            else if (launch.GitUrl is { } git)
            {
                await log($"Cloning {git}{(launch.GitRef is { } r ? " at " + r : string.Empty)}.");
                await new GitCheckout(settings, guard).FetchAsync(git, launch.GitRef, (arguments, environment) => _processes.RunAsync("git", arguments, folder, environment, log, null, ct), ct);
            }

            var environment = BaseEnvironment();
            foreach (var (key, value) in launch.Environment)
            {
                environment[key] = value;
            }

            string fileName;
            List<string> arguments;
            var workingDirectory = folder;
            if (sandboxed)
            {
                var data = launch.DataFile;
                if (data is not null && runAs is not null)
                {
                    // The unprivileged user cannot open files in the data folder (nor should it): give it a read-only copy.
                    var copy = Path.Combine(run, "data", "dataset" + Path.GetExtension(data));
                    Directory.CreateDirectory(Path.GetDirectoryName(copy)!);
                    File.Copy(data, copy);
                    SetMode(copy, UnixFileMode.UserRead | UnixFileMode.GroupRead | UnixFileMode.OtherRead);
                    data = copy;
                }

                if (runAs is { } user)
                {
                    await BubblewrapSandbox.ChownAsync(folder, user, ct);
                }

                if (data is not null)
                {
                    environment["AIP_DATASET_PATH"] = BubblewrapSandbox.DataPathInside(data);
                }

                environment["AIP_WORK_DIR"] = BubblewrapSandbox.WorkMount;
                environment["HOME"] = BubblewrapSandbox.WorkMount;
                environment["TMPDIR"] = "/tmp";
                var environmentFile = await WriteEnvironmentFileAsync(run, environment, runAs, ct);
                (fileName, arguments) = _sandbox.Command(folder, data, launch.Command, environmentFile);

                // setpriv and bwrap start on the host, setpriv as root: they get no variable of the run (LD_PRELOAD,
                // GCONV_PATH, ... would act on them before any namespace or uid drop) and no folder the code filled.
                environment = new Dictionary<string, string>(StringComparer.Ordinal) { ["PATH"] = BubblewrapSandbox.LauncherPath };
                workingDirectory = "/";
            }
            else
            {
                await log("WARNING: no sandbox; the command runs with the platform's rights (Training:Local:AllowUnsandboxed).");
                if (launch.DataFile is { } data)
                {
                    environment["AIP_DATASET_PATH"] = data;
                }

                environment["AIP_WORK_DIR"] = folder;
                (fileName, arguments) = ("/bin/sh", ["-c", launch.Command]);
            }

            await log($"$ {launch.Command}");
            return await _processes.RunAsync(fileName, arguments, workingDirectory, environment, log, launch.Timeout, ct, resources);
        }
        finally
        {
            RemoveRunFolder(run);
        }
    }

    /// <summary>
    /// A new folder for one run under the sandbox root, named after the run and a random part (so that whoever settles
    /// a run that died with its process can find it, and nobody else can guess it). The root and the run's folder are
    /// 0711: the sandbox user must pass through them to its own work folder (0700, its own), and nobody may list them.
    /// The mode is the same whether or not this run drops to another user, as another platform process may share the root.
    /// </summary>
    private string CreateRunFolder(Guid runId)
    {
        const UnixFileMode Traverse = UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute | UnixFileMode.GroupExecute | UnixFileMode.OtherExecute;
        CreateFolder(_sandbox.Root, Traverse);
        SetMode(_sandbox.Root, Traverse);
        var run = Path.Combine(_sandbox.Root, $"{runId:N}-{Guid.NewGuid():N}");
        CreateFolder(run, Traverse);
        return run;
    }

    private static void CreateFolder(string path, UnixFileMode mode)
    {
        if (OperatingSystem.IsWindows())
        {
            Directory.CreateDirectory(path);
        }
        else
        {
            Directory.CreateDirectory(path, mode);
        }
    }

    private static void SetMode(string path, UnixFileMode mode)
    {
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, mode);
        }
    }

    private void RemoveRunFolder(string run)
    {
        try
        {
            Directory.Delete(run, recursive: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // The code may have left folders without write permission for their owner; give it back and try again.
            try
            {
                foreach (var folder in Directory.EnumerateDirectories(run, "*", new EnumerationOptions { RecurseSubdirectories = true, AttributesToSkip = FileAttributes.ReparsePoint, IgnoreInaccessible = true }).Prepend(run))
                {
                    SetMode(folder, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
                }

                Directory.Delete(run, recursive: true);
            }
            catch (Exception again) when (again is IOException or UnauthorizedAccessException)
            {
                logger.LogWarning(again, "Could not remove the working folder {Folder}", run);
            }
        }
    }

    /// <summary>
    /// Writes the run's variables as <c>export NAME='value'</c> lines into a file in the run's folder (outside the work
    /// folder the code fills, so no link planted there is followed), readable only by the sandbox user (0400), removed
    /// with the run's folder. The token in it is the run's own; it never appears on a command line.
    /// </summary>
    private static async Task<string> WriteEnvironmentFileAsync(string run, Dictionary<string, string> environment, (int Uid, int Gid)? runAs, CancellationToken ct)
    {
        var text = new System.Text.StringBuilder();
        foreach (var (name, value) in environment)
        {
            if (name.Length == 0 || !(char.IsAsciiLetter(name[0]) || name[0] == '_') || !name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_') || value.Contains('\0', StringComparison.Ordinal))
            {
                throw new TrainingFailedException($"'{name}' is not a valid variable name or its value holds a NUL character.");
            }

            text.Append("export ").Append(name).Append("='").Append(value.Replace("'", "'\\''", StringComparison.Ordinal)).Append("'\n");
        }

        var path = Path.Combine(run, "environment");
        var options = new FileStreamOptions { Mode = FileMode.CreateNew, Access = FileAccess.Write };
        if (!OperatingSystem.IsWindows())
        {
            options.UnixCreateMode = UnixFileMode.UserRead | UnixFileMode.UserWrite;
        }

        await using (var stream = new FileStream(path, options))
        await using (var writer = new StreamWriter(stream))
        {
            await writer.WriteAsync(text.ToString().AsMemory(), ct);
        }

        SetMode(path, UnixFileMode.UserRead);
        if (runAs is { } user)
        {
            await BubblewrapSandbox.ChownAsync(path, user, ct);
        }

        return path;
    }

    /// <summary>The variables every process of a run starts from: a few of the platform's own (locale, PATH, Python).</summary>
    internal static Dictionary<string, string> BaseEnvironment()
    {
        var environment = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var name in InheritedVariables)
        {
            if (Environment.GetEnvironmentVariable(name) is { } value)
            {
                environment[name] = value;
            }
        }

        environment["PYTHONUNBUFFERED"] = "1";
        return environment;
    }

    /// <summary>Unpacks a zip without letting an entry escape the folder ("zip slip").</summary>
    internal static void ExtractSafely(string archive, string folder)
    {
        var root = Path.GetFullPath(folder) + Path.DirectorySeparatorChar;
        using var zip = ZipFile.OpenRead(archive);
        foreach (var entry in zip.Entries)
        {
            var target = Path.GetFullPath(Path.Combine(root, entry.FullName));
            if (!target.StartsWith(root, StringComparison.Ordinal))
            {
                throw new ValidationException("code", $"The archive entry '{entry.FullName}' points outside the working folder.");
            }

            if (entry.FullName.EndsWith('/'))
            {
                Directory.CreateDirectory(target);
                continue;
            }

            Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            entry.ExtractToFile(target, overwrite: true);
        }
    }
}
