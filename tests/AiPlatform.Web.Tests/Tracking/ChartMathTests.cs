using AiPlatform.Web.Features.Tracking;

namespace AiPlatform.Web.Tests.Tracking;

public sealed class ChartMathTests
{
    [Fact]
    public void Smoothing_is_a_debiased_moving_average_that_leaves_nan_alone()
    {
        ChartMath.Smooth([1, 2, 3], 0).ShouldBe([1, 2, 3]);
        var smoothed = ChartMath.Smooth([10, 10, double.NaN, 10], 0.9);
        smoothed[0].ShouldBe(10, 1e-9);
        smoothed[1].ShouldBe(10, 1e-9);
        double.IsNaN(smoothed[2]).ShouldBeTrue();
        smoothed[3].ShouldBe(10, 1e-9);
        var step = ChartMath.Smooth([0, 0, 0, 1, 1, 1], 0.5);
        step[3].ShouldBeLessThan(1);
        step[3].ShouldBeGreaterThan(0);
        step[5].ShouldBeGreaterThan(step[3]);
    }

    [Fact]
    public void Downsampling_keeps_ends_and_spikes_under_the_limit()
    {
        var points = Enumerable.Range(0, 100_000).Select(i => new AiPlatform.Core.Tracking.RunMetric { Key = "loss", Step = i, Value = i == 54_321 ? 100 : 1 }).ToList();

        var drawn = ChartMath.Downsample(points, 2000);

        drawn.Count.ShouldBeLessThanOrEqualTo(2002);
        drawn[0].Step.ShouldBe(0);
        drawn[^1].Step.ShouldBe(99_999);
        drawn.ShouldContain(p => p.Step == 54_321);
        drawn.Select(p => p.Step).ShouldBeInOrder();
        ChartMath.Downsample(points.Take(10).ToList(), 2000).Count.ShouldBe(10);
    }

    [Fact]
    public void Chart_values_never_carry_nan_or_infinity_so_they_always_serialise()
    {
        ChartMath.Plottable(1.5).ShouldBe(1.5);
        ChartMath.Plottable(null).ShouldBeNull();
        ChartMath.Plottable(double.NaN).ShouldBeNull();
        ChartMath.Plottable(double.PositiveInfinity).ShouldBeNull();
        ChartMath.Plottable(double.NegativeInfinity).ShouldBeNull();

        // A metric line (raw and smoothed) with NaN and Infinity: gaps, and JSON that serialises.
        double[] raw = [1, double.NaN, double.PositiveInfinity, 2, double.NegativeInfinity];
        var line = ChartMath.PlottableValues(raw);
        line.ShouldBe([1d, null!, null!, 2d, null!]);
        System.Text.Json.JsonSerializer.Serialize(line).ShouldBe("[1,null,null,2,null]");
        System.Text.Json.JsonSerializer.Serialize(ChartMath.PlottableValues(ChartMath.Smooth(raw, 0.6))).ShouldNotContain("NaN");
    }

    [Fact]
    public void Parallel_axes_put_missing_and_non_finite_values_on_a_missing_tick()
    {
        // Numeric param missing in one run: a numeric axis with a "missing" tick below the range.
        var lr = ChartMath.ParallelAxisOf("lr", ["0.1", null, "0.3"]);
        lr.Values.ShouldAllBe(v => double.IsFinite(v));
        lr.Values[0].ShouldBe(0.1);
        lr.Values[1].ShouldBeLessThan(0.1);
        lr.TickText.ShouldNotBeNull().ShouldContain(ChartMath.Missing);

        // Text param missing in one run: categories with the missing mark.
        var model = ChartMath.ParallelAxisOf("model", ["LR", null, "GBM"]);
        model.TickText.ShouldBe(["GBM", "LR", ChartMath.Missing]);
        model.Values.ShouldBe([1d, 2d, 0d]);

        // A param logged as "NaN" or "Infinity" parses as a number but is not finite: missing, not NaN.
        ChartMath.ParallelAxisOf("x", ["NaN", "Infinity", "2"]).Values.ShouldAllBe(v => double.IsFinite(v));

        // Metrics: all finite stay as they are, without ticks; NaN/Infinity/missing go to the missing tick; none finite: one tick.
        var clean = ChartMath.NumericAxis("acc", [0.8, 0.9]);
        clean.Values.ShouldBe([0.8, 0.9]);
        clean.TickValues.ShouldBeNull();
        var dirty = ChartMath.NumericAxis("loss", [0.3, double.NaN, double.PositiveInfinity, null]);
        dirty.Values.Skip(1).Distinct().Single().ShouldBeLessThan(0.3);
        var empty = ChartMath.NumericAxis("loss", [double.NaN, null]);
        empty.Values.ShouldBe([0d, 0d]);
        empty.TickText.ShouldBe([ChartMath.Missing]);
        System.Text.Json.JsonSerializer.Serialize(new[] { lr, model, clean, dirty, empty }).ShouldNotBeNullOrEmpty();
    }

    [Theory]
    [InlineData("log_loss", true)]
    [InlineData("logloss", true)]
    [InlineData("val_loss", true)]
    [InlineData("Loss", true)]
    [InlineData("training_seconds", true)]
    [InlineData("trainingSeconds", true)]
    [InlineData("RMSE", true)]
    [InlineData("test-mae", true)]
    [InlineData("mse", true)]
    [InlineData("error_rate", true)]
    [InlineData("inference.latency", true)]
    [InlineData("fit_time", true)]
    [InlineData("epoch_duration", true)]
    [InlineData("perplexity", true)]
    [InlineData("accuracy", false)]
    [InlineData("auc", false)]
    [InlineData("f1_score", false)]
    [InlineData("timeline_quality", false)]
    [InlineData("mean_precision", false)]
    [InlineData("glossary_hits", false)]
    public void Metric_direction_is_lower_for_losses_errors_and_times_by_whole_token(string metric, bool lowerIsBetter) =>
        MetricDirection.LowerIsBetter(metric).ShouldBe(lowerIsBetter);

    [Fact]
    public void Csv_preview_reads_quoted_fields_and_stops_at_the_row_limit()
    {
        var preview = CsvPreview.Parse("name,note\r\n\"Smith, J\",\"said \"\"hi\"\"\"\nb,2\nc,3\n", ',', 2);
        preview.Header.ShouldBe(["name", "note"]);
        preview.Rows.Count.ShouldBe(2);
        preview.Rows[0].ShouldBe(["Smith, J", "said \"hi\""]);
    }

    [Theory]
    [InlineData("[x](javascript:alert(1))", false)]
    [InlineData("[x](JaVaScRiPt:alert(1))", false)]
    [InlineData("[x](data:text/html,hi)", false)]
    [InlineData("<img src=x onerror=alert(1)>", false)]
    [InlineData("[docs](https://mlflow.org)", true)]
    public void Markdown_keeps_safe_links_only(string markdown, bool linkKept)
    {
        var html = new AiPlatform.Web.Security.SafeHtml().Markdown(markdown);
        html.ShouldNotContain("javascript:", Case.Insensitive);
        html.ShouldNotContain("<img");
        html.Contains("href=\"https://mlflow.org\"").ShouldBe(linkKept);
    }
}
