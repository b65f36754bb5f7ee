using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace AiPlatform.Core.Common;

/// <summary>
/// Items written by one background writer, many at a time: whoever adds an item does not wait for the store, and the store
/// sees one write (one transaction) per batch instead of one per item — on SQLite, where writers take turns, that is what
/// keeps many concurrent requests from queueing on the write lock. The writer starts with the first item and, when the
/// owner is disposed (at shutdown), writes what is still queued before it returns.
/// </summary>
public sealed class BatchWriter<T> : IAsyncDisposable
{
    private readonly Channel<T> _channel;
    private readonly int _maxBatch;
    private readonly Func<IReadOnlyList<T>, Task> _write;
    private readonly ILogger _logger;
    private readonly Lock _startLock = new();
    private readonly string _name;
    private Task? _loop;

    /// <param name="capacity">The most items queued (<see cref="TryAdd"/> refuses more), or null for no limit.</param>
    /// <param name="maxBatch">The most items handed to <paramref name="write"/> at once.</param>
    /// <param name="write">Writes a batch; it handles its own failures (an exception is logged and the batch dropped).</param>
    public BatchWriter(int? capacity, int maxBatch, Func<IReadOnlyList<T>, Task> write, ILogger logger)
    {
        _name = "aip-writer-" + typeof(T).DeclaringType?.Name;
        ArgumentOutOfRangeException.ThrowIfLessThan(maxBatch, 1);
        _channel = capacity is { } bound
            ? Channel.CreateBounded<T>(new BoundedChannelOptions(bound) { SingleReader = true, FullMode = BoundedChannelFullMode.Wait })
            : Channel.CreateUnbounded<T>(new UnboundedChannelOptions { SingleReader = true });
        _maxBatch = maxBatch;
        _write = write;
        _logger = logger;
    }

    /// <summary>Queues the item; false when the queue is full or the writer was disposed.</summary>
    public bool TryAdd(T item)
    {
        if (!_channel.Writer.TryWrite(item))
        {
            return false;
        }

        EnsureStarted();
        return true;
    }

    /// <summary>Queues the item, waiting for room when the queue is full; false when the writer was disposed or <paramref name="ct"/> ended the wait.</summary>
    public async ValueTask<bool> AddAsync(T item, CancellationToken ct)
    {
        if (!_channel.Writer.TryWrite(item))
        {
            try
            {
                await _channel.Writer.WriteAsync(item, ct);
            }
            catch (Exception e) when (e is ChannelClosedException or OperationCanceledException)
            {
                return false;
            }
        }

        EnsureStarted();
        return true;
    }

    private void EnsureStarted()
    {
        if (_loop is null)
        {
            lock (_startLock)
            {
                _loop ??= Start();
            }
        }
    }

    /// <summary>
    /// The writer runs on a thread of its own: database drivers that block (SQLite's are synchronous under their async
    /// face) then block it rather than a thread-pool thread, so the requests that queue items never wait for a pool thread.
    /// </summary>
    private Task Start()
    {
        var done = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var thread = new Thread(() =>
        {
            try
            {
                Loop();
                done.SetResult();
            }
            catch (Exception e)
            {
                done.SetException(e);
            }
        })
        {
            IsBackground = true,
            Name = _name,
        };
        // Started by whoever queues first (a request, a timer): nothing of theirs (HttpContext, the acting user) goes with it.
        using (ExecutionContext.SuppressFlow())
        {
            thread.Start();
        }

        return done.Task;
    }

    private void Loop()
    {
        var batch = new List<T>(_maxBatch);
        while (Wait(_channel.Reader.WaitToReadAsync()))
        {
            while (batch.Count < _maxBatch && _channel.Reader.TryRead(out var item))
            {
                batch.Add(item);
            }

            try
            {
                _write(batch).GetAwaiter().GetResult();
            }
            catch (Exception e)
            {
                _logger.LogError(e, "Could not write a batch of {Count} {Item} records", batch.Count, typeof(T).Name);
            }

            batch.Clear();
        }
    }

    private static bool Wait(ValueTask<bool> ready) => ready.IsCompletedSuccessfully ? ready.Result : ready.AsTask().GetAwaiter().GetResult();

    /// <summary>Stops taking items and waits until the queued ones are written.</summary>
    public async ValueTask DisposeAsync()
    {
        _channel.Writer.TryComplete();
        Task? loop;
        lock (_startLock)
        {
            // An item added just before the writer was due to start still gets written.
            _loop ??= _channel.Reader.Count > 0 ? Start() : null;
            loop = _loop;
        }

        if (loop is not null)
        {
            await loop;
        }
    }
}
