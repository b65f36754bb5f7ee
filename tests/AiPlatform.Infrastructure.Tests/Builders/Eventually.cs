using System.Diagnostics;

namespace AiPlatform.Infrastructure.Tests.Builders;

/// <summary>
/// Waits for a condition instead of sleeping: polls until it holds, and fails the test with what it waited for when it
/// does not within a timeout generous enough for a loaded two-core CI machine.
/// </summary>
public static class Eventually
{
    /// <summary>The default limit: long enough that only a real failure reaches it.</summary>
    public static readonly TimeSpan Generous = TimeSpan.FromSeconds(60);

    private static readonly TimeSpan Poll = TimeSpan.FromMilliseconds(50);

    /// <summary>Returns once <paramref name="condition"/> is true; throws a <see cref="TimeoutException"/> naming <paramref name="waitingFor"/> otherwise.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, string waitingFor, TimeSpan? timeout = null)
    {
        var limit = timeout ?? Generous;
        var clock = Stopwatch.StartNew();
        while (!await condition())
        {
            if (clock.Elapsed > limit)
            {
                throw new TimeoutException($"Waited {limit.TotalSeconds:0} s for {waitingFor}; it did not happen.");
            }

            await Task.Delay(Poll);
        }
    }

    /// <inheritdoc cref="UntilAsync(Func{Task{bool}}, string, TimeSpan?)"/>
    public static Task UntilAsync(Func<bool> condition, string waitingFor, TimeSpan? timeout = null) =>
        UntilAsync(() => Task.FromResult(condition()), waitingFor, timeout);
}
