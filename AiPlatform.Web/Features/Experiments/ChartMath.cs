namespace AiPlatform.Web.Features.Experiments;

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

    /// <summary>The x value of a point on the chosen axis (relative seconds count from the run's first point).</summary>
    public static object X(Core.Tracking.RunMetric point, ChartAxis axis, long firstTimestamp) => axis switch
    {
        ChartAxis.Step => point.Step,
        ChartAxis.WallTime => DateTimeOffset.FromUnixTimeMilliseconds(point.Timestamp).UtcDateTime,
        _ => (point.Timestamp - firstTimestamp) / 1000.0,
    };
}
