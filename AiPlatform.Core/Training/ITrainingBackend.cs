namespace AiPlatform.Core.Training;

/// <summary>Runs a custom command: a child process locally (later: a Kubernetes Job).</summary>
public interface ITrainingBackend
{
    TrainingBackendKind Kind { get; }

    /// <summary>How many runs this backend executes at once; more wait in its queue.</summary>
    int MaxConcurrency { get; }

    /// <summary>
    /// Runs to completion and returns the exit code; output lines go to <paramref name="log"/>, periodic CPU and memory
    /// readings to <paramref name="resources"/> where the backend can measure them. Cancelling stops the process (tree).
    /// </summary>
    Task<int> RunAsync(CustomLaunch launch, Func<string, Task> log, CancellationToken ct, Func<ResourceSample, Task>? resources = null);

    /// <summary>
    /// Why this backend refuses custom code now (the Local backend: no working sandbox and unsandboxed runs not allowed),
    /// or null when it runs it. Checked when a custom run or study is submitted, and again when the run starts.
    /// </summary>
    Task<string?> CheckCustomCodeAsync(CancellationToken ct) => Task.FromResult<string?>(null);

    /// <summary>
    /// Removes what a run left on the backend when the platform process that followed it died (its job was settled as
    /// interrupted): the Kubernetes backend deletes the run's Job, Service and Secret. Nothing for a run that left nothing.
    /// </summary>
    Task ReleaseAsync(Guid runId, CancellationToken ct) => Task.CompletedTask;
}

/// <summary>Everything a backend needs to start a custom run.</summary>
/// <param name="CodeArchive">A local zip with the code to unpack into the working folder, when code was uploaded.</param>
/// <param name="DataFile">The dataset version's file, when the run has one (its path is in AIP_DATASET_PATH).</param>
/// <param name="Spec">The whole custom spec (image, resources, workers for remote backends).</param>
/// <param name="CodeUrl">Where a remote backend fetches the code archive (platform API, with the run's token).</param>
/// <param name="DataUrl">Where a remote backend fetches the dataset file (platform API, with the run's token).</param>
public sealed record CustomLaunch(
    Guid RunId,
    string Command,
    string? CodeArchive,
    string? GitUrl,
    string? GitRef,
    string? DataFile,
    IReadOnlyDictionary<string, string> Environment,
    TimeSpan? Timeout,
    CustomSpec? Spec = null,
    string? CodeUrl = null,
    string? DataUrl = null);

/// <summary>What a running process tree used: CPU in percent of one core, resident memory in MiB, seconds since start.</summary>
public sealed record ResourceSample(double Seconds, double CpuPercent, double MemoryMb);
