using System.Collections.Concurrent;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Apps;

/// <summary>Too many runs at once for one caller or key: 429, try again shortly.</summary>
public sealed class AppRunLimitException(string message) : PlatformException("too-many-runs", message)
{
    public TimeSpan RetryAfter { get; } = TimeSpan.FromSeconds(1);
}

/// <summary>
/// How many app runs each caller (a user, or an app key) has going at once in this process, capped at
/// <see cref="AppSettings.MaxConcurrentRunsPerCaller"/>: one caller with a Read grant cannot occupy the runner with
/// thousands of parallel runs. Evaluations are limited by their own concurrency and are not counted.
/// </summary>
public sealed class AppRunLimiter(AppSettings settings)
{
    private readonly ConcurrentDictionary<Guid, int> _running = new();

    /// <summary>Counts a run of <paramref name="who"/> until the result is disposed; over the cap it throws <see cref="AppRunLimitException"/>.</summary>
    public Slot Enter(Guid who)
    {
        var max = settings.MaxConcurrentRunsPerCaller;
        if (max <= 0)
        {
            return default;
        }

        var now = _running.AddOrUpdate(who, 1, (_, n) => n + 1);
        if (now > max)
        {
            Leave(who);
            throw new AppRunLimitException($"You have {max} app runs going already; wait for one to end (Apps:MaxConcurrentRunsPerCaller).") { MessageKey = "Apps.Error.TooManyRuns", MessageArguments = [max] };
        }

        return new Slot(this, who);
    }

    /// <summary>The runs <paramref name="who"/> has going now.</summary>
    public int Running(Guid who) => _running.TryGetValue(who, out var n) ? n : 0;

    private void Leave(Guid who)
    {
        while (_running.TryGetValue(who, out var n))
        {
            if (n <= 1 ? _running.TryRemove(new KeyValuePair<Guid, int>(who, n)) : _running.TryUpdate(who, n - 1, n))
            {
                return;
            }
        }
    }

    /// <summary>A counted run; disposing it ends the count (a default slot counts nothing).</summary>
    public readonly struct Slot(AppRunLimiter? limiter, Guid who) : IDisposable
    {
        public void Dispose() => limiter?.Leave(who);
    }
}
