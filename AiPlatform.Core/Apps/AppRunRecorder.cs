using System.Collections.Concurrent;
using AiPlatform.Core.Common;
using Microsoft.Extensions.Logging;

namespace AiPlatform.Core.Apps;

/// <summary>A run's record to write: a new row, or the new state of a row written before.</summary>
public sealed record AppRunWrite(AppRun Run, bool Insert);

/// <summary>
/// Writes app run records in the background, many in one transaction, so that answering a run never waits for the
/// database (on SQLite writers take turns; one write per run would queue every request on the write lock). A run is
/// written once, when it ends, unless it is still running after <see cref="AppSettings.RecordRunningAfter"/>: then it is
/// written as Running at that moment (shown in the runs list, failed by the sweep if the process dies) and updated when it
/// ends. Reads of an app's runs first wait for its records still on their way (<see cref="WaitForAppAsync"/>), so whoever
/// got an answer finds the run. Records still queued are written when the platform stops; only a crash can lose the last
/// few milliseconds of them, as with traces.
/// </summary>
public sealed class AppRunRecorder : IAsyncDisposable
{
    private const int MaxBatch = 256;

    /// <summary>The most records waiting; beyond it ending runs wait for room (the database is slower than the runs).</summary>
    private const int MaxQueued = 8192;

    private readonly IAppStore _store;
    private readonly AppSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger<AppRunRecorder> _logger;
    private readonly BatchWriter<Pending> _writer;
    private readonly ConcurrentDictionary<Guid, Pending> _pending = new();

    public AppRunRecorder(IAppStore store, AppSettings settings, TimeProvider time, ILogger<AppRunRecorder> logger)
    {
        _store = store;
        _settings = settings;
        _time = time;
        _logger = logger;
        _writer = new BatchWriter<Pending>(MaxQueued, MaxBatch, WriteAsync, logger);
    }

    /// <summary>Starts recording a run that has just begun: written now (and waited for) when runs are recorded at once, else later if it is still going.</summary>
    public async Task<Recording> BeginAsync(AppRun run)
    {
        var recording = new Recording(this, run);
        if (_settings.RecordRunningAfter <= TimeSpan.Zero)
        {
            await recording.StoreRunningAsync();
        }
        else
        {
            recording.StoreRunningAfter(_settings.RecordRunningAfter, _time);
        }

        return recording;
    }

    /// <summary>Waits until the app's records queued so far are written (or failed), before its runs are read.</summary>
    public Task WaitForAppAsync(Guid appId)
    {
        var waiting = _pending.Values.Where(p => p.Write.Run.AppId == appId).Select(p => p.Done.Task).ToList();
        return waiting.Count == 0 ? Task.CompletedTask : Task.WhenAll(waiting);
    }

    /// <summary>Waits until the run's record queued so far is written (or failed).</summary>
    public Task WaitForRunAsync(Guid runId) => _pending.TryGetValue(runId, out var pending) ? pending.Done.Task : Task.CompletedTask;

    /// <summary>
    /// Queues a copy of the run as it is now (waiting for room when the queue is full); the task it gives ends when the
    /// record is written, with false when it could not be (logged), never with an exception.
    /// </summary>
    private async Task<Task<bool>> QueueAsync(AppRun run, bool insert)
    {
        var pending = new Pending(new AppRunWrite(run.Copy(), insert), new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        _pending[run.Id] = pending;
        if (!await _writer.AddAsync(pending))
        {
            // Shutting down: write it here.
            await WriteOneAsync(pending.Write, [pending]);
        }

        return pending.Done.Task;
    }

    private async Task WriteAsync(IReadOnlyList<Pending> batch)
    {
        // A run stored as Running and ended in the same batch is one write: its last state, inserted.
        var groups = batch.GroupBy(p => p.Write.Run.Id).Select(g => (Write: g.Last().Write with { Insert = g.Any(p => p.Write.Insert) }, Waiting: g.ToList())).ToList();
        try
        {
            await _store.SaveRunsAsync([.. groups.Select(g => g.Write)], CancellationToken.None);
            foreach (var (_, waiting) in groups)
            {
                Done(waiting, true);
            }

            return;
        }
        catch (Exception e)
        {
            _logger.LogWarning(e, "Could not write {Count} app run records at once; writing them one by one", groups.Count);
        }

        foreach (var (write, waiting) in groups)
        {
            await WriteOneAsync(write, waiting);
        }
    }

    /// <summary>
    /// Writes one record; an update whose row is missing (its Running write failed) is written as a new row. A record whose
    /// app was deleted meanwhile is dropped (nothing is left to show it on); any other failure is logged.
    /// </summary>
    private async Task WriteOneAsync(AppRunWrite write, List<Pending> waiting)
    {
        foreach (var attempt in write.Insert ? [write] : new[] { write, write with { Insert = true } })
        {
            try
            {
                await _store.SaveRunsAsync([attempt], CancellationToken.None);
                Done(waiting, true);
                return;
            }
            catch (Exception e) when (attempt.Insert)
            {
                bool gone;
                try
                {
                    gone = await _store.FindAsync(write.Run.AppId, CancellationToken.None) is null;
                }
                catch (Exception)
                {
                    gone = false;
                }

                if (gone)
                {
                    _logger.LogInformation("The app {AppId} was deleted while its run {RunId} went on; the run is not recorded", write.Run.AppId, write.Run.Id);
                }
                else
                {
                    _logger.LogError(e, "Could not record the app run {RunId} of the app {AppId}", write.Run.Id, write.Run.AppId);
                }
            }
            catch (Exception)
            {
                // The update found no row: try it as a new row.
            }
        }

        Done(waiting, false);
    }

    private void Done(List<Pending> waiting, bool written)
    {
        foreach (var pending in waiting)
        {
            _pending.TryRemove(new KeyValuePair<Guid, Pending>(pending.Write.Run.Id, pending));
            pending.Done.TrySetResult(written);
        }
    }

    public ValueTask DisposeAsync() => _writer.DisposeAsync();

    private sealed record Pending(AppRunWrite Write, TaskCompletionSource<bool> Done);

    /// <summary>One run's record, from its start to its end.</summary>
    public sealed class Recording(AppRunRecorder recorder, AppRun run) : IDisposable
    {
        private readonly Lock _lock = new();
        private ITimer? _timer;
        private Task<Task<bool>>? _stored;
        private bool _ended;

        internal async Task StoreRunningAsync()
        {
            Task<Task<bool>> stored;
            lock (_lock)
            {
                stored = _stored ??= recorder.QueueAsync(run, insert: true);
            }

            if (!await await stored)
            {
                throw new InvalidOperationException($"The run {run.Id} could not be recorded; see the log.");
            }
        }

        internal void StoreRunningAfter(TimeSpan delay, TimeProvider time) =>
            _timer = time.CreateTimer(
                _ =>
                {
                    lock (_lock)
                    {
                        if (!_ended)
                        {
                            _stored ??= recorder.QueueAsync(run, insert: true);
                        }
                    }
                },
                null,
                delay,
                Timeout.InfiniteTimeSpan);

        /// <summary>Queues how the run ended (an update when it was written as Running, else its only write); the task ends once it is queued.</summary>
        public async Task EndAsync()
        {
            bool stored;
            lock (_lock)
            {
                _ended = true;
                stored = _stored is not null;
            }

            _timer?.Dispose();
            await recorder.QueueAsync(run, insert: !stored);
        }

        public void Dispose() => _timer?.Dispose();
    }
}
