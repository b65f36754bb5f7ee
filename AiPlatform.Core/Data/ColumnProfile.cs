namespace AiPlatform.Core.Data;

/// <summary>Statistics of one column. <see cref="ApproxDistinct"/> is an estimate (HyperLogLog), labelled as such in the UI.</summary>
public sealed record ColumnProfile(
    string Name,
    string Type,
    long Count,
    long Nulls,
    long ApproxDistinct,
    string? Min,
    string? Max,
    double? Mean,
    double? StdDev,
    double? Q25,
    double? Median,
    double? Q75,
    IReadOnlyList<ValueCount> TopValues,
    IReadOnlyList<HistogramBin> Histogram);

public sealed record ValueCount(string? Value, long Count);

/// <summary>An equal-width bin [<see cref="From"/>, <see cref="To"/>).</summary>
public sealed record HistogramBin(double From, double To, long Count);
