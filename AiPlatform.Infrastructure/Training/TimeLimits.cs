using System.Globalization;

namespace AiPlatform.Infrastructure.Training;

/// <summary>A run's time limit in the words of the "exceeded its time limit" message, the same for every backend.</summary>
internal static class TimeLimits
{
    /// <summary>"1 minute", "90 minutes" for whole minutes; "3 s", "0.3 s", "90.5 s" otherwise (invariant culture).</summary>
    public static string Describe(TimeSpan t) => t.TotalMinutes >= 1 && t.Seconds == 0 && t.Milliseconds == 0
        ? (t.TotalMinutes == 1 ? "1 minute" : $"{t.TotalMinutes.ToString("0", CultureInfo.InvariantCulture)} minutes")
        : $"{t.TotalSeconds.ToString("0.#", CultureInfo.InvariantCulture)} s";
}
