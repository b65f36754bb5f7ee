using System.Diagnostics.Metrics;

namespace AiPlatform.Core.Jobs;

/// <summary>Job counters and durations, published through <see cref="Meter"/> and exported at <c>/metrics</c>.</summary>
public sealed class JobMetrics : IDisposable
{
    public const string MeterName = "AiPlatform.Jobs";

    private readonly Meter _meter;
    private readonly Counter<long> _finished;
    private readonly Histogram<double> _duration;
    private readonly Counter<long> _started;

    public JobMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _started = _meter.CreateCounter<long>("aiplatform_jobs_started", description: "Jobs that started running");
        _finished = _meter.CreateCounter<long>("aiplatform_jobs_finished", description: "Jobs that reached a terminal status");
        _duration = _meter.CreateHistogram<double>("aiplatform_job_duration_seconds", "s", "Run time of finished jobs");
    }

    /// <summary>Every measurement carries the tags <c>kind</c> and <c>status</c>, so exporters can rely on one label set.</summary>
    public void Started(string kind) =>
        _started.Add(1, new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("status", JobStatus.Running.ToString()));

    public void Finished(string kind, JobStatus status, TimeSpan duration)
    {
        var tags = new[] { new KeyValuePair<string, object?>("kind", kind), new KeyValuePair<string, object?>("status", status.ToString()) };
        _finished.Add(1, tags);
        _duration.Record(duration.TotalSeconds, tags);
    }

    public void Dispose() => _meter.Dispose();
}
