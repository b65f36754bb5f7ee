using System.Diagnostics;
using AiPlatform.Core.Training;
using Microsoft.Extensions.Logging;

namespace AiPlatform.Infrastructure.Training;

/// <summary>
/// Starts one process of a local run and follows it: output and error lines to the log as they come, CPU and memory
/// of its tree sampled from /proc, the whole tree killed on cancel or timeout. The process is started on a thread of
/// its own that lives until the run is over (see <see cref="RunAsync"/>).
/// </summary>
internal sealed class ProcessRunner(TrainingSettings settings, ILogger logger)
{
    /// <summary>Runs <paramref name="fileName"/> to its end and returns its exit code.</summary>
    public async Task<int> RunAsync(string fileName, IReadOnlyList<string> arguments, string folder, Dictionary<string, string> environment, Func<string, Task> log, TimeSpan? timeout, CancellationToken ct, Func<ResourceSample, Task>? resources = null)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = folder,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        start.Environment.Clear();
        foreach (var (key, value) in environment)
        {
            start.Environment[key] = value;
        }

        using var process = new Process { StartInfo = start };
        var lines = System.Threading.Channels.Channel.CreateUnbounded<string>();
        process.OutputDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lines.Writer.TryWrite(e.Data);
            }
        };
        process.ErrorDataReceived += (_, e) =>
        {
            if (e.Data is not null)
            {
                lines.Writer.TryWrite(e.Data);
            }
        };

        // The sandbox (bwrap --die-with-parent) dies with the *thread* that started it (PR_SET_PDEATHSIG): a thread-pool
        // thread that retires while idle would kill a long run with 137. The run is started on a thread of its own
        // that stays until the run is over.
        var over = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        try
        {
            await StartOnOwnThreadAsync(process, over.Task, fileName);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            over.TrySetResult();
            throw new TrainingFailedException($"Could not start {fileName}: {e.Message}");
        }

        try
        {
            return await FollowProcessAsync(process, lines, log, timeout, ct, resources);
        }
        finally
        {
            over.TrySetResult();
        }
    }

    /// <summary>Starts <paramref name="process"/> on a new thread that lives until <paramref name="over"/> completes.</summary>
    private static Task StartOnOwnThreadAsync(Process process, Task over, string fileName)
    {
        var started = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                process.Start();
                started.TrySetResult();
            }
            catch (Exception e)
            {
                started.TrySetException(e);
                return;
            }

            over.Wait();
        })
        {
            IsBackground = true,
            Name = "run " + Path.GetFileName(fileName),
        };
        thread.Start();
        return started.Task;
    }

    private async Task<int> FollowProcessAsync(Process process, System.Threading.Channels.Channel<string> lines, Func<string, Task> log, TimeSpan? timeout, CancellationToken ct, Func<ResourceSample, Task>? resources)
    {
        process.StandardInput.Close();
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        using var deadline = timeout is { } t ? new CancellationTokenSource(t) : new CancellationTokenSource();
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(ct, deadline.Token);
        var pump = Task.Run(async () =>
        {
            await foreach (var line in lines.Reader.ReadAllAsync(CancellationToken.None))
            {
                await log(line);
            }
        }, CancellationToken.None);
        using var sampling = new CancellationTokenSource();
        var sampler = resources is null ? Task.CompletedTask : SampleAsync(process.Id, resources, sampling.Token);
        try
        {
            await process.WaitForExitAsync(stop.Token);
            process.WaitForExit();
        }
        catch (OperationCanceledException)
        {
            Kill(process);
            await process.WaitForExitAsync(CancellationToken.None);
            lines.Writer.TryComplete();
            await pump;
            if (deadline.IsCancellationRequested && !ct.IsCancellationRequested)
            {
                throw new TrainingFailedException($"The run exceeded its time limit of {TimeLimits.Describe(timeout!.Value)} and was stopped.", "Error.Training.TimedOut", TimeLimits.Describe(timeout!.Value));
            }

            throw;
        }

        lines.Writer.TryComplete();
        await pump;
        await sampling.CancelAsync();
        await sampler;
        return process.ExitCode;
    }

    /// <summary>Every <see cref="TrainingSettings.ResourceSampleInterval"/>: CPU and resident memory of the whole process tree, from /proc.</summary>
    private async Task SampleAsync(int rootPid, Func<ResourceSample, Task> report, CancellationToken ct)
    {
        var started = DateTimeOffset.UtcNow;
        var (lastTicks, lastAt) = (ProcessTree.CpuTicks(rootPid), DateTimeOffset.UtcNow);
        try
        {
            using var timer = new PeriodicTimer(settings.ResourceSampleInterval);
            while (await timer.WaitForNextTickAsync(ct))
            {
                var (ticks, rss) = (ProcessTree.CpuTicks(rootPid), ProcessTree.ResidentBytes(rootPid));
                var now = DateTimeOffset.UtcNow;
                var cpu = (ticks - lastTicks) / ProcessTree.TicksPerSecond / Math.Max(0.001, (now - lastAt).TotalSeconds) * 100;
                (lastTicks, lastAt) = (ticks, now);
                await report(new ResourceSample((now - started).TotalSeconds, Math.Max(0, cpu), rss / 1048576.0));
            }
        }
        catch (OperationCanceledException)
        {
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            logger.LogDebug(e, "Resource sampling of {Pid} stopped", rootPid);
        }
    }

    private void Kill(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // It ended already.
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            logger.LogWarning(e, "Could not kill process {Pid}", process.Id);
        }
    }
}
