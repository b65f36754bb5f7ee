using System.Text.Json;
using AiPlatform.Core.Projects;
using AiPlatform.Core.Tracking;
using AiPlatform.Web.Components.Shared;
using AiPlatform.Web.Components.Shared.Charts;
using AiPlatform.Web.Features.Tracking;
using AiPlatform.Web.Tests.Builders;
using Bunit;
using Microsoft.AspNetCore.Components;
using Microsoft.Extensions.DependencyInjection;
using MudBlazor;
using Plotly.Blazor;
using Plotly.Blazor.Traces;

namespace AiPlatform.Web.Tests.Shared;

/// <summary>
/// Every Plotly chart goes through <see cref="PlatformChart"/> and wwwroot/js/charts.js: drawn only for the visible tab, on
/// the same element across re-renders, never an exception (NaN/Infinity included); single values shown as values.
/// </summary>
public sealed class PlatformChartTests : PageTestBase
{
    private readonly BunitJSModuleInterop _charts;

    public PlatformChartTests()
    {
        _charts = JSInterop.SetupModule(invocation => invocation.Arguments.FirstOrDefault() is string path && path.EndsWith("js/charts.js", StringComparison.Ordinal));
        _charts.Mode = JSRuntimeMode.Loose;
    }

    private IReadOnlyList<JSRuntimeInvocation> Draws => _charts.Invocations.Where(i => i.Identifier == "draw").ToList();

    [Fact]
    public void A_metric_logged_once_by_one_run_is_shown_as_its_value_not_as_a_dot_on_an_empty_axis()
    {
        var cut = Render<MetricChart>(p => p
            .Add(x => x.Title, "accuracy")
            .Add(x => x.Series, [new MetricSeries("run-a", [Point(0.9123, step: 3)])]));

        cut.Find("[data-testid=metric-chart]").GetAttribute("data-kind").ShouldBe(nameof(MetricChartKind.Value));
        cut.Find("[data-testid=metric-value-number]").TextContent.ShouldBe(RunFormat.Number(0.9123));
        cut.Find("[data-testid=metric-value]").TextContent.ShouldContain("3");
        cut.FindAll("[data-testid=metric-plot]").ShouldBeEmpty();
        Draws.ShouldBeEmpty();
    }

    [Fact]
    public void A_metric_logged_once_by_several_runs_is_a_bar_per_run_and_a_short_history_marks_its_points()
    {
        var bars = Render<MetricChart>(p => p
            .Add(x => x.Title, "accuracy")
            .Add(x => x.Series, [new MetricSeries("run-a", [Point(0.9)]), new MetricSeries("run-b", [Point(0.8)])]));
        bars.Find("[data-testid=metric-chart]").GetAttribute("data-kind").ShouldBe(nameof(MetricChartKind.Bars));
        bars.WaitForAssertion(() => Draws.Count.ShouldBe(1));
        var bar = Traces(Draws[0])[0];
        bar.GetProperty("type").GetString().ShouldBe("bar");
        bar.GetProperty("orientation").GetString().ShouldBe("h");
        bar.GetProperty("y").GetRawText().ShouldBe("[\"run-a\",\"run-b\"]");

        var lines = Render<MetricChart>(p => p
            .Add(x => x.Title, "loss")
            .Add(x => x.Series, [new MetricSeries("run-a", [Point(1.0, 0), Point(0.5, 1), Point(0.25, 2)])]));
        lines.Find("[data-testid=metric-chart]").GetAttribute("data-kind").ShouldBe(nameof(MetricChartKind.Lines));
        lines.WaitForAssertion(() => Draws.Count.ShouldBe(2));
        Traces(Draws[1])[0].GetProperty("mode").GetString().ShouldBe("lines+markers");
    }

    [Fact]
    public void Run_names_and_metric_keys_reach_plotly_escaped_so_they_never_become_links_or_markup()
    {
        const string hostile = "<a href=\"https://evil.example\">Session expired</a> & more";
        var cut = Render<MetricChart>(p => p
            .Add(x => x.Title, "<b>loss</b>")
            .Add(x => x.Series, [new MetricSeries(hostile, [Point(1.0, 0), Point(0.5, 1)])]));
        cut.WaitForAssertion(() => Draws.Count.ShouldBe(1));

        var trace = Traces(Draws[0])[0];
        trace.GetProperty("name").GetString().ShouldBe("&lt;a href=\"https://evil.example\"&gt;Session expired&lt;/a&gt; &amp; more");
        var layout = (JsonElement)Draws[0].Arguments[2]!;
        layout.GetProperty("title").GetProperty("text").GetString().ShouldBe("&lt;b&gt;loss&lt;/b&gt;");

        // Numbers and the platform's own settings are untouched.
        trace.GetProperty("y")[0].GetDouble().ShouldBe(1.0);
        trace.GetProperty("mode").GetString()!.ShouldContain("lines");
    }

    [Fact]
    public void A_redrawn_chart_stays_on_its_element_and_nan_or_infinity_never_throw()
    {
        var series = new MetricSeries("run-a", [Point(1.0, 0), Point(double.NaN, 1), Point(0.5, 2)]);
        var cut = Render<MetricChart>(p => p.Add(x => x.Title, "loss").Add(x => x.Series, [series]));
        cut.WaitForAssertion(() => Draws.Count.ShouldBe(1));

        cut.Render(p => p.Add(x => x.Smoothing, 0.5));
        cut.WaitForAssertion(() => Draws.Count.ShouldBe(2));

        // The second draw updates the first chart in place (Plotly.react), it does not throw the element away; a chart
        // re-created on every render was the "No DOM element with id PlotlyChart…" race.
        Element(Draws[1]).Id.ShouldBe(Element(Draws[0]).Id);
        Traces(Draws[1])[1].GetProperty("y")[1].ValueKind.ShouldBe(JsonValueKind.Null);

        var infinite = Render<PlatformChart>(p => p
            .Add(x => x.Data, new List<ITrace> { new Scatter { X = [1, 2], Y = [double.PositiveInfinity, 2.0] } })
            .Add(x => x.Layout, ChartTheme.Layout("t", 200)));
        infinite.WaitForAssertion(() => Draws.Count.ShouldBe(3));
        infinite.FindAll("[data-testid=chart-failed]").ShouldBeEmpty();
    }

    [Fact]
    public async Task Charts_of_a_hidden_tab_are_not_drawn_and_switching_tabs_back_and_forth_does_not_throw()
    {
        var (first, second) = await SeedPairAsync();
        Services.GetRequiredService<NavigationManager>().NavigateTo($"/runs/compare?ids={first},{second}");
        var page = Render<RunComparePage>();
        page.WaitForAssertion(() => page.FindAll("[data-testid=param-row]").Count.ShouldBeGreaterThan(0));

        // The parameters tab is open: neither the metric charts nor the parallel coordinates are drawn behind it.
        Draws.ShouldBeEmpty();

        Tab(page, "Parallel").Click();
        page.WaitForAssertion(() => Draws.Count.ShouldBe(1));
        Traces(Draws[0])[0].GetProperty("type").GetString().ShouldBe("parcoords");

        Tab(page, "Charts").Click();
        page.WaitForAssertion(() => page.FindAll("[data-testid=metric-chart]").Count.ShouldBeGreaterThan(0));
        // The chart that left the page is let go in the browser (no drawing into an element that is gone).
        page.WaitForAssertion(() => _charts.Invocations.Count(i => i.Identifier == "dispose").ShouldBe(1));

        Tab(page, "Param").Click();
        Tab(page, "Parallel").Click();
        page.WaitForAssertion(() => Draws.Count(d => Traces(d)[0].GetProperty("type").GetString() == "parcoords").ShouldBe(2));
        page.FindAll("[data-testid=chart-failed]").ShouldBeEmpty();
    }

    [Fact]
    public void Histogram_ticks_are_readable_numbers_not_scientific_notation()
    {
        List<ChartSeries<double>> series = [new() { Name = "price", Data = new ChartData<double>([1200, 35000, 8000]) }];
        string[] labels = [ChartTheme.Tick(1000), ChartTheme.Tick(20000), ChartTheme.Tick(40000)];

        var themed = Render<MudChart<double>>(p => p
            .Add(x => x.ChartType, ChartType.Bar)
            .Add(x => x.ChartSeries, series)
            .Add(x => x.ChartLabels, labels)
            .Add(x => x.ChartOptions, ChartTheme.BarOptions()));
        var texts = themed.FindAll("svg text").Select(t => t.TextContent.Trim()).Where(t => t.Length > 0).ToList();

        texts.ShouldContain("1000");
        texts.ShouldContain("20k");
        texts.ShouldAllBe(t => !t.Contains("E+"));
        texts.ShouldContain(t => t.EndsWith('k') && t != "20k" && t != "40k", "the y axis has SI ticks");
    }

    private static RunMetric Point(double value, long step = 0) => new()
    {
        Key = "m",
        Value = double.IsNaN(value) ? 0 : value,
        IsNan = double.IsNaN(value),
        Step = step,
        Timestamp = 1_765_000_000_000 + (step * 1000),
    };

    private static ElementReference Element(JSRuntimeInvocation draw) => (ElementReference)draw.Arguments[0]!;

    [Fact]
    public void In_Chinese_Plotlys_own_mode_bar_words_are_given_in_Chinese_and_in_English_they_are_left_alone()
    {
        using (InCulture("zh-CN"))
        {
            Render<PlatformChart>(p => p.Add(x => x.Data, [new Scatter { X = [1, 2], Y = [3, 4] }]).Add(x => x.Layout, ChartTheme.Layout("x", 200)));
        }

        var english = Render<PlatformChart>(p => p.Add(x => x.Data, [new Scatter { X = [1, 2], Y = [3, 4] }]).Add(x => x.Layout, ChartTheme.Layout("x", 200)));
        english.WaitForAssertion(() => Draws.Count.ShouldBe(2));
        var chinese = (JsonElement)Draws[0].Arguments[3]!;
        chinese.GetProperty("locale").GetString().ShouldBe("zh-CN");
        chinese.GetProperty("locales").GetProperty("zh-CN").GetProperty("dictionary").GetProperty("Zoom in").GetString().ShouldBe("放大");
        ((JsonElement)Draws[1].Arguments[3]!).TryGetProperty("locale", out _).ShouldBeFalse();
    }

    private static JsonElement[] Traces(JSRuntimeInvocation draw) => ((IEnumerable<JsonElement>)draw.Arguments[1]!).ToArray();

    private static AngleSharp.Dom.IElement Tab(IRenderedComponent<RunComparePage> page, string text) =>
        page.FindAll(".mud-tab").First(t => t.TextContent.Contains(text, StringComparison.Ordinal));

    private async Task<(Guid, Guid)> SeedPairAsync()
    {
        var project = await Get<ProjectService>().CreateAsync("charts-project", null, default);
        var experiment = await Get<ExperimentService>().CreateExperimentAsync(project.Id, "charts", null, default);
        var tracking = Get<RunService>();
        var a = await tracking.CreateRunAsync(experiment.Id, "with-lr", 1000, null, default);
        await tracking.LogBatchAsync(a.Run.Id, [new("log_loss", 0.3, 1, 0), new("accuracy", 0.9, 1, 0)], new Dictionary<string, string> { ["lr"] = "0.1" }, null, default);
        var b = await tracking.CreateRunAsync(experiment.Id, "without-lr", 1001, null, default);
        await tracking.LogBatchAsync(b.Run.Id, [new("log_loss", double.NaN, 1, 0), new("accuracy", double.PositiveInfinity, 1, 0)], new Dictionary<string, string> { ["lr"] = "0.2" }, null, default);
        return (a.Run.Id, b.Run.Id);
    }
}
