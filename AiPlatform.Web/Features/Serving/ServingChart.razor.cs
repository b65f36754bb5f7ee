using Microsoft.AspNetCore.Components;
using Plotly.Blazor;
using Plotly.Blazor.Traces;
using Plotly.Blazor.Traces.ScatterLib;

namespace AiPlatform.Web.Features.Serving;

public partial class ServingChart : ComponentBase
{
    private static readonly string[] Palette = ["#1e88e5", "#e53935", "#43a047", "#fb8c00", "#8e24aa", "#00acc1"];
    private readonly Config _config = new() { Responsive = true, DisplayLogo = false };
    private Layout _layout = new();
    private IList<ITrace> _data = [];
    private int _revision;

    [Parameter, EditorRequired]
    public string Title { get; set; } = string.Empty;

    [Parameter]
    public string? YTitle { get; set; }

    /// <summary>The window shown on the time axis (last hour or day), so that a single minute does not fill the chart.</summary>
    [Parameter]
    public TimeSpan Window { get; set; } = TimeSpan.FromHours(1);

    [Parameter, EditorRequired]
    public IReadOnlyList<(string Name, IReadOnlyList<(DateTimeOffset At, double Value)> Points)> Series { get; set; } = [];

    protected override void OnParametersSet()
    {
        _data = Series.Select((s, i) => (ITrace)new Scatter
        {
            X = s.Points.Select(p => (object)p.At.LocalDateTime).ToList(),
            Y = s.Points.Select(p => (object)p.Value).ToList(),
            Mode = s.Points.Count == 1 ? ModeFlag.Markers : ModeFlag.Lines | ModeFlag.Markers,
            Name = s.Name,
            Line = new Line { Color = Palette[i % Palette.Length] },
        }).ToList();
        _layout = new Layout
        {
            Title = new Plotly.Blazor.LayoutLib.Title { Text = Title },
            Height = 260,
            Margin = new Plotly.Blazor.LayoutLib.Margin { L = 50, R = 20, T = 40, B = 40 },
            ShowLegend = Series.Count > 1,
            XAxis = [new Plotly.Blazor.LayoutLib.XAxis { Type = Plotly.Blazor.LayoutLib.XAxisLib.TypeEnum.Date, Range = [DateTime.Now - Window, DateTime.Now] }],
            YAxis = [new Plotly.Blazor.LayoutLib.YAxis { Title = new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = YTitle }, RangeMode = Plotly.Blazor.LayoutLib.YAxisLib.RangeModeEnum.ToZero }],
        };
        _revision++;
    }
}
