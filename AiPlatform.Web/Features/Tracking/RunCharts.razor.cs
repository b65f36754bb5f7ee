using AiPlatform.Core.Tracking;
using AiPlatform.Web.Components.Shared;
using Microsoft.AspNetCore.Components;

namespace AiPlatform.Web.Features.Tracking;

public partial class RunCharts : PlatformPage
{
    /// <summary>Lines are drawn from at most this many points (min and max of each stretch kept).</summary>
    public const int MaxPointsPerLine = 2000;

    private readonly Dictionary<string, IReadOnlyDictionary<Guid, IReadOnlyList<RunMetric>>> _histories = [];
    private List<string> _chosen = [];
    private ChartAxis _axis;
    private double _smoothing;

    [Parameter, EditorRequired]
    public IReadOnlyList<Guid> RunIds { get; set; } = [];

    [Parameter, EditorRequired]
    public IReadOnlyDictionary<Guid, string> RunNames { get; set; } = new Dictionary<Guid, string>();

    [Parameter, EditorRequired]
    public IReadOnlyList<string> MetricKeys { get; set; } = [];

    protected override async Task OnParametersSetAsync()
    {
        if (_chosen.Count == 0)
        {
            await OnChosenAsync(MetricKeys.Take(4));
        }
    }

    private async Task OnChosenAsync(IEnumerable<string> keys)
    {
        _chosen = keys.ToList();
        foreach (var key in _chosen.Where(k => !_histories.ContainsKey(k)))
        {
            _histories[key] = await Runs.GetMetricHistoriesAsync(RunIds, key, PageToken);
        }
    }

    private IReadOnlyList<MetricSeries> SeriesOf(string key) =>
        _histories.TryGetValue(key, out var byRun)
            ? RunIds.Where(byRun.ContainsKey).Select(id => new MetricSeries(RunNames.GetValueOrDefault(id) ?? id.ToString("N")[..8], ChartMath.Downsample(byRun[id], MaxPointsPerLine))).ToList()
            : [];

    [Inject]
    private RunService Runs { get; set; } = default!;
}
