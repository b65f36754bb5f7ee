namespace AiPlatform.Web.Features.Tracking;

/// <summary>How a metric chart shows its points.</summary>
public enum MetricChartKind
{
    /// <summary>No points logged.</summary>
    Empty,

    /// <summary>One run, one value: the number itself.</summary>
    Value,

    /// <summary>Several runs, one value each: a bar per run.</summary>
    Bars,

    /// <summary>Histories: a line per run.</summary>
    Lines,
}
