using System.Collections.Concurrent;

namespace AiPlatform.Core.Apps;

/// <summary>The runs going on in this process, by run id, so a cancel from the UI or the API reaches the running engine.</summary>
public sealed class AppRunRegistry
{
    private readonly ConcurrentDictionary<Guid, CancellationTokenSource> _running = new();

    /// <summary>A token for the run that <see cref="Cancel"/> (or <paramref name="ct"/>) cancels; dispose the source when the run ends.</summary>
    public CancellationTokenSource Register(Guid runId, CancellationToken ct)
    {
        var source = CancellationTokenSource.CreateLinkedTokenSource(ct);
        _running[runId] = source;
        return source;
    }

    public void Remove(Guid runId) => _running.TryRemove(runId, out _);

    public bool IsRunning(Guid runId) => _running.ContainsKey(runId);

    /// <summary>Cancels the run; false when it is not running in this process.</summary>
    public bool Cancel(Guid runId)
    {
        if (!_running.TryGetValue(runId, out var source))
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
