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

    /// <summary>How long an ending run waits for room in the queue, and a read for the records on their way, before it gives up (logged).</summary>
    private static readonly TimeSpan MaxWait = TimeSpan.FromSeconds(15);

    private readonly IAppStore _store;
    private readonly AppSettings _settings;
    private readonly TimeProvider _time;
    private readonly ILogger<AppRunRecorder> _logger;
    private readonly BatchWriter<Pending> _writer;
    private readonly ConcurrentDictionary<Guid, Pending> _pending = new();
    private readonly ConcurrentDictionary<Guid, int> _pendingByApp = new();

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

    /// <summary>Waits until the app's records queued so far are written (or failed), before its runs are read; at most <see cref="MaxWait"/>, then the read goes on (logged).</summary>
    public Task WaitForAppAsync(Guid appId, CancellationToken ct = default) =>
        _pendingByApp.TryGetValue(appId, out var count) && count > 0
            ? BoundedAsync(Task.WhenAll(_pending.Values.Where(p => p.Write.Run.AppId == appId).Select(p => p.Done.Task)), appId, ct)
            : Task.CompletedTask;

    /// <summary>Waits until the run's record queued so far is written (or failed), at most <see cref="MaxWait"/>.</summary>
    public Task WaitForRunAsync(Guid runId, CancellationToken ct = default) =>
        _pending.TryGetValue(runId, out var pending) ? BoundedAsync(pending.Done.Task, pending.Write.Run.AppId, ct) : Task.CompletedTask;

    private async Task BoundedAsync(Task written, Guid appId, CancellationToken ct)
    {
        try
        {
            await written.WaitAsync(MaxWait, _time, ct);
        }
        catch (TimeoutException)
        {
            _logger.LogWarning("The run records of the app {AppId} were not written within {Seconds} s; reading what is stored", appId, MaxWait.TotalSeconds);
        }
    }

    /// <summary>
    /// Queues a copy of the run as it is now (waiting for room when the queue is full); the task it gives ends when the
    /// record is written, with false when it could not be (logged), never with an exception.
    /// </summary>
    private async Task<Task<bool>> QueueAsync(AppRun run, bool insert)
    {
        var pending = new Pending(new AppRunWrite(Storable(run), insert), new TaskCompletionSource<bool>(TaskCreationOptions.RunContinuationsAsynchronously));
        if (_pending.TryGetValue(run.Id, out var earlier))
        {
            // The Running write is still queued: the end replaces it as what readers wait for, once.
            Done([earlier], null);
        }

        _pending[run.Id] = pending;
        _pendingByApp.AddOrUpdate(run.AppId, 1, (_, n) => n + 1);
        using var wait = new CancellationTokenSource(MaxWait, _time);
        if (!await _writer.AddAsync(pending, wait.Token))
        {
            if (wait.IsCancellationRequested)
            {
                _logger.LogError("The run records' queue stayed full for {Seconds} s (the database is not keeping up); the run {RunId} is not recorded", MaxWait.TotalSeconds, run.Id);
                Done([pending], false);
            }
            else
            {
                // Shutting down: write it here.
                await WriteOneAsync(pending.Write, [pending]);
            }
        }

        return pending.Done.Task;
    }

    /// <summary>A copy of the run to write: text without NUL characters, which PostgreSQL refuses in text columns (a question may carry them).</summary>
    private static AppRun Storable(AppRun run)
    {
        var copy = run.Copy();
        copy.Query = NoNul(copy.Query);
        copy.Answer = NoNul(copy.Answer);
        copy.Error = NoNul(copy.Error);
        copy.ErrorArguments = NoNul(copy.ErrorArguments);
        copy.ErrorNodeId = NoNul(copy.ErrorNodeId);
        return copy;

        static string? NoNul(string? text) => text is not null && text.Contains('\0', StringComparison.Ordinal) ? text.Replace('\0', '\uFFFD') : text;
    }

    private async Task WriteAsync(IReadOnlyList<Pending> batch)
    {
        try
        {
            await WriteBatchAsync(batch);
        }
        finally
        {
            // Whatever went wrong, nobody waits for these any longer.
            Done([.. batch.Where(p => !p.Done.Task.IsCompleted)], false);
        }
    }

    private async Task WriteBatchAsync(IReadOnlyList<Pending> batch)
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

    /// <summary>Ends the waits of written (or given-up) records; null for one replaced by a later record of its run (its readers wait for that one).</summary>
    private void Done(List<Pending> waiting, bool? written)
    {
        foreach (var pending in waiting)
        {
            if (_pending.TryRemove(new KeyValuePair<Guid, Pending>(pending.Write.Run.Id, pending)))
            {
                _pendingByApp.AddOrUpdate(pending.Write.Run.AppId, 0, (_, n) => Math.Max(0, n - 1));
            }

            if (written is { } result)
            {
                pending.Done.TrySetResult(result);
            }
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
