using System.Text.Json;

namespace AiPlatform.Core.Jobs;

/// <summary>What a handler gets to see of its job: its record, and ways to report progress and log.</summary>
public sealed class JobExecutionContext(JobRecord job, IJobStore store, TimeProvider time, CancellationToken shutdown = default)
{
    /// <summary>True once the process is shutting down: a cancellation then interrupts the job rather than cancelling it.</summary>
    public bool ShuttingDown => shutdown.IsCancellationRequested;

    public Guid JobId => job.Id;

    public JobRecord Job => job;

    public T? GetParameters<T>() =>
        string.IsNullOrEmpty(job.ParametersJson) ? default : JsonSerializer.Deserialize<T>(job.ParametersJson, JobService.JsonOptions);

    /// <summary>Progress is a fraction between 0 and 1; values outside are clamped.</summary>
    public Task ReportProgressAsync(double progress, string? message, CancellationToken ct) =>
        store.ReportProgressAsync(job.Id, Math.Clamp(progress, 0, 1), message, time.GetUtcNow(), ct);

    public Task LogAsync(string message, CancellationToken ct) => LogAsync(JobLogLevel.Info, message, ct);

    public Task LogAsync(JobLogLevel level, string message, CancellationToken ct) =>
        store.AppendLogAsync(job.Id, level, message, time.GetUtcNow(), ct);

    /// <summary>A line shown in each reader's language (<paramref name="text"/>), with its English <paramref name="message"/>.</summary>
    public Task LogAsync(string message, JobText text, CancellationToken ct) =>
        store.AppendLogAsync(job.Id, JobLogLevel.Info, message, text, time.GetUtcNow(), ct);
}
