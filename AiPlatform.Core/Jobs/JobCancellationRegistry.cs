using System.Collections.Concurrent;

namespace AiPlatform.Core.Jobs;

/// <summary>
/// Cancellation sources of the jobs running in this process, so that a cancel issued here takes effect
/// at once; cancels issued on another node reach the job through the store within one poll interval.
/// </summary>
public sealed class JobCancellationRegistry
{
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> _running = new();

    internal void Register(Guid jobId, CancellationTokenSource source) => _running[jobId] = source;

    internal void Unregister(Guid jobId) => _running.TryRemove(jobId, out _);

    public bool TryCancel(Guid jobId)
    {
        if (!_running.TryGetValue(jobId, out var source))
        {
            return false;
        }

        try
        {
            source.Cancel();
            return true;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }
}
