using AiPlatform.Core.Tracking;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.Localization;
using Plotly.Blazor;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;

namespace AiPlatform.Web.Features.Tracking;

public partial class MetricChart : ComponentBase
{
    private static readonly string[] Palette = ["#1e88e5", "#e53935", "#43a047", "#fb8c00", "#8e24aa", "#00acc1", "#6d4c41", "#3949ab", "#c0ca33", "#d81b60"];
    private readonly Config _config = new() { Responsive = true, DisplayLogo = false };
    private Layout _layout = new();
    private IList<ITrace> _data = [];
    private int _revision;

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

    protected override void OnParametersSet()
    {
        var traces = new List<ITrace>();
        for (var i = 0; i < Series.Count; i++)
        {
            var series = Series[i];
            if (series.Points.Count == 0)
            {
                continue;
            }

            var color = Palette[i % Palette.Length];
            var first = series.Points.Min(p => p.Timestamp);
            var x = series.Points.Select(p => ChartMath.X(p, Axis, first)).ToList();
            // NaN and ±Infinity are drawn as gaps (null); they would fail JSON serialisation on the way to Plotly.
            var raw = series.Points.Select(p => p.RealValue).ToList();
            if (Smoothing > 0)
            {
                traces.Add(new Scatter { X = x, Y = ChartMath.PlottableValues(raw), Mode = ModeFlag.Lines, Name = series.Name, ShowLegend = false, Opacity = 0.25m, Line = new Plotly.Blazor.Traces.ScatterLib.Line { Color = color } });
            }

            traces.Add(new Scatter
            {
                X = x,
                Y = ChartMath.PlottableValues(ChartMath.Smooth(raw, Smoothing)),
                Mode = series.Points.Count == 1 ? ModeFlag.Markers : ModeFlag.Lines,
                Name = series.Name,
                Line = new Plotly.Blazor.Traces.ScatterLib.Line { Color = color },
            });
        }

        _data = traces;
        _layout = new Layout
        {
            Title = new Plotly.Blazor.LayoutLib.Title { Text = Title },
            Height = Height,
            Margin = new Plotly.Blazor.LayoutLib.Margin { L = 50, R = 20, T = 40, B = 40 },
            ShowLegend = Series.Count > 1,
            XAxis = [new Plotly.Blazor.LayoutLib.XAxis { Title = new Plotly.Blazor.LayoutLib.XAxisLib.Title { Text = Axis switch { ChartAxis.Step => L["Runs.AxisStep"], ChartAxis.WallTime => L["Runs.AxisTime"], _ => L["Runs.AxisRelative"] } } }],
        };
        _revision++;
    }

    [Inject]
    private IStringLocalizer<SharedResource> L { get; set; } = default!;
}
