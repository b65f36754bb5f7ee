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
