using System.Globalization;
using AiPlatform.Web.Components.Layout;
using MudBlazor;
using MudBlazor.Utilities;
using Plotly.Blazor;
using Plotly.Blazor.LayoutLib;
using Margin = Plotly.Blazor.LayoutLib.Margin;

namespace AiPlatform.Web.Components.Shared.Charts;

/// <summary>
/// The one look of every chart on the platform: Plotly layout and config, axis formats, colours from the MudBlazor palette
/// (light and dark), and MudChart options. Pages build their traces; everything else comes from here.
/// </summary>
public static class ChartTheme
{
    /// <summary>Plotly/d3 form of <see cref="Dates.Format(DateTimeOffset)"/>: <c>2026-12-06 18:40</c>.</summary>
    public const string DateFormat = "%Y-%m-%d %H:%M";

    /// <summary>Plotly/d3 form of <see cref="Dates.Day"/>: <c>2026-12-06</c>.</summary>
    public const string DayFormat = "%Y-%m-%d";

    /// <summary>Day labels of MudChart axes, as <see cref="Dates.Day"/>.</summary>
    public const string DayLabelFormat = "yyyy-MM-dd";

    /// <summary>Paper and plot backgrounds: the card or page behind the chart shows through, in either mode.</summary>
    public const string Transparent = "rgba(0,0,0,0)";

    /// <summary>Tick and legend text, in pixels: readable next to MudBlazor's body text (Plotly's default is 12).</summary>
    public const int FontSize = 13;

    /// <summary>Series colours, readable on light and dark backgrounds alike.</summary>
    public static IReadOnlyList<string> Series { get; } =
        ["#1e88e5", "#e53935", "#43a047", "#fb8c00", "#8e24aa", "#00acc1", "#6d4c41", "#3949ab", "#c0ca33", "#d81b60"];

    private static readonly string FontFamily = "Inter, system-ui, -apple-system, 'Segoe UI', 'Noto Sans SC', 'PingFang SC', 'Microsoft YaHei', sans-serif";

    /// <summary>The chart colours of one mode, from the platform theme's palette.</summary>
    public static ChartColors Colors(bool dark) => dark ? FromPalette(PlatformTheme.Theme.PaletteDark) : FromPalette(PlatformTheme.Theme.PaletteLight);

    /// <summary>
    /// Both colour sets, for the chart script: it picks the one matching the page's current mode when it draws and switches
    /// the drawn charts when the user toggles dark mode (MudBlazor's palette variables change; no server round trip).
    /// </summary>
    public static IReadOnlyDictionary<string, ChartColors> Modes { get; } = new Dictionary<string, ChartColors>
    {
        ["light"] = Colors(dark: false),
        ["dark"] = Colors(dark: true),
    };

    /// <summary>
    /// Plotly's config: no logo, no lasso/select tools; the mode bar shows on hover, standing vertically at the right
    /// (see <see cref="Layout"/>) so it never covers the title.
    /// </summary>
    public static Config Config() => new()
    {
        Responsive = true,
        DisplayLogo = false,
        ModeBarButtonsToRemove = new[] { "select2d", "lasso2d", "autoScale2d", "toggleSpikelines" },
    };

    /// <summary>
    /// A layout: transparent backgrounds, the platform font, the title at the top left with room above the plot, the mode
    /// bar vertical at the top right, a horizontal legend under the plot when <paramref name="legend"/>.
    /// </summary>
    public static Plotly.Blazor.Layout Layout(string? title, int height, bool legend = false)
    {
        var light = Colors(dark: false);
        return new Plotly.Blazor.Layout
        {
            Height = height,
            AutoSize = true,
            PaperBgColor = Transparent,
            PlotBgColor = Transparent,
            Font = new Font { Family = FontFamily, Size = FontSize, Color = light.Text },
            Title = string.IsNullOrEmpty(title)
                ? null
                : new Title
                {
                    Text = title,
                    X = 0,
                    XRef = Plotly.Blazor.LayoutLib.TitleLib.XRefEnum.Paper,
                    XAnchor = Plotly.Blazor.LayoutLib.TitleLib.XAnchorEnum.Left,
                    Font = new Plotly.Blazor.LayoutLib.TitleLib.Font { Size = 15 },
                },
            Margin = new Margin { L = 56, R = 40, T = string.IsNullOrEmpty(title) ? 16 : 44, B = legend ? 24 : 40, Pad = 4 },
            ModeBar = new ModeBar { Orientation = Plotly.Blazor.LayoutLib.ModeBarLib.OrientationEnum.V, BgColor = Transparent },
            ShowLegend = legend,
            Legend = legend
                ? [new Legend { Orientation = Plotly.Blazor.LayoutLib.LegendLib.OrientationEnum.H, Y = -0.25m, YAnchor = Plotly.Blazor.LayoutLib.LegendLib.YAnchorEnum.Top, X = 0 }]
                : null,
            HoverLabel = new HoverLabel { Font = new Plotly.Blazor.LayoutLib.HoverLabelLib.Font { Family = FontFamily, Size = FontSize } },
        };
    }

    /// <summary>The layout with these axes (for one-expression layouts).</summary>
    public static Plotly.Blazor.Layout WithAxes(this Plotly.Blazor.Layout layout, XAxis x, YAxis y)
    {
        layout.XAxis = [x];
        layout.YAxis = [y];
        return layout;
    }

    /// <summary>A parallel-coordinates layout: room above for the axis labels and right for the colour scale.</summary>
    public static Plotly.Blazor.Layout ParallelLayout(int height)
    {
        var layout = Layout(null, height);
        layout.Margin = new Margin { L = 80, R = 80, T = 64, B = 32 };
        return layout;
    }

    /// <summary>A numeric or category x axis with a (localized) title.</summary>
    public static XAxis XAxis(string? title) => new()
    {
        Title = string.IsNullOrEmpty(title) ? null : new Plotly.Blazor.LayoutLib.XAxisLib.Title { Text = title },
        AutoMargin = Plotly.Blazor.LayoutLib.XAxisLib.AutoMarginFlag.True,
        ExponentFormat = Plotly.Blazor.LayoutLib.XAxisLib.ExponentFormatEnum.SI,
    };

    /// <summary>A date x axis in the platform's date format (ticks and hover), at most <paramref name="ticks"/> ticks.</summary>
    public static XAxis DateXAxis(string? title, int ticks = 6)
    {
        var axis = XAxis(title);
        axis.Type = Plotly.Blazor.LayoutLib.XAxisLib.TypeEnum.Date;
        axis.TickFormat = DateFormat;
        axis.HoverFormat = DateFormat;
        axis.NTicks = ticks;
        return axis;
    }

    /// <summary>A date x axis of whole days (<c>2026-12-06</c>, as <see cref="Dates.Day"/>).</summary>
    public static XAxis DayXAxis(string? title, int ticks = 8)
    {
        var axis = DateXAxis(title, ticks);
        axis.TickFormat = DayFormat;
        axis.HoverFormat = DayFormat;
        return axis;
    }

    /// <summary>A y axis with an optional title; SI suffixes for large numbers (12k, 1.5M), never <c>1E+03</c>.</summary>
    public static YAxis YAxis(string? title = null, bool fromZero = false) => new()
    {
        Title = string.IsNullOrEmpty(title) ? null : new Plotly.Blazor.LayoutLib.YAxisLib.Title { Text = title },
        AutoMargin = Plotly.Blazor.LayoutLib.YAxisLib.AutoMarginFlag.True,
        ExponentFormat = Plotly.Blazor.LayoutLib.YAxisLib.ExponentFormatEnum.SI,
        RangeMode = fromZero ? Plotly.Blazor.LayoutLib.YAxisLib.RangeModeEnum.ToZero : null,
    };

    /// <summary>A point in time as a chart value: the server's local time, as <see cref="Dates"/> shows it.</summary>
    public static string DateValue(DateTimeOffset at) => at.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>
    /// A tick label: plain below 10 000 (<c>0</c>, <c>0.25</c>, <c>1000</c>, <c>9500</c>), SI above (<c>12k</c>, <c>1.5M</c>);
    /// never scientific notation.
    /// </summary>
    public static string Tick(double value)
    {
        if (!double.IsFinite(value))
        {
            return "";
        }

        var magnitude = Math.Abs(value);
        if (magnitude < 10_000)
        {
            return Math.Round(value, magnitude >= 100 ? 0 : 3).ToString("0.###", CultureInfo.InvariantCulture);
        }

        (double Divisor, string Suffix) unit = magnitude switch
        {
            >= 1e12 => (1e12, "T"),
            >= 1e9 => (1e9, "G"),
            >= 1e6 => (1e6, "M"),
            _ => (1e3, "k"),
        };
        var scaled = value / unit.Divisor;
        return scaled.ToString(Math.Abs(scaled) >= 100 ? "0" : "0.#", CultureInfo.InvariantCulture) + unit.Suffix;
    }

    /// <summary>Options of a MudChart bar chart (histograms, jobs per day): readable plain/SI ticks, the series colours.</summary>
    public static BarChartOptions BarOptions(bool legend = false) => new()
    {
        YAxisToStringFunc = Tick,
        MaxNumYAxisTicks = 5,
        ShowLegend = legend,
        ChartPalette = [.. Series],
    };

    /// <summary>
    /// One colour per job status in every chart, the same as the status chips: queued grey, running blue, succeeded
    /// green, failed red, cancelled amber (a chart must not show success in the colour of a warning).
    /// </summary>
    public static string StatusColor(AiPlatform.Core.Jobs.JobStatus status)
    {
        var palette = AiPlatform.Web.Components.Layout.PlatformTheme.Theme.PaletteLight;
        var color = JobStatusChip.ColorOf(status) switch
        {
            Color.Info => palette.Info,
            Color.Success => palette.Success,
            Color.Error => palette.Error,
            Color.Warning => palette.Warning,
            _ => palette.GrayDefault,
        };
        return color.ToString(MudColorOutputFormats.Hex);
    }

    /// <summary>Options of a MudChart stacked bar chart.</summary>
    public static StackedBarChartOptions StackedBarOptions(bool legend = true) => new()
    {
        XAxisLabelRotation = 45,
        YAxisToStringFunc = Tick,
        MaxNumYAxisTicks = 5,
        ShowLegend = legend,
        ChartPalette = [.. Series],
    };

    private static ChartColors FromPalette(Palette palette) => new(
        Text: palette.TextPrimary.ToString(MudColorOutputFormats.RGBA),
        Muted: palette.TextSecondary.ToString(MudColorOutputFormats.RGBA),
        Grid: palette.LinesDefault.ToString(MudColorOutputFormats.RGBA),
        Line: palette.Divider.ToString(MudColorOutputFormats.RGBA),
        HoverBackground: palette.Surface.ToString(MudColorOutputFormats.RGBA));
}
