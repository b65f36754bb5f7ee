using System.Globalization;

namespace AiPlatform.Web.Components.Shared;

/// <summary>
/// The one way the platform writes dates and times on pages: ISO-style <c>2026-12-06 18:40</c> in the server's time
/// zone, the same in every UI language (a page never mixes "12/6/2026 6:40 PM" with "2026-12-06").
/// </summary>
public static class Dates
{
    /// <summary>Date and time to the minute: <c>2026-12-06 18:40</c>.</summary>
    public static string Format(DateTimeOffset at) => at.ToLocalTime().ToString("yyyy-MM-dd HH:mm", CultureInfo.InvariantCulture);

    /// <summary>As <see cref="Format(DateTimeOffset)"/>, "—" when there is no time.</summary>
    public static string Format(DateTimeOffset? at) => at is { } value ? Format(value) : "—";

    /// <summary>A Unix time in milliseconds (MLflow's run times) as <see cref="Format(DateTimeOffset)"/>.</summary>
    public static string FromUnixMs(long milliseconds) => Format(DateTimeOffset.FromUnixTimeMilliseconds(milliseconds));

    /// <summary>Date and time to the second, for logs and job details: <c>2026-12-06 18:40:05</c>.</summary>
    public static string Precise(DateTimeOffset at) => at.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>As <see cref="Precise(DateTimeOffset)"/>, "—" when there is no time.</summary>
    public static string Precise(DateTimeOffset? at) => at is { } value ? Precise(value) : "—";

    /// <summary>The date alone: <c>2026-12-06</c>.</summary>
    public static string Day(DateTimeOffset at) => at.ToLocalTime().ToString("yyyy-MM-dd", CultureInfo.InvariantCulture);

    /// <summary>The time of day alone, for log lines: <c>18:40:05</c>.</summary>
    public static string Time(DateTimeOffset at) => at.ToLocalTime().ToString("HH:mm:ss", CultureInfo.InvariantCulture);
}
