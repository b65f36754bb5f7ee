using AiPlatform.Core.Serving;
using Microsoft.AspNetCore.Components;

namespace AiPlatform.Web.Features.Serving;

public partial class EndpointMonitoringPanel : ComponentBase
{
    /// <summary>"1h" or "1d"; the page reads the metrics of that window on its next refresh.</summary>
    [Parameter]
    public string Window { get; set; } = "1h";

    [Parameter]
    public EventCallback<string> WindowChanged { get; set; }

    /// <summary>Opens the Try-it panel (the next step when the endpoint has had no requests yet).</summary>
    [Parameter]
    public EventCallback TryIt { get; set; }

    [Parameter]
    public IReadOnlyList<ServingSummary> Summary { get; set; } = [];

    [Parameter]
    public IReadOnlyList<ServingPoint> Series { get; set; } = [];

    /// <summary>The version whose latency percentiles are charted.</summary>
    [Parameter]
    public int PrimaryVersion { get; set; }

    private TimeSpan WindowSpan => Window == "1d" ? TimeSpan.FromDays(1) : TimeSpan.FromHours(1);

    private IReadOnlyList<(string Name, IReadOnlyList<(DateTimeOffset At, double Value)> Points)> PerVersion(Func<ServingPoint, double> value) =>
        [.. Series.GroupBy(p => p.Version).Select(g => ($"v{g.Key}", (IReadOnlyList<(DateTimeOffset, double)>)[.. g.Select(p => (p.Minute, value(p)))]))];

    private IReadOnlyList<(string Name, IReadOnlyList<(DateTimeOffset At, double Value)> Points)> Latency()
    {
        var primary = Series.Where(p => p.Version == PrimaryVersion).ToList();
        return
        [
            ("p50", [.. primary.Select(p => (p.Minute, p.P50Ms))]),
            ("p95", [.. primary.Select(p => (p.Minute, p.P95Ms))]),
            ("p99", [.. primary.Select(p => (p.Minute, p.P99Ms))]),
        ];
    }

    private static string Ms(double ms) => ms < 1 ? $"{ms:0.00} ms" : $"{ms:0.#} ms";
}
