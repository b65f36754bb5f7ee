using AiPlatform.Core.Common;
using AiPlatform.Core.Tracking;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiPlatform.Web.Api.Mlflow;

public static partial class MlflowEndpoints
{
    // ---- runs ----

    private static async Task<JsonHttpResult<object>> CreateRunAsync(HttpContext http, ExperimentService experiments, RunService runs)
    {
        var body = await ReadAsync<CreateRunBody>(http);
        var experiment = await experiments.GetExperimentByMlflowIdAsync(string.IsNullOrEmpty(body.ExperimentId) ? ExperimentService.DefaultExperimentMlflowId : body.ExperimentId, http.RequestAborted, createDefault: true);
        var run = await runs.CreateRunAsync(experiment.Id, body.RunName, body.StartTime, Tags(body.Tags), http.RequestAborted);
        return Ok(new { run = MlflowJson.Run(run, []) });
    }

    private static async Task<JsonHttpResult<object>> GetRunAsync(HttpContext http, RunService runs, LoggedModelService models)
    {
        var id = RunId(Query(http, "run_id") is { Length: > 0 } r ? r : Query(http, "run_uuid"));
        var run = await runs.GetRunAsync(id, http.RequestAborted);
        return Ok(new { run = MlflowJson.Run(run, (await models.OutputsOfAsync([run.Run.Id], http.RequestAborted))[run.Run.Id]) });
    }

    private static async Task<JsonHttpResult<object>> UpdateRunAsync(HttpContext http, RunService runs)
    {
        var body = await ReadAsync<RunBody>(http);
        var run = await runs.UpdateRunAsync(RunId(body.Id), MlflowJson.ParseStatus(body.Status), body.EndTime, body.RunName, http.RequestAborted);
        var details = await runs.GetRunAsync(run.Id, http.RequestAborted);
        return Ok(new { run_info = MlflowJson.Info(details.Run, details.Experiment) });
    }

    private static async Task<JsonHttpResult<object>> RunLifecycleAsync(HttpContext http, RunService runs, LifecycleStage stage)
    {
        var body = await ReadAsync<RunBody>(http);
        await runs.SetRunLifecycleAsync(RunId(Required(body.Id, "run_id")), stage, http.RequestAborted);
        return Ok(new { });
    }

    private static Task<JsonHttpResult<object>> DeleteRunAsync(HttpContext http, RunService runs) =>
        RunLifecycleAsync(http, runs, LifecycleStage.Deleted);

    private static Task<JsonHttpResult<object>> RestoreRunAsync(HttpContext http, RunService runs) =>
        RunLifecycleAsync(http, runs, LifecycleStage.Active);

    private static async Task<JsonHttpResult<object>> LogMetricAsync(HttpContext http, RunService runs, LoggedModelService models)
    {
        var body = await ReadAsync<LogMetricBody>(http);
        Required(body.Key, "key");
        var value = body.Value ?? throw new ValidationException("value", "Missing value for required parameter 'value'.");
        var timestamp = body.Timestamp ?? throw new ValidationException("timestamp", "Missing value for required parameter 'timestamp'.");
        await LogRunAndModelMetricsAsync(
            models,
            RunId(body.Id),
            [new MetricBody(body.Key, value, timestamp, body.Step, body.ModelId, body.DatasetName, body.DatasetDigest)],
            () => runs.LogMetricAsync(RunId(body.Id), body.Key, value, timestamp, body.Step ?? 0, http.RequestAborted),
            http.RequestAborted);
        return Ok(new { });
    }

    private static async Task<JsonHttpResult<object>> LogParamAsync(HttpContext http, RunService runs)
    {
        var body = await ReadAsync<RunBody>(http);
        await runs.LogParamAsync(RunId(body.Id), Required(body.Key, "key"), Required(body.Value, "value", allowEmpty: true), http.RequestAborted);
        return Ok(new { });
    }

    private static async Task<JsonHttpResult<object>> SetTagAsync(HttpContext http, RunService runs)
    {
        var body = await ReadAsync<RunBody>(http);
        await runs.SetRunTagAsync(RunId(body.Id), Required(body.Key, "key"), Required(body.Value, "value", allowEmpty: true), http.RequestAborted);
        return Ok(new { });
    }

    private static async Task<JsonHttpResult<object>> DeleteTagAsync(HttpContext http, RunService runs)
    {
        var body = await ReadAsync<RunBody>(http);
        await runs.DeleteRunTagAsync(RunId(Required(body.Id, "run_id")), Required(body.Key, "key"), http.RequestAborted);
        return Ok(new { });
    }

    private static async Task<JsonHttpResult<object>> LogBatchAsync(HttpContext http, RunService runs, LoggedModelService models)
    {
        var body = await ReadAsync<LogBatchBody>(http, TrackingLimits.MaxBatchRequestBytes);
        var metrics = (body.Metrics ?? []).Select(m => new MetricInput(
            Required(m.Key, "key"),
            m.Value ?? throw new ValidationException("metrics", $"Got invalid value for metric '{m.Key}' (timestamp={m.Timestamp}): a value is required."),
            m.Timestamp ?? throw new ValidationException("metrics", $"Metric '{m.Key}' has no timestamp."),
            m.Step ?? 0)).ToList();
        var parameters = (body.Params ?? []).Select(p => new KeyValuePair<string, string>(Required(p.Key, "key"), p.Value ?? string.Empty)).ToList();
        var tags = (body.Tags ?? []).Select(t => new KeyValuePair<string, string>(Required(t.Key, "key"), t.Value ?? string.Empty)).ToList();
        await LogRunAndModelMetricsAsync(models, RunId(body.RunId), body.Metrics ?? [], () => runs.LogBatchAsync(RunId(body.RunId), metrics, parameters, tags, http.RequestAborted), http.RequestAborted);
        return Ok(new { });
    }

    private static async Task<JsonHttpResult<object>> LogInputsAsync(HttpContext http, RunInputService inputService)
    {
        var body = await ReadAsync<LogInputsBody>(http);
        var inputs = (body.Datasets ?? []).Select(d => d.Dataset is { } ds
            ? new DatasetInputRequest(ds.Name ?? string.Empty, ds.Digest ?? string.Empty, ds.SourceType ?? string.Empty, ds.Source ?? string.Empty, ds.Schema, ds.Profile, Tags(d.Tags))
            : throw new ValidationException("datasets", "Each dataset input needs a dataset.")).ToList();
        await inputService.LogInputsAsync(RunId(Required(body.RunId, "run_id")), inputs, http.RequestAborted);
        return Ok(new { });
    }

    private static async Task<JsonHttpResult<object>> SearchRunsAsync(HttpContext http, RunService runs, LoggedModelService models)
    {
        var body = await ReadAsync<SearchRunsBody>(http);
        var offset = MlflowPageToken.Parse(body.PageToken);
        var page = await runs.SearchRunsByMlflowIdsAsync(body.ExperimentIds ?? [], body.Filter, body.OrderBy, MlflowJson.ParseViewType(body.RunViewType), offset, body.MaxResults ?? TrackingLimits.DefaultSearchResults, http.RequestAborted);
        var outputs = await models.OutputsOfAsync(page.Runs.Select(r => r.Run.Id).ToList(), http.RequestAborted);
        return Ok(new { runs = page.Runs.Select(r => MlflowJson.Run(r, outputs[r.Run.Id])).ToList(), next_page_token = page.HasMore ? MlflowPageToken.Create(offset + page.Runs.Count) : null });
    }

    private static async Task<JsonHttpResult<object>> GetMetricHistoryAsync(HttpContext http, RunService runs)
    {
        var id = RunId(Query(http, "run_id") is { Length: > 0 } r ? r : Query(http, "run_uuid"));
        var key = Required(Query(http, "metric_key"), "metric_key");
        var offset = MlflowPageToken.Parse(Query(http, "page_token"));
        var max = int.TryParse(Query(http, "max_results"), out var m) ? Math.Clamp(m, 1, 25000) : (int?)null;
        var history = await runs.GetMetricHistoryAsync(id, key, offset, max is { } limit ? limit + 1 : 1_000_000, http.RequestAborted);
        var page = max is { } l ? history.Take(l).ToList() : history.ToList();
        var next = max is { } l2 && history.Count > l2 ? MlflowPageToken.Create(offset + l2) : null;
        return Ok(new { metrics = page.Select(x => new MlflowMetric(x.Key, x.RealValue, x.Timestamp, x.Step)).ToList(), next_page_token = next });
    }

    private static async Task<JsonHttpResult<object>> GetMetricHistoryBulkAsync(HttpContext http, RunService runs)
    {
        var key = Required(Query(http, "metric_key"), "metric_key");
        var ids = http.Request.Query["run_ids"].Select(RunId).ToList();
        var start = long.TryParse(Query(http, "start_step"), out var s) ? s : long.MinValue;
        var end = long.TryParse(Query(http, "end_step"), out var e) ? e : long.MaxValue;
        var max = int.TryParse(Query(http, "max_results"), out var m) ? Math.Clamp(m, 1, 1000) : 320;
        var histories = await runs.GetMetricHistoriesAsync(ids, key, http.RequestAborted);
        var metrics = histories.SelectMany(h => Sample(h.Value.Where(x => x.Step >= start && x.Step <= end).ToList(), max)
            .Select(x => new { key = x.Key, value = x.RealValue, timestamp = x.Timestamp, step = x.Step, run_id = h.Key.ToString("N") })).ToList();
        return Ok(new { metrics });
    }

    private static IEnumerable<RunMetric> Sample(List<RunMetric> values, int max) =>
        values.Count <= max ? values : Enumerable.Range(0, max).Select(i => values[(int)((long)i * (values.Count - 1) / (max - 1))]).Distinct();

    private static async Task<JsonHttpResult<object>> ListRunArtifactsAsync(HttpContext http, RunService runs, ArtifactService artifacts)
    {
        var id = RunId(Query(http, "run_id") is { Length: > 0 } r ? r : Query(http, "run_uuid"));
        var run = await runs.GetRunAsync(id, http.RequestAborted);
        var files = await artifacts.ListAsync(id, Query(http, "path"), http.RequestAborted);
        return Ok(new { root_uri = MlflowJson.ArtifactUri(run.Experiment, run.Run), files = files.Select(f => new MlflowFileInfo(f.Path, f.IsDirectory, f.Size)).ToList() });
    }
}
