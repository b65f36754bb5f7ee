namespace AiPlatform.Core.Apps;

/// <summary>What monitoring reads of one ended run (no inputs or outputs): see <see cref="IAppMonitoringStore"/>.</summary>
public sealed record AppRunSample(
    Guid? ApiKeyId,
    int? VersionNumber,
    string Source,
    AppRunStatus Status,
    DateTimeOffset StartedAt,
    double? DurationMs,
    long PromptTokens,
    long CompletionTokens,
    string NodesJson);

/// <summary>The app's ended runs for monitoring, read in one bounded query.</summary>
public interface IAppMonitoringStore
{
    /// <summary>The newest <paramref name="limit"/> runs of the app (optionally of one version) that started at or after <paramref name="since"/> and have ended, newest first.</summary>
    Task<IReadOnlyList<AppRunSample>> ListEndedRunsAsync(Guid appId, int? versionNumber, DateTimeOffset since, int limit, CancellationToken ct);
}

/// <summary>A monitoring window: <c>1h</c>, <c>24h</c>, <c>7d</c> or <c>30d</c>, with the width of its chart buckets.</summary>
public sealed record AppMonitoringWindow(string Name, TimeSpan Length, TimeSpan Bucket)
{
    public static readonly IReadOnlyList<AppMonitoringWindow> All =
    [
        new("1h", TimeSpan.FromHours(1), TimeSpan.FromMinutes(5)),
        new("24h", TimeSpan.FromHours(24), TimeSpan.FromHours(1)),
        new("7d", TimeSpan.FromDays(7), TimeSpan.FromHours(1)),
        new("30d", TimeSpan.FromDays(30), TimeSpan.FromDays(1)),
    ];

    public static AppMonitoringWindow Parse(string? name) =>
        string.IsNullOrWhiteSpace(name) ? All[1]
        : All.FirstOrDefault(w => string.Equals(w.Name, name.Trim(), StringComparison.OrdinalIgnoreCase))
          ?? throw new Common.ValidationException("window", "The window is one of 1h, 24h, 7d, 30d.") { MessageKey = "Apps.Monitoring.Error.Window", MessageArguments = ["1h, 24h, 7d, 30d"] };
}

/// <summary>An app's runs over a window: counts, latency, nodes, tokens by model, API keys (Write and above; null for Read), and the chart buckets.</summary>
public sealed record AppMonitoringReport(
    Guid AppId,
    int? Version,
    string Window,
    DateTimeOffset From,
    DateTimeOffset To,
    int Runs,
    int Succeeded,
    int Failed,
    int Cancelled,
    double ErrorRate,
    double? P50Ms,
    double? P95Ms,
    long PromptTokens,
    long CompletionTokens,
    bool Truncated,
    IReadOnlyList<AppNodeStats> Nodes,
    IReadOnlyList<AppModelTokens> Models,
    IReadOnlyList<AppKeyStats>? Keys,
    IReadOnlyList<AppMonitoringBucket> Buckets);

/// <summary>One node of the graph: its executions (a node inside an iteration counts once per item), failures and duration.</summary>
public sealed record AppNodeStats(string NodeId, string NodeType, string? Title, int Executions, int Failures, double P50Ms, double P95Ms, double MeanMs);

public sealed record AppModelTokens(string Model, int Calls, long PromptTokens, long CompletionTokens);

public sealed record AppKeyStats(Guid KeyId, string? Name, string? Prefix, bool Revoked, int Runs, int Failed, long PromptTokens, long CompletionTokens);

public sealed record AppMonitoringBucket(DateTimeOffset Start, int Runs, int Failed, double? P50Ms, double? P95Ms);
