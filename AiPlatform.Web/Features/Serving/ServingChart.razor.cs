using AiPlatform.Web.Components.Shared.Charts;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;
using Plotly.Blazor;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;

namespace AiPlatform.Web.Features.Serving;

public partial class ServingChart : ComponentBase
{
    private Layout _layout = new();
    private IList<ITrace> _data = [];

    [Parameter, EditorRequired]
    public string Title { get; set; } = string.Empty;

    [Parameter]
    public string? YTitle { get; set; }

    /// <summary>The window shown on the time axis (last hour or day), so that a single minute does not fill the chart.</summary>
    [Parameter]
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(1);

    [Parameter, EditorRequired]
    public IReadOnlyList<(string Name, IReadOnlyList<(DateTimeOffset At, double Value)> Points)> Series { get; set; } = [];

    [Inject]
    private IStringLocalizer<SharedResource> L { get; set; } = default!;

    [Inject]
    private TimeProvider Clock { get; set; } = default!;

    protected override void OnParametersSet()
    {
        _data = Series.Select((s, i) => (ITrace)new Scatter
        {
            X = s.Points.Select(p => (object)ChartTheme.DateValue(p.At)).ToList(),
            // A latency percentile of a minute without requests is NaN: a gap, not a failed chart.
            Y = s.Points.Select(p => ChartValues.Plottable(p.Value)!).ToList(),
            Mode = s.Points.Count == 1 ? ModeFlag.Markers : ModeFlag.Lines | ModeFlag.Markers,
            Name = s.Name,
            Line = new Line { Color = ChartTheme.Series[i % ChartTheme.Series.Count] },
            Marker = new Marker { Color = ChartTheme.Series[i % ChartTheme.Series.Count], Size = 6 },
        }).ToList();
        var now = Clock.GetUtcNow();
        var layout = ChartTheme.Layout(Title, 260, legend: Series.Count > 1);
        var axis = ChartTheme.DateXAxis(L["Charts.Time"], ticks: 5);
        axis.Range = [ChartTheme.DateValue(now - Window), ChartTheme.DateValue(now)];
        layout.XAxis = [axis];
        layout.YAxis = [ChartTheme.YAxis(YTitle, fromZero: true)];
        _layout = layout;
    }
}
