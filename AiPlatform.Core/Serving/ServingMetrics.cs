using System.Collections.Concurrent;
using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Globalization;

namespace AiPlatform.Core.Serving;

/// <summary>A minute of one endpoint version's traffic.</summary>
public sealed record ServingPoint(DateTimeOffset Minute, int Version, long Requests, long Errors, double P50Ms, double P95Ms, double P99Ms, double MeanBatchSize);

/// <summary>Totals of one endpoint version over a window.</summary>
public sealed record ServingSummary(int Version, long Requests, long Errors, double Qps, double P50Ms, double P95Ms, double P99Ms, double MeanBatchSize);

/// <summary>
/// Requests, errors, latency and batch sizes per endpoint and version: exported at <c>/metrics</c> through the
/// <see cref="MeterName"/> meter, and kept here per minute for a day so the endpoint page can chart the last hour or day
/// with percentiles (a log-spaced histogram per minute, 5% resolution).
/// </summary>
public sealed class ServingMetrics : IDisposable
{
    public const string MeterName = "AiPlatform.Serving";
    private const int Buckets = 96;
    private const double FirstBucketMs = 0.02;
    private const double Growth = 1.2;
    private static readonly TimeSpan Retention = TimeSpan.FromDays(1);

    private readonly Meter _meter;
    private readonly Counter<long> _requests;
    private readonly Histogram<double> _latency;
    private readonly Histogram<long> _batchSize;
    private readonly TimeProvider _time;
    private readonly ConcurrentDictionary<(string Endpoint, int Version, long Minute), MinuteBucket> _minutes = new();
    private long _lastPrune;

    public ServingMetrics(IMeterFactory meterFactory, TimeProvider time)
    {
        _time = time;
        _meter = meterFactory.Create(MeterName);
        _requests = _meter.CreateCounter<long>("aiplatform_inference_requests", description: "Inference requests by endpoint, version and outcome");
        _latency = _meter.CreateHistogram<double>("aiplatform_inference_duration_seconds", "s", "Inference latency by endpoint, version and outcome");
        _batchSize = _meter.CreateHistogram<long>("aiplatform_inference_batch_size", description: "Rows per model call by endpoint and version");
    }

    /// <summary>Label names of this meter's instruments, for exporters that need them up front.</summary>
    public static IReadOnlyList<string> LabelNames { get; } = ["endpoint", "version", "outcome"];

    public void Record(string endpoint, int version, string outcome, TimeSpan duration)
    {
        var tags = Tags(endpoint, version, outcome);
        _requests.Add(1, in tags);
        _latency.Record(duration.TotalSeconds, in tags);
        var bucket = Bucket(endpoint, version);
        bucket.Add(outcome == "ok" ? 0 : 1, duration.TotalMilliseconds);
    }

    /// <summary>Rows that went into one model call (1 without batching).</summary>
    public void RecordBatch(string endpoint, int version, int rows)
    {
        var tags = Tags(endpoint, version, "ok");
        _batchSize.Record(rows, in tags);
        Bucket(endpoint, version).AddBatch(rows);
    }

    /// <summary>Per-minute points of an endpoint over the last <paramref name="window"/>, oldest first.</summary>
    public IReadOnlyList<ServingPoint> Series(string endpoint, TimeSpan window)
    {
        var from = MinuteOf(_time.GetUtcNow() - window);
        return _minutes.Where(m => m.Key.Endpoint == endpoint && m.Key.Minute > from)
            .OrderBy(m => m.Key.Minute).ThenBy(m => m.Key.Version)
            .Select(m => m.Value.Point(DateTimeOffset.FromUnixTimeSeconds(m.Key.Minute * 60), m.Key.Version))
            .ToList();
    }

    /// <summary>Totals per version over the last <paramref name="window"/>.</summary>
    public IReadOnlyList<ServingSummary> Summary(string endpoint, TimeSpan window)
    {
        var now = _time.GetUtcNow();
        var from = MinuteOf(now - window);
        return _minutes.Where(m => m.Key.Endpoint == endpoint && m.Key.Minute > from)
            .GroupBy(m => m.Key.Version)
            .OrderBy(g => g.Key)
            .Select(g =>
            {
                var merged = new MinuteBucket();
                foreach (var m in g)
                {
                    merged.Merge(m.Value);
                }

                var p = merged.Point(DateTimeOffset.MinValue, g.Key);

                // QPS over the time the version has been taking traffic in the window (at least a minute).
                var since = DateTimeOffset.FromUnixTimeSeconds(g.Min(m => m.Key.Minute) * 60);
                var seconds = Math.Clamp((now - since).TotalSeconds, 60, window.TotalSeconds);
                return new ServingSummary(g.Key, p.Requests, p.Errors, p.Requests / seconds, p.P50Ms, p.P95Ms, p.P99Ms, p.MeanBatchSize);
            })
            .ToList();
    }

    public void Forget(string endpoint)
    {
        foreach (var key in _minutes.Keys.Where(k => k.Endpoint == endpoint))
        {
            _minutes.TryRemove(key, out _);
        }
    }

    public void Dispose() => _meter.Dispose();

    internal static double Percentile(long[] histogram, long total, double q)
    {
        if (total == 0)
        {
            return 0;
        }

        var rank = (long)Math.Ceiling(q * total);
        long seen = 0;
        for (var i = 0; i < histogram.Length; i++)
        {
            seen += histogram[i];
            if (seen >= rank)
            {
                return UpperBoundMs(i);
            }
        }

        return UpperBoundMs(histogram.Length - 1);
    }

    internal static int BucketOf(double ms) => ms <= FirstBucketMs ? 0 : Math.Min(Buckets - 1, (int)Math.Ceiling(Math.Log(ms / FirstBucketMs, Growth)));

    internal static double UpperBoundMs(int bucket) => FirstBucketMs * Math.Pow(Growth, bucket);

    /// <summary>The labels of one measurement, on the stack (a <see cref="TagList"/> of three allocates no array per call).</summary>
    private static TagList Tags(string endpoint, int version, string outcome) =>
        new() { { "endpoint", endpoint }, { "version", version.ToString(CultureInfo.InvariantCulture) }, { "outcome", outcome } };

    private static long MinuteOf(DateTimeOffset at) => at.ToUnixTimeSeconds() / 60;

    private MinuteBucket Bucket(string endpoint, int version)
    {
        var minute = MinuteOf(_time.GetUtcNow());
        if (Interlocked.Exchange(ref _lastPrune, minute) != minute)
        {
            var oldest = minute - (long)Retention.TotalMinutes;
            foreach (var key in _minutes.Keys.Where(k => k.Minute < oldest))
            {
                _minutes.TryRemove(key, out _);
            }
        }

        return _minutes.GetOrAdd((endpoint, version, minute), _ => new MinuteBucket());
    }

    private sealed class MinuteBucket
    {
        private readonly long[] _histogram = new long[Buckets];
        private long _requests;
        private long _errors;
        private long _batches;
        private long _batchRows;

        public void Add(int error, double ms)
        {
            Interlocked.Increment(ref _requests);
            Interlocked.Add(ref _errors, error);
            Interlocked.Increment(ref _histogram[BucketOf(ms)]);
        }

        public void AddBatch(int rows)
        {
            Interlocked.Increment(ref _batches);
            Interlocked.Add(ref _batchRows, rows);
        }

        public void Merge(MinuteBucket other)
        {
            _requests += Interlocked.Read(ref other._requests);
            _errors += Interlocked.Read(ref other._errors);
            _batches += Interlocked.Read(ref other._batches);
            _batchRows += Interlocked.Read(ref other._batchRows);
            for (var i = 0; i < Buckets; i++)
            {
                _histogram[i] += Interlocked.Read(ref other._histogram[i]);
            }
        }

        public ServingPoint Point(DateTimeOffset minute, int version)
        {
            var histogram = _histogram.Select(h => Interlocked.Read(ref h)).ToArray();
            var total = histogram.Sum();
            var batches = Interlocked.Read(ref _batches);
            return new ServingPoint(minute, version, Interlocked.Read(ref _requests), Interlocked.Read(ref _errors),
                Percentile(histogram, total, 0.50), Percentile(histogram, total, 0.95), Percentile(histogram, total, 0.99),
                batches == 0 ? 0 : (double)Interlocked.Read(ref _batchRows) / batches);
        }
    }
}
