using System.Text.Json;
using AiPlatform.Web.Components.Shared;
using AiPlatform.Web.Components.Shared.Charts;
using Plotly.Blazor;
using Plotly.Blazor.Traces;

namespace AiPlatform.Web.Tests.Shared;

/// <summary>The shared chart look: palette colours per mode, tick format, layout, date format, non-finite values.</summary>
public sealed class ChartThemeTests
{
    [Fact]
    public void Job_statuses_have_the_colours_of_their_chips_in_every_chart()
    {
        var palette = AiPlatform.Web.Components.Layout.PlatformTheme.Theme.PaletteLight;
        ChartTheme.StatusColor(AiPlatform.Core.Jobs.JobStatus.Succeeded).ShouldBe(palette.Success.ToString(MudBlazor.Utilities.MudColorOutputFormats.Hex));
        ChartTheme.StatusColor(AiPlatform.Core.Jobs.JobStatus.Running).ShouldBe(palette.Info.ToString(MudBlazor.Utilities.MudColorOutputFormats.Hex));
        ChartTheme.StatusColor(AiPlatform.Core.Jobs.JobStatus.Failed).ShouldBe(palette.Error.ToString(MudBlazor.Utilities.MudColorOutputFormats.Hex));
        Enum.GetValues<AiPlatform.Core.Jobs.JobStatus>().Select(ChartTheme.StatusColor).Distinct().Count().ShouldBe(Enum.GetValues<AiPlatform.Core.Jobs.JobStatus>().Length);
    }

    [Fact]
    public void Dark_mode_has_its_own_text_and_grid_colours_from_the_platform_palette()
    {
        var light = ChartTheme.Colors(dark: false);
        var dark = ChartTheme.Colors(dark: true);

        dark.Text.ShouldNotBe(light.Text);
        dark.Grid.ShouldNotBe(light.Grid);
        dark.HoverBackground.ShouldNotBe(light.HoverBackground);
        ChartTheme.Modes["light"].ShouldBe(light);
        ChartTheme.Modes["dark"].ShouldBe(dark);
        // The chart script gets both sets, with the names it reads.
        var json = JsonSerializer.Serialize(ChartTheme.Modes, JsonSerializerOptions.Web);
        json.ShouldContain("\"dark\":{\"text\":");
        json.ShouldContain("\"grid\":");
    }

    [Theory]
    [InlineData(0, "0")]
    [InlineData(0.25, "0.25")]
    [InlineData(12, "12")]
    [InlineData(1000, "1000")]
    [InlineData(9500, "9500")]
    [InlineData(12000, "12k")]
    [InlineData(1_500_000, "1.5M")]
    [InlineData(-25000, "-25k")]
    [InlineData(double.NaN, "")]
    public void Ticks_are_plain_or_si_never_scientific(double value, string expected)
    {
        ChartTheme.Tick(value).ShouldBe(expected);
        ChartTheme.Tick(value).ShouldNotContain("E+");
    }

    [Fact]
    public void A_layout_is_transparent_keeps_the_title_clear_of_the_mode_bar_and_serialises_without_nulls()
    {
        var layout = ChartTheme.Layout("accuracy", 300);
        var json = PlatformChartJson(layout);

        json.GetProperty("paper_bgcolor").GetString().ShouldBe(ChartTheme.Transparent);
        json.GetProperty("plot_bgcolor").GetString().ShouldBe(ChartTheme.Transparent);
        json.GetProperty("title").GetProperty("x").GetDouble().ShouldBe(0);
        json.GetProperty("title").GetProperty("xanchor").GetString().ShouldBe("left");
        json.GetProperty("modebar").GetProperty("orientation").GetString().ShouldBe("v");
        json.GetProperty("margin").GetProperty("t").GetDouble().ShouldBeGreaterThanOrEqualTo(40);
        json.GetProperty("font").GetProperty("size").GetDouble().ShouldBeGreaterThanOrEqualTo(12);
        json.GetRawText().ShouldNotContain("null");
    }

    [Fact]
    public void Date_axes_use_the_platform_date_format()
    {
        var axis = PlatformChartJson(ChartTheme.DateXAxis("Time"));
        axis.GetProperty("tickformat").GetString().ShouldBe("%Y-%m-%d %H:%M");
        axis.GetProperty("hoverformat").GetString().ShouldBe("%Y-%m-%d %H:%M");
        axis.GetProperty("type").GetString().ShouldBe("date");

        var at = new DateTimeOffset(2026, 12, 6, 18, 40, 5, TimeSpan.Zero);
        ChartTheme.DateValue(at).ShouldStartWith(Dates.Format(at));
        PlatformChartJson(ChartTheme.DayXAxis("Day")).GetProperty("tickformat").GetString().ShouldBe("%Y-%m-%d");
    }

    [Fact]
    public void Non_finite_values_anywhere_in_a_trace_become_gaps_instead_of_failing_serialisation()
    {
        var scatter = new Scatter { X = [1, 2, 3], Y = [1.0, double.NaN, double.PositiveInfinity] };
        var parallel = new ParCoords
        {
            Dimensions = [new Plotly.Blazor.Traces.ParCoordsLib.Dimension { Label = "lr", Values = [0.1, double.NegativeInfinity] }],
        };
        Should.Throw<ArgumentException>(() => PlatformChartJson(scatter));

        ChartValues.Sanitize([scatter, parallel]);

        PlatformChartJson(scatter).GetProperty("y").GetRawText().ShouldBe("[1,null,null]");
        PlatformChartJson(parallel).GetProperty("dimensions")[0].GetProperty("values").GetRawText().ShouldBe("[0.1,null]");
        ChartValues.Plottable(double.NaN).ShouldBeNull();
        ChartValues.Plottable(2.5).ShouldBe(2.5);
    }

    private static JsonElement PlatformChartJson(object value) => PlatformChart.ToJson(value);
}
