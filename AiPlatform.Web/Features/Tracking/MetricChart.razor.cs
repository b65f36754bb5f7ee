using AiPlatform.Core.Tracking;
using AiPlatform.Web.Components.Shared;
using AiPlatform.Web.Components.Shared.Charts;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;
using Plotly.Blazor;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;

namespace AiPlatform.Web.Features.Tracking;

public partial class MetricChart : ComponentBase
{
    /// <summary>Lines with at most this many points also mark each point, so that a short history reads as points.</summary>
    public const int FewPoints = 20;

    private Layout _layout = new();
    private IList<ITrace> _data = [];
    private MetricChartKind _kind;
    private RunMetric? _single;

    [Parameter, EditorRequired]
    public string Title { get; set; } = string.Empty;

    [Parameter, EditorRequired]
    public IReadOnlyList<MetricSeries> Series { get; set; } = [];

    [Parameter]
    public ChartAxis Axis { get; set; }

    [Parameter]
    public double Smoothing { get; set; }

    [Parameter]
    public int Height { get; set; } = 300;

    [Inject]
    private IStringLocalizer<SharedResource> L { get; set; } = default!;

    protected override void OnParametersSet()
    {
        var drawn = Series.Where(s => s.Points.Count > 0).ToList();
        _single = null;
        if (drawn.Count == 0)
        {
            _kind = MetricChartKind.Empty;
        }
        else if (drawn.All(s => s.Points.Count == 1))
        {
            // Logged once per run (a final accuracy, a training time): a value for one run, a bar per run to compare.
            if (drawn.Count == 1)
            {
                _kind = MetricChartKind.Value;
                _single = drawn[0].Points[0];
            }
            else
            {
                _kind = MetricChartKind.Bars;
                BuildBars(drawn);
            }
        }
        else
        {
            _kind = MetricChartKind.Lines;
            BuildLines();
        }
    }

    private void BuildBars(List<MetricSeries> drawn)
    {
        var values = drawn.Select(s => s.Points[0].RealValue).ToList();
        _data =
        [
            new Bar
            {
                X = values.Select(v => ChartValues.Plottable(v)!).ToList(),
                Y = drawn.Select(s => (object)s.Name).ToList(),
                Orientation = Plotly.Blazor.Traces.BarLib.OrientationEnum.H,
                TextArray = values.Select(v => RunFormat.Number(v)).ToList(),
                TextPosition = Plotly.Blazor.Traces.BarLib.TextPositionEnum.Auto,
                Marker = new Plotly.Blazor.Traces.BarLib.Marker { Color = drawn.Select((_, i) => (object)ChartTheme.Series[i % ChartTheme.Series.Count]).ToList() },
                Name = Title,
            },
        ];
        var layout = ChartTheme.Layout(Title, Math.Max(160, 64 + (drawn.Count * 36)));
        layout.XAxis = [ChartTheme.XAxis(null)];
        layout.YAxis = [ChartTheme.YAxis()];
        layout.YAxis[0].AutoRange = Plotly.Blazor.LayoutLib.YAxisLib.AutoRangeEnum.Reversed;
        _layout = layout;
    }

    private void BuildLines()
    {
        var traces = new List<ITrace>();
        for (var i = 0; i < Series.Count; i++)
        {
            var series = Series[i];
            if (series.Points.Count == 0)
            {
                continue;
            }

            var color = ChartTheme.Series[i % ChartTheme.Series.Count];
            var first = series.Points.Min(p => p.Timestamp);
            var x = series.Points.Select(p => ChartMath.X(p, Axis, first)).ToList();
            // NaN and ±Infinity are drawn as gaps (null); they would fail JSON serialisation on the way to Plotly.
            var raw = series.Points.Select(p => p.RealValue).ToList();
            if (Smoothing > 0)
            {
                traces.Add(new Scatter { X = x, Y = ChartMath.PlottableValues(raw), Mode = ModeFlag.Lines, Name = series.Name, ShowLegend = false, Opacity = 0.25m, Line = new Line { Color = color } });
            }

            traces.Add(new Scatter
            {
                X = x,
                Y = ChartMath.PlottableValues(ChartMath.Smooth(raw, Smoothing)),
                Mode = series.Points.Count == 1 ? ModeFlag.Markers : series.Points.Count <= FewPoints ? ModeFlag.Lines | ModeFlag.Markers : ModeFlag.Lines,
                Name = series.Name,
                Line = new Line { Color = color },
                Marker = new Marker { Color = color, Size = 7 },
            });
        }

        _data = traces;
        var layout = ChartTheme.Layout(Title, Height, legend: Series.Count > 1);
        var title = Axis switch { ChartAxis.Step => L["Runs.AxisStep"], ChartAxis.WallTime => L["Runs.AxisTime"], _ => L["Runs.AxisRelative"] };
        layout.XAxis = [Axis == ChartAxis.WallTime ? ChartTheme.DateXAxis(title) : ChartTheme.XAxis(title)];
        layout.YAxis = [ChartTheme.YAxis()];
        _layout = layout;
    }
}
