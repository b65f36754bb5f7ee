using System.Globalization;
using System.Text;
using System.Text.Json;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Core.Tracking;

namespace AiPlatform.Core.Apps;

public sealed partial class AppEvaluationService
{
    /// <summary>Means per scorer and their pass rates, the overall pass rate (rows where every scorer passed), latency and tokens.</summary>
    public static Dictionary<string, double> Summarize(AppEvaluationSettings settings, IReadOnlyList<AppEvaluationRow> rows)
    {
        var summary = new Dictionary<string, double>(StringComparer.Ordinal)
        {
            ["rows"] = rows.Count,
            ["rows_failed"] = rows.Count(r => r.Error is not null),
            ["pass_rate"] = rows.Count == 0 ? 0 : (double)rows.Count(r => r.Passed) / rows.Count,
        };
        foreach (var scorer in settings.Scorers)
        {
            var name = scorer.MetricName;
            var scores = rows.Select(r => r.Scores.GetValueOrDefault(name)).ToList();
            summary[$"{name}.mean"] = rows.Count == 0 ? 0 : scores.Average(s => s?.Value ?? 0);
            summary[$"{name}.pass_rate"] = rows.Count == 0 ? 0 : (double)scores.Count(s => s?.Passed == true) / rows.Count;
        }

        var latencies = rows.Where(r => r.Error is null).Select(r => r.LatencyMs).Order().ToList();
        summary["latency_p50_ms"] = Percentile(latencies, 0.5);
        summary["latency_p95_ms"] = Percentile(latencies, 0.95);
        summary["tokens"] = rows.Sum(r => r.Tokens);
        return summary;
    }

    /// <summary>The nearest-rank percentile of sorted values (0 when there are none).</summary>
    public static double Percentile(IReadOnlyList<double> sorted, double p) =>
        sorted.Count == 0 ? 0 : sorted[Math.Clamp((int)Math.Ceiling(p * sorted.Count) - 1, 0, sorted.Count - 1)];

    /// <summary>The per-row table as CSV: row, inputs (JSON), query, output, expected, one column per scorer, passed, error, latency, tokens, run.</summary>
    public static string ToCsv(AppEvaluationSettings settings, IReadOnlyList<AppEvaluationRow> rows)
    {
        var text = new StringBuilder();
        var header = new List<string> { "row", "inputs", "query", "output", "expected" };
        header.AddRange(settings.Scorers.Select(s => s.MetricName));
        header.AddRange(["passed", "error", "latency_ms", "tokens", "app_run_id"]);
        text.AppendLine(string.Join(',', header.Select(Csv)));
        foreach (var row in rows)
        {
            var cells = new List<string?> { row.Row.ToString(CultureInfo.InvariantCulture), row.Inputs.ToJsonString(), row.Query, row.Output, row.Expected };
            cells.AddRange(settings.Scorers.Select(s => row.Scores.TryGetValue(s.MetricName, out var score) ? score.Value.ToString("0.####", CultureInfo.InvariantCulture) : null));
            cells.AddRange([row.Passed ? "true" : "false", row.Error, row.LatencyMs.ToString("0.#", CultureInfo.InvariantCulture), row.Tokens.ToString(CultureInfo.InvariantCulture), row.RunId?.ToString()]);
            text.AppendLine(string.Join(',', cells.Select(Csv)));
        }

        return text.ToString();
    }

    private static string Csv(string? value) =>
        value is null ? string.Empty : value.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{value.Replace("\"", "\"\"", StringComparison.Ordinal)}\"" : value;

    private async Task<Guid> LogExperimentRunAsync(App app, AppVersion version, Dataset dataset, DatasetVersion datasetVersion, AppEvaluationSettings settings, IReadOnlyDictionary<string, double> summary, IReadOnlyList<AppEvaluationRow> rows, CancellationToken ct)
    {
        var context = await access.RequireContextAsync(ct);
        var name = ExperimentName(app.Slug);
        Experiment experiment;
        try
        {
            experiment = await experiments.GetExperimentByNameAsync(name, ct);
            if (experiment.OwnerId != context.UserId || experiment.LifecycleStage != LifecycleStage.Active)
            {
                experiment = await experiments.CreateExperimentAsync(null, name, null, ct);
            }
        }
        catch (NotFoundException)
        {
            experiment = await experiments.CreateExperimentAsync(null, name, null, ct);
        }

        var details = await trackingRuns.CreateRunAsync(experiment.Id, $"{app.Slug} v{version.Number} · {dataset.Name} v{datasetVersion.Number}", null, new Dictionary<string, string>
        {
            ["aiplatform.app"] = app.Slug,
            ["aiplatform.app.version"] = version.Number.ToString(CultureInfo.InvariantCulture),
        }, ct);
        var runId = details.Run.Id;
        var now = time.GetUtcNow().ToUnixTimeMilliseconds();
        var parameters = new Dictionary<string, string>
        {
            ["app"] = app.Slug,
            ["version"] = version.Number.ToString(CultureInfo.InvariantCulture),
            ["dataset"] = dataset.Name,
            ["dataset_version"] = datasetVersion.Number.ToString(CultureInfo.InvariantCulture),
            ["scorers"] = Truncate(JsonSerializer.Serialize(settings.Scorers, AppEvaluationSettings.Json), TrackingLimits.MaxParamValueLength),
            ["inputs"] = Truncate(JsonSerializer.Serialize(settings.Inputs, AppEvaluationSettings.Json), TrackingLimits.MaxParamValueLength),
            ["expected"] = settings.Expected ?? string.Empty,
            ["concurrency"] = settings.Concurrency.ToString(CultureInfo.InvariantCulture),
        };
        await trackingRuns.LogBatchAsync(runId, summary.Select(m => new MetricInput(m.Key, m.Value, now, 0)).ToList(), parameters, null, ct);
        var csv = Encoding.UTF8.GetBytes(ToCsv(settings, rows));
        await using (var stream = new MemoryStream(csv))
        {
            await artifacts.UploadAsync(runId, "evaluation.csv", stream, csv.Length, "text/csv", ct);
        }

        var json = JsonSerializer.SerializeToUtf8Bytes(rows, AppEvaluationSettings.Json);
        await using (var stream = new MemoryStream(json))
        {
            await artifacts.UploadAsync(runId, "evaluation.json", stream, json.Length, "application/json", ct);
        }

        await trackingRuns.UpdateRunAsync(runId, RunStatus.Finished, time.GetUtcNow().ToUnixTimeMilliseconds(), null, ct);
        return runId;
    }

    private static string Truncate(string value, int max) => value.Length > max ? value[..max] : value;
}
