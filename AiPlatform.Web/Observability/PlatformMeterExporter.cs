using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using Prometheus;

namespace AiPlatform.Web.Observability;

/// <summary>
/// Forwards the platform's own <see cref="Meter"/>s (names starting with <c>AiPlatform.</c>) to the Prometheus
/// registry served at <c>/metrics</c>: counters become <c>_total</c> counters, histograms keep their name.
/// prometheus-net's built-in meter adapter did not publish push instruments on .NET 10 here, hence this bridge.
/// </summary>
internal sealed class PlatformMeterExporter : IHostedService, IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, Action<double, ReadOnlySpan<KeyValuePair<string, object?>>>> _sinks = new();

    public PlatformMeterExporter()
    {
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            if (!instrument.Meter.Name.StartsWith("AiPlatform.", StringComparison.Ordinal) || CreateSink(instrument) is not { } sink)
            {
                return;
            }

            _sinks[instrument] = sink;
            listener.EnableMeasurementEvents(instrument);
        };
        _listener.SetMeasurementEventCallback<long>((instrument, value, tags, _) => Record(instrument, value, tags));
        _listener.SetMeasurementEventCallback<double>((instrument, value, tags, _) => Record(instrument, value, tags));
    }

    public Task StartAsync(CancellationToken cancellationToken)
    {
        _listener.Start();
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_sinks.TryGetValue(instrument, out var sink))
        {
            sink(value, tags);
        }
    }

    private static Action<double, ReadOnlySpan<KeyValuePair<string, object?>>>? CreateSink(Instrument instrument)
    {
        var help = instrument.Description ?? instrument.Name;
        return instrument switch
        {
            Counter<long> or Counter<double> => CounterSink(Metrics.CreateCounter(instrument.Name + "_total", help, LabelNames(instrument))),
            Histogram<double> or Histogram<long> => HistogramSink(Metrics.CreateHistogram(instrument.Name, help, new HistogramConfiguration
            {
                LabelNames = LabelNames(instrument),
                Buckets = instrument.Meter.Name != Core.Serving.ServingMetrics.MeterName ? Histogram.ExponentialBuckets(0.01, 4, 10)
                    : instrument is Histogram<long> ? Histogram.ExponentialBuckets(1, 2, 12)
                    : Histogram.ExponentialBuckets(0.0001, 2, 18),
            })),
            _ => null,
        };
    }

    /// <summary>Every platform instrument is tagged with kind and status (see JobMetrics); Prometheus needs the set up front.</summary>
    private static string[] LabelNames(Instrument instrument) =>
        instrument.Meter.Name == Core.Serving.ServingMetrics.MeterName ? [.. Core.Serving.ServingMetrics.LabelNames]
        : instrument.Meter.Name == Core.Apps.AppMetrics.MeterName ? [.. Core.Apps.AppMetrics.LabelNames(instrument.Name)]
        : ["kind", "status"];

    private static Action<double, ReadOnlySpan<KeyValuePair<string, object?>>> CounterSink(Counter counter) =>
        (value, tags) => counter.WithLabels(Values(counter.LabelNames, tags)).Inc(value);

    private static Action<double, ReadOnlySpan<KeyValuePair<string, object?>>> HistogramSink(Histogram histogram) =>
        (value, tags) => histogram.WithLabels(Values(histogram.LabelNames, tags)).Observe(value);

    private static string[] Values(string[] names, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        var values = new string[names.Length];
        for (var i = 0; i < names.Length; i++)
        {
            values[i] = string.Empty;
            foreach (var tag in tags)
            {
                if (tag.Key == names[i])
                {
                    values[i] = tag.Value?.ToString() ?? string.Empty;
                }
            }
        }

        return values;
    }
}
