using System.Collections.Concurrent;

namespace AiPlatform.Core.Common;

/// <summary>
/// The cancellation sources of work going on in this process (jobs, app runs), by id, each with some state of its own,
/// so that a cancel issued here takes effect at once.
/// </summary>
public class CancellationRegistry<TState>
{
    private readonly ConcurrentDictionary<Guid, (CancellationTokenSource Source, TState State)> _running = new();

    public void Register(Guid id, CancellationTokenSource source, TState state) => _running[id] = (source, state);

    public void Remove(Guid id) => _running.TryRemove(id, out _);

    /// <summary>The state registered with the work while it goes on here.</summary>
    public bool TryGet(Guid id, out TState state)
    {
        var found = _running.TryGetValue(id, out var entry);
        state = entry.State;
        return found;
    }

    /// <summary>Cancels the work; false when it is not going on in this process (or has just ended).</summary>
    public bool TryCancel(Guid id)
    {
        if (!_running.TryGetValue(id, out var entry))
        {
            return false;
        }

        try
        {
            entry.Source.Cancel();
            return true;
        }
        catch (ObjectDisposedException)
        {
            return false;
        }
    }
}
