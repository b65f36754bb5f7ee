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

    /// <summary>
    /// The x value of a point on the chosen axis: the step, the server's local time as the platform writes dates, or the
    /// seconds since the run's first point.
    /// </summary>
    public static object X(Core.Tracking.RunMetric point, ChartAxis axis, long firstTimestamp) => axis switch
    {
        ChartAxis.Step => point.Step,
        ChartAxis.WallTime => Components.Shared.Charts.ChartTheme.DateValue(DateTimeOffset.FromUnixTimeMilliseconds(point.Timestamp)),
        _ => (point.Timestamp - firstTimestamp) / 1000.0,
    };

    /// <summary>Marks a missing value on a categorical parallel-coordinates axis.</summary>
    public const string Missing = "—";

    /// <summary>
    /// A value Plotly can take: finite numbers as they are, missing or non-finite ones (NaN, ±Infinity) as null, which
    /// Plotly draws as a gap. System.Text.Json refuses NaN and Infinity, so nothing non-finite may reach a chart.
    /// </summary>
    public static object? Plottable(double? value) => Components.Shared.Charts.ChartValues.Plottable(value);

    /// <summary>The y values of a line: <see cref="Plottable"/> for each.</summary>
    public static List<object> PlottableValues(IEnumerable<double> values) => values.Select(v => Plottable(v)!).ToList();

    /// <summary>
    /// One parallel-coordinates axis from one value per run (null when the run lacks it). All finite numbers: a numeric
    /// axis, with missing or non-finite values as a "missing" category below the range. Otherwise: categories as ticks,
    /// missing as <see cref="Missing"/>. Every value returned is finite, so the trace always serialises.
    /// </summary>
    public static ParallelAxis ParallelAxisOf(string label, IReadOnlyList<string?> values)
    {
        var numbers = values.Select(v => v is not null && double.TryParse(v, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var d) ? d : (double?)null).ToList();
        if (values.All(v => v is null) || Enumerable.Range(0, values.Count).Any(i => values[i] is not null && numbers[i] is null))
        {
            var categories = values.Select(v => v ?? Missing).Distinct().Order(StringComparer.Ordinal).ToList();
            return new ParallelAxis(label, values.Select(v => (double)categories.IndexOf(v ?? Missing)).ToList(), Enumerable.Range(0, categories.Count).Select(i => (double)i).ToList(), categories);
        }

        return NumericAxis(label, numbers);
    }

    /// <summary>A numeric parallel-coordinates axis (metrics); missing and non-finite values go to a "missing" tick below the range.</summary>
    public static ParallelAxis NumericAxis(string label, IReadOnlyList<double?> values)
    {
        var finite = values.Where(v => v is { } d && double.IsFinite(d)).Select(v => v!.Value).ToList();
        if (finite.Count == values.Count)
        {
            return new ParallelAxis(label, finite, null, null);
        }

        if (finite.Count == 0)
        {
            return new ParallelAxis(label, values.Select(_ => 0d).ToList(), [0d], [Missing]);
        }

        var min = finite.Min();
        var max = finite.Max();
        var span = max > min ? max - min : Math.Max(1, Math.Abs(min));
        var missingAt = min - (span * 0.15);
        var ticks = new List<double> { missingAt, min, max }.Distinct().ToList();
        var text = ticks.Select(t => t == missingAt ? Missing : t.ToString("G4", System.Globalization.CultureInfo.InvariantCulture)).ToList();
        return new ParallelAxis(label, values.Select(v => v is { } d && double.IsFinite(d) ? d : missingAt).ToList(), ticks, text);
    }
}

/// <summary>One axis of a parallel-coordinates chart: finite values only, optional ticks (categories or the missing mark).</summary>
public sealed record ParallelAxis(string Label, IReadOnlyList<double> Values, IReadOnlyList<double>? TickValues, IReadOnlyList<string>? TickText);
