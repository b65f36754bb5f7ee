using System.Text.Json;
using AiPlatform.Core.Access;

namespace AiPlatform.Core.Apps;

/// <summary>
/// Monitoring of one app (optionally one version) over a window: runs, errors and the error rate, p50/p95 latency
/// overall and per node (from each run's node executions), tokens by model, runs and tokens per API key, and buckets
/// for the charts. Anyone who may read the app sees it; the per-key figures are for Write and above only (key names
/// are the publisher's business). The work is bounded: the newest <see cref="MaxRuns"/> ended runs of the window
/// (<see cref="AppMonitoringReport.Truncated"/> says when there were more). Percentiles are nearest-rank.
/// </summary>
public sealed class AppMonitoringService(AppService apps, IAppStore store, IAppMonitoringStore runs, AppRunRecorder recorder, TimeProvider time)
{
    public const int MaxRuns = 20_000;

    public async Task<AppMonitoringReport> GetAsync(Guid id, string? window, int? version, CancellationToken ct)
    {
        var (app, level) = await apps.RequireAsync(id, PermissionLevel.Read, ct);
        var span = AppMonitoringWindow.Parse(window);
        var to = time.GetUtcNow();
        var from = to - span.Length;
        await recorder.WaitForAppAsync(app.Id, ct);
        var samples = await runs.ListEndedRunsAsync(app.Id, version, from, MaxRuns + 1, ct);
        var truncated = samples.Count > MaxRuns;
        if (truncated)
        {
            samples = [.. samples.Take(MaxRuns)];
        }

        var keys = level >= PermissionLevel.Write ? await KeysAsync(app.Id, samples, ct) : null;
        return Compute(app.Id, version, span, from, to, samples, truncated, keys);
    }

    /// <summary>The figures of <paramref name="samples"/> (pure: the service's tests and the panel rely on it).</summary>
    public static AppMonitoringReport Compute(Guid appId, int? version, AppMonitoringWindow span, DateTimeOffset from, DateTimeOffset to, IReadOnlyList<AppRunSample> samples, bool truncated, IReadOnlyList<AppKeyStats>? keys)
    {
        var durations = samples.Where(s => s.DurationMs is not null).Select(s => s.DurationMs!.Value).ToArray();
        Array.Sort(durations);
        var failed = samples.Count(s => s.Status == AppRunStatus.Failed);
        var nodes = new Dictionary<string, NodeAccumulator>(StringComparer.Ordinal);
        var models = new Dictionary<string, AppModelTokens>(StringComparer.Ordinal);
        foreach (var sample in samples)
        {
            ReadNodes(sample.NodesJson, nodes, models);
        }

        return new AppMonitoringReport(
            appId,
            version,
            span.Name,
            from,
            to,
            samples.Count,
            samples.Count(s => s.Status == AppRunStatus.Succeeded),
            failed,
            samples.Count(s => s.Status == AppRunStatus.Cancelled),
            samples.Count == 0 ? 0 : (double)failed / samples.Count,
            Percentile(durations, 0.50),
            Percentile(durations, 0.95),
            samples.Sum(s => s.PromptTokens),
            samples.Sum(s => s.CompletionTokens),
            truncated,
            [.. nodes.Values.Select(n => n.ToStats()).OrderByDescending(n => n.P50Ms).ThenBy(n => n.NodeId, StringComparer.Ordinal)],
            [.. models.Values.OrderByDescending(m => m.PromptTokens + m.CompletionTokens).ThenBy(m => m.Model, StringComparer.Ordinal)],
            keys,
            Buckets(span, from, to, samples));
    }

    /// <summary>Nearest-rank percentile of sorted values; null when there are none.</summary>
    public static double? Percentile(double[] sorted, double q) =>
        sorted.Length == 0 ? null : sorted[Math.Clamp((int)Math.Ceiling(q * sorted.Length) - 1, 0, sorted.Length - 1)];

    private async Task<IReadOnlyList<AppKeyStats>> KeysAsync(Guid appId, IReadOnlyList<AppRunSample> samples, CancellationToken ct)
    {
        var known = (await store.ListKeysAsync(appId, ct)).ToDictionary(k => k.Id);
        return [.. samples.Where(s => s.ApiKeyId is not null).GroupBy(s => s.ApiKeyId!.Value).Select(g =>
        {
            known.TryGetValue(g.Key, out var key);
            return new AppKeyStats(g.Key, key?.Name, key?.Prefix, key?.RevokedAt is not null, g.Count(), g.Count(s => s.Status == AppRunStatus.Failed), g.Sum(s => s.PromptTokens), g.Sum(s => s.CompletionTokens));
        }).OrderByDescending(k => k.Runs)];
    }

    private static List<AppMonitoringBucket> Buckets(AppMonitoringWindow span, DateTimeOffset from, DateTimeOffset to, IReadOnlyList<AppRunSample> samples)
    {
        var width = span.Bucket.Ticks;
        var first = new DateTimeOffset(from.UtcTicks / width * width, TimeSpan.Zero);
        var count = (int)((to.UtcTicks - first.UtcTicks) / width) + 1;
        var lists = new List<double>[count];
        var runs = new int[count];
        var failed = new int[count];
        foreach (var sample in samples)
        {
            var i = (int)((sample.StartedAt.UtcTicks - first.UtcTicks) / width);
            if (i < 0 || i >= count)
            {
                continue;
            }

            runs[i]++;
            failed[i] += sample.Status == AppRunStatus.Failed ? 1 : 0;
            if (sample.DurationMs is { } d)
            {
                (lists[i] ??= []).Add(d);
            }
        }

        var buckets = new List<AppMonitoringBucket>(count);
        for (var i = 0; i < count; i++)
        {
            var sorted = lists[i] is { } l ? l.Order().ToArray() : [];
            buckets.Add(new AppMonitoringBucket(first.AddTicks(width * i), runs[i], failed[i], Percentile(sorted, 0.50), Percentile(sorted, 0.95)));
        }

        return buckets;
    }

    /// <summary>Reads only what monitoring needs of each node execution (id, type, title, status, duration, model, tokens), skipping inputs and outputs.</summary>
    private static void ReadNodes(string json, Dictionary<string, NodeAccumulator> nodes, Dictionary<string, AppModelTokens> models)
    {
        if (string.IsNullOrEmpty(json) || json == "[]")
        {
            return;
        }

        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json);
        }
        catch (JsonException)
        {
            return;
        }

        using (document)
        {
            if (document.RootElement.ValueKind != JsonValueKind.Array)
            {
                return;
            }

            foreach (var node in document.RootElement.EnumerateArray())
            {
                var nodeId = Text(node, "nodeId");
                if (nodeId is null)
                {
                    continue;
                }

                var status = Text(node, "status");
                if (status is "Skipped" or "Running")
                {
                    continue;
                }

                if (!nodes.TryGetValue(nodeId, out var accumulator))
                {
                    nodes[nodeId] = accumulator = new NodeAccumulator(nodeId, Text(node, "nodeType") ?? string.Empty, Text(node, "title"));
                }

                accumulator.Durations.Add(node.TryGetProperty("durationMs", out var d) && d.ValueKind == JsonValueKind.Number ? d.GetDouble() : 0);
                accumulator.Failures += status is "Failed" or "Continued" ? 1 : 0;
                var prompt = Number(node, "promptTokens");
                var completion = Number(node, "completionTokens");
                if (Text(node, "model") is { Length: > 0 } model || prompt + completion > 0)
                {
                    var name = Text(node, "model") ?? string.Empty;
                    models[name] = models.TryGetValue(name, out var m)
                        ? m with { Calls = m.Calls + 1, PromptTokens = m.PromptTokens + prompt, CompletionTokens = m.CompletionTokens + completion }
                        : new AppModelTokens(name, 1, prompt, completion);
                }
            }
        }
    }

    private static string? Text(JsonElement node, string name) =>
        node.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static long Number(JsonElement node, string name) =>
        node.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.Number ? value.GetInt64() : 0;

    private sealed class NodeAccumulator(string nodeId, string nodeType, string? title)
    {
        public List<double> Durations { get; } = [];

        public int Failures { get; set; }

        public AppNodeStats ToStats()
        {
            var sorted = Durations.Order().ToArray();
            return new AppNodeStats(nodeId, nodeType, title, sorted.Length, Failures, Percentile(sorted, 0.50) ?? 0, Percentile(sorted, 0.95) ?? 0, sorted.Length == 0 ? 0 : sorted.Average());
        }
    }
}
