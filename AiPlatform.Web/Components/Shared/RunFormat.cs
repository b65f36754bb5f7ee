using System.Globalization;
using AiPlatform.Core.Tracking;

namespace AiPlatform.Web.Components.Shared;

/// <summary>How runs' numbers and times are shown.</summary>
public static class RunFormat
{
    public static string Number(double? value) => value switch
    {
        null => "—",
        double.NaN => "NaN",
        { } v when Math.Abs(v) >= 1e6 || (v != 0 && Math.Abs(v) < 1e-4) => v.ToString("0.####e+0", CultureInfo.CurrentCulture),
        { } v => v.ToString("0.####", CultureInfo.CurrentCulture),
    };

    public static string Duration(Run run)
    {
        if (run.EndTime is not { } end)
        {
            return run.Status == RunStatus.Running ? "…" : "—";
        }

        var span = TimeSpan.FromMilliseconds(Math.Max(0, end - run.StartTime));
        return span.TotalHours >= 1 ? $"{(int)span.TotalHours}h {span.Minutes}m" : span.TotalMinutes >= 1 ? $"{span.Minutes}m {span.Seconds}s" : $"{span.TotalSeconds:0.#}s";
    }
}
