using System.Collections.Concurrent;
using AiPlatform.Core.Training;
using AiPlatform.Infrastructure.Tests.Builders;
using AiPlatform.Infrastructure.Training;
using Microsoft.Extensions.Logging.Abstractions;

namespace AiPlatform.Infrastructure.Tests.Training;

/// <summary>
/// bubblewrap's <c>--die-with-parent</c> (PR_SET_PDEATHSIG) kills the sandbox when the *thread* that forked it exits,
/// and thread-pool threads retire when idle: a long run must not depend on the thread that happened to start it.
/// </summary>
public sealed class SandboxThreadTests(SqliteServicesFixture fixture) : TrainingTestBase(fixture), IClassFixture<SqliteServicesFixture>
{
    [Fact]
    public async Task A_sandboxed_run_outlives_the_thread_that_started_it()
    {
        var backend = new LocalProcessBackend(new TrainingSettings(), new LocalSandboxOptions(), Fixture.DataDirectory, NullLogger<LocalProcessBackend>.Instance);
        (await backend.CheckCustomCodeAsync(CancellationToken.None)).ShouldBeNull("bubblewrap works on this machine");
        var launch = new CustomLaunch(Guid.NewGuid(), "echo started; sleep 3; echo finished", null, null, null, null, new Dictionary<string, string>(), TimeSpan.FromMinutes(2));
        var lines = new ConcurrentQueue<string>();
        using var thread = new RetiringThread();

        var run = thread.Run(() => backend.RunAsync(launch, line => { lines.Enqueue(line); return Task.CompletedTask; }, CancellationToken.None));
        await Eventually.UntilAsync(() => lines.Contains("started"), "the sandboxed command to print 'started'");
        thread.Retire();

        var exit = await run.WaitAsync(TimeSpan.FromSeconds(120));
        exit.ShouldBe(0, "the run was not killed when the thread that called RunAsync exited: " + string.Join(" | ", lines));
        lines.ShouldContain("finished");
    }

    /// <summary>
    /// A thread that runs a call and its continuations (as a SynchronizationContext) until <see cref="Retire"/>: then it
    /// exits, as an idle thread-pool thread does, and later continuations go to the thread pool.
    /// </summary>
    private sealed class RetiringThread : SynchronizationContext, IDisposable
    {
        private readonly BlockingCollection<(SendOrPostCallback Callback, object? State)> _work = [];
        private readonly Lock _lock = new();
        private readonly Thread _thread;
        private bool _retired;

        public RetiringThread()
        {
            _thread = new Thread(() =>
            {
                SetSynchronizationContext(this);
                foreach (var (callback, state) in _work.GetConsumingEnumerable())
                {
                    callback(state);
                }
            }) { IsBackground = true, Name = "retiring" };
            _thread.Start();
        }

        public Task<T> Run<T>(Func<Task<T>> call)
        {
            var result = new TaskCompletionSource<T>(TaskCreationOptions.RunContinuationsAsynchronously);
            Post(async _ =>
            {
                try
                {
                    result.TrySetResult(await call());
                }
                catch (Exception e)
                {
                    result.TrySetException(e);
                }
            }, null);
            return result.Task;
        }

        public override void Post(SendOrPostCallback d, object? state)
        {
            lock (_lock)
            {
                if (!_retired)
                {
                    _work.Add((d, state));
                    return;
                }
            }

            ThreadPool.QueueUserWorkItem(_ => d(state));
        }

        /// <summary>The thread finishes what it holds and exits.</summary>
        public void Retire()
        {
            lock (_lock)
            {
                _retired = true;
                _work.CompleteAdding();
            }

            _thread.Join(TimeSpan.FromSeconds(30)).ShouldBeTrue("the thread exited");
        }

        public void Dispose()
        {
            if (!_retired)
            {
                Retire();
            }

            _work.Dispose();
        }
    }
}
