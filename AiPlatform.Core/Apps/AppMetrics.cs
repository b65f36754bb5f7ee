using System.Diagnostics;
using System.Diagnostics.Metrics;
using System.Text.Json;

namespace AiPlatform.Core.Apps;

/// <summary>
/// App runs as Prometheus metrics (meter <c>AiPlatform.Apps</c>, exported at <c>/metrics</c>):
/// <c>aiplatform_app_runs_total{app,version,source,status}</c>, <c>aiplatform_app_run_duration_seconds{app,version,source,status}</c>,
/// <c>aiplatform_app_node_duration_seconds{app,node_type}</c> and <c>aiplatform_app_tokens_total{app,model,kind}</c>
/// (kind <c>prompt</c> or <c>completion</c>). <c>app</c> is the slug; <c>version</c> the number, or <c>draft</c>.
/// </summary>
public sealed class AppMetrics : IDisposable
{
    public const string MeterName = "AiPlatform.Apps";

    private static readonly string[] RunLabels = ["app", "version", "source", "status"];
    private static readonly string[] NodeLabels = ["app", "node_type"];
    private static readonly string[] TokenLabels = ["app", "model", "kind"];

    private readonly Meter _meter;
    private readonly Counter<long> _runs;
    private readonly Histogram<double> _duration;
    private readonly Histogram<double> _nodeDuration;
    private readonly Counter<long> _tokens;

    public AppMetrics(IMeterFactory meterFactory)
    {
        _meter = meterFactory.Create(MeterName);
        _runs = _meter.CreateCounter<long>("aiplatform_app_runs", description: "App runs that ended");
        _duration = _meter.CreateHistogram<double>("aiplatform_app_run_duration_seconds", "s", "Duration of ended app runs");
        _nodeDuration = _meter.CreateHistogram<double>("aiplatform_app_node_duration_seconds", "s", "Duration of app node executions");
        _tokens = _meter.CreateCounter<long>("aiplatform_app_tokens", description: "Tokens used by app runs");
    }

    /// <summary>The label names of an instrument of this meter, for exporters that need them up front.</summary>
    public static IReadOnlyList<string> LabelNames(string instrument) => instrument switch
    {
        "aiplatform_app_node_duration_seconds" => NodeLabels,
        "aiplatform_app_tokens" => TokenLabels,
        _ => RunLabels,
    };

    /// <summary>
    /// Records an ended run: the run counter and duration, each node execution's duration and the tokens by model
    /// (<paramref name="nodes"/>, or read from the run's record when the run ended without them).
    /// </summary>
    public void RunEnded(string app, AppRun run, IReadOnlyList<NodeExecution>? nodes = null)
    {
        var version = run.VersionNumber?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "draft";
        var status = run.Status.ToString();
        var tags = new TagList { { "app", app }, { "version", version }, { "source", run.Source }, { "status", status } };
        _runs.Add(1, tags);
        _duration.Record((run.DurationMs ?? 0) / 1000, tags);
        if (!_nodeDuration.Enabled && !_tokens.Enabled)
        {
            return;
        }

        try
        {
            nodes ??= JsonSerializer.Deserialize<List<NodeExecution>>(run.NodesJson, AppRunService.NodesJson);
        }
        catch (JsonException)
        {
            return;
        }

        foreach (var node in nodes ?? [])
        {
            if (node.Status is NodeExecutionStatus.Skipped or NodeExecutionStatus.Running)
            {
                continue;
            }

            _nodeDuration.Record(node.DurationMs / 1000, new TagList { { "app", app }, { "node_type", node.NodeType } });
            if (node.PromptTokens > 0)
            {
                _tokens.Add(node.PromptTokens, new TagList { { "app", app }, { "model", node.Model ?? string.Empty }, { "kind", "prompt" } });
            }

            if (node.CompletionTokens > 0)
            {
                _tokens.Add(node.CompletionTokens, new TagList { { "app", app }, { "model", node.Model ?? string.Empty }, { "kind", "completion" } });
            }
        }
    }

    public void Dispose() => _meter.Dispose();
}
