namespace AiPlatform.Web.Features.Tracking;

/// <summary>What the x axis of a metric chart shows.</summary>
public enum ChartAxis
{
    Step,
    WallTime,
    RelativeSeconds,
}

/// <summary>One line of a metric chart: a run's history of one metric.</summary>
public sealed record MetricSeries(string Name, IReadOnlyList<Core.Tracking.RunMetric> Points);

public static class ChartMath
{
    /// <summary>
    /// TensorBoard's smoothing: an exponential moving average with debiasing, so the first points are not pulled
    /// towards zero. <paramref name="weight"/> 0 returns the values; NaN values stay NaN and do not disturb the average.
    /// </summary>
    public static double[] Smooth(IReadOnlyList<double> values, double weight)
    {
        var result = new double[values.Count];
        if (weight <= 0)
        {
            for (var i = 0; i < values.Count; i++)
            {
                result[i] = values[i];
            }

            return result;
        }

        weight = Math.Min(weight, 0.999);
        double last = 0;
        var count = 0;
        for (var i = 0; i < values.Count; i++)
        {
            var v = values[i];
            if (!double.IsFinite(v))
            {
                result[i] = v;
                continue;
            }

            last = (last * weight) + ((1 - weight) * v);
            count++;
            var debias = 1 - Math.Pow(weight, count);
            result[i] = last / debias;
        }

        return result;
    }

    /// <summary>
    /// At most <paramref name="max"/> points for drawing: every n-th point plus, in each stride, the minimum and maximum,
    /// so spikes stay visible; the first and last points are always kept.
    /// </summary>
    public static IReadOnlyList<Core.Tracking.RunMetric> Downsample(IReadOnlyList<Core.Tracking.RunMetric> points, int max)
    {
        if (points.Count <= max || max < 4)
        {
            return points;
        }

        var buckets = max / 2;
        var size = (double)points.Count / buckets;
        var result = new List<Core.Tracking.RunMetric>(max + 2) { points[0] };
        for (var b = 0; b < buckets; b++)
        {
            var start = (int)(b * size);
            var end = Math.Min(points.Count, (int)((b + 1) * size));
            if (end <= start)
            {
                continue;
            }

            var slice = Enumerable.Range(start, end - start).Select(i => points[i]).Where(p => double.IsFinite(p.RealValue)).ToList();
            if (slice.Count == 0)
            {
                continue;
            }

            var low = slice.MinBy(p => p.RealValue)!;
            var high = slice.MaxBy(p => p.RealValue)!;
            result.AddRange(low.Step <= high.Step ? [low, high] : [high, low]);
        }

        result.Add(points[^1]);
        return result.Distinct().ToList();
    }

    /// <summary>The x value of a point on the chosen axis (relative seconds count from the run's first point).</summary>
    public static object X(Core.Tracking.RunMetric point, ChartAxis axis, long firstTimestamp) => axis switch
    {
        ChartAxis.Step => point.Step,
        ChartAxis.WallTime => DateTimeOffset.FromUnixTimeMilliseconds(point.Timestamp).UtcDateTime,
        _ => (point.Timestamp - firstTimestamp) / 1000.0,
    };
}
