using System.Text.Json;
using AiPlatform.Core.Common;
using AiPlatform.Core.Tracking;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiPlatform.Web.Api.Mlflow;

public static partial class MlflowEndpoints
{
    // ---- MLflow 3 logged models (service.proto: CreateLoggedModel … LogOutputs) ----

    private static void MapLoggedModels(RouteGroupBuilder g, Func<RouteHandlerBuilder, string, RouteHandlerBuilder> name)
    {
        name(g.MapPost("/logged-models", CreateLoggedModelAsync), "CreateLoggedModel");
        name(g.MapPost("/logged-models/search", SearchLoggedModelsAsync), "SearchLoggedModels");
        name(g.MapGet("/logged-models/{model_id}", GetLoggedModelAsync), "GetLoggedModel");
        name(g.MapPatch("/logged-models/{model_id}", FinalizeLoggedModelAsync), "FinalizeLoggedModel");
        name(g.MapDelete("/logged-models/{model_id}", DeleteLoggedModelAsync), "DeleteLoggedModel");
        name(g.MapPatch("/logged-models/{model_id}/tags", SetLoggedModelTagsAsync), "SetLoggedModelTags");
        name(g.MapDelete("/logged-models/{model_id}/tags/{**tag_key}", DeleteLoggedModelTagAsync), "DeleteLoggedModelTag");
        name(g.MapPost("/logged-models/{model_id}/params", LogLoggedModelParamsAsync), "LogLoggedModelParams");
        name(g.MapGet("/logged-models/{model_id}/artifacts/directories", ListLoggedModelArtifactsAsync), "ListLoggedModelArtifacts");
        name(g.MapPost("/runs/outputs", LogOutputsAsync), "LogOutputs");
    }

    private static async Task<JsonHttpResult<object>> CreateLoggedModelAsync(HttpContext http, LoggedModelService models)
    {
        var body = await ReadAsync<CreateLoggedModelBody>(http);
        var model = await models.CreateAsync(Required(body.ExperimentId, "experiment_id"), body.Name, body.ModelType, body.SourceRunId, Pairs(body.Params), Pairs(body.Tags), http.RequestAborted);
        return Ok(new { model = MlflowJson.LoggedModel(model) });
    }

    private static async Task<JsonHttpResult<object>> GetLoggedModelAsync(string model_id, HttpContext http, LoggedModelService models) =>
        Ok(new { model = MlflowJson.LoggedModel(await models.GetAsync(LoggedModelService.ParseId(model_id), http.RequestAborted)) });

    private static async Task<JsonHttpResult<object>> FinalizeLoggedModelAsync(string model_id, HttpContext http, LoggedModelService models)
    {
        var body = await ReadAsync<FinalizeLoggedModelBody>(http);
        var status = MlflowJson.ParseLoggedModelStatus(body.Status) ?? throw new ValidationException("status", "Missing value for required parameter 'status'.");
        var model = await models.FinalizeAsync(LoggedModelService.ParseId(model_id), status, http.RequestAborted);
        return Ok(new { model = MlflowJson.LoggedModel(model) });
    }

    private static async Task<JsonHttpResult<object>> DeleteLoggedModelAsync(string model_id, HttpContext http, LoggedModelService models)
    {
        await models.DeleteAsync(LoggedModelService.ParseId(model_id), http.RequestAborted);
        return Ok(new { });
    }

    private static async Task<JsonHttpResult<object>> SetLoggedModelTagsAsync(string model_id, HttpContext http, LoggedModelService models)
    {
        var body = await ReadAsync<LoggedModelTagsBody>(http);
        await models.SetTagsAsync(LoggedModelService.ParseId(model_id), Pairs(body.Tags), http.RequestAborted);
        return Ok(new { });
    }

    private static async Task<JsonHttpResult<object>> DeleteLoggedModelTagAsync(string model_id, string tag_key, HttpContext http, LoggedModelService models)
    {
        await models.DeleteTagAsync(LoggedModelService.ParseId(model_id), Uri.UnescapeDataString(tag_key), http.RequestAborted);
        return Ok(new { });
    }

    private static async Task<JsonHttpResult<object>> LogLoggedModelParamsAsync(string model_id, HttpContext http, LoggedModelService models)
    {
        var body = await ReadAsync<LoggedModelParamsBody>(http);
        await models.LogParamsAsync(LoggedModelService.ParseId(model_id), Pairs(body.Params), http.RequestAborted);
        return Ok(new { });
    }

    private static async Task<JsonHttpResult<object>> SearchLoggedModelsAsync(HttpContext http, LoggedModelService models)
    {
        var body = await ReadAsync<SearchLoggedModelsBody>(http);
        var offset = MlflowPageToken.Parse(body.PageToken);
        var datasets = (body.Datasets ?? []).Select(d => new LoggedModelDatasetFilter(Required(d.DatasetName, "dataset_name"), string.IsNullOrEmpty(d.DatasetDigest) ? null : d.DatasetDigest)).ToList();
        var order = (body.OrderBy ?? []).Select(o => new LoggedModelOrder(Required(o.FieldName, "field_name"), o.Ascending ?? true, string.IsNullOrEmpty(o.DatasetName) ? null : o.DatasetName, string.IsNullOrEmpty(o.DatasetDigest) ? null : o.DatasetDigest)).ToList();
        var page = await models.SearchAsync(body.ExperimentIds ?? [], body.Filter, datasets, order, offset, body.MaxResults ?? LoggedModelService.DefaultSearchResults, http.RequestAborted);
        return Ok(new { models = page.Models.Select(MlflowJson.LoggedModel).ToList(), next_page_token = page.HasMore ? MlflowPageToken.Create(offset + page.Models.Count) : null });
    }

    private static async Task<JsonHttpResult<object>> ListLoggedModelArtifactsAsync(string model_id, HttpContext http, LoggedModelService models)
    {
        var id = LoggedModelService.ParseId(model_id);
        var model = await models.GetAsync(id, http.RequestAborted);
        var files = await models.ListArtifactsAsync(id, Query(http, "artifact_directory_path"), http.RequestAborted);
        return Ok(new { root_uri = model.ArtifactLocation, files = files.Select(f => new MlflowFileInfo(f.Path, f.IsDirectory, f.Size)).ToList() });
    }

    private static async Task<JsonHttpResult<object>> LogOutputsAsync(HttpContext http, LoggedModelService models)
    {
        var body = await ReadAsync<LogOutputsBody>(http);
        var outputs = (body.Models ?? []).Select(m => (Required(m.ModelId, "model_id"), m.Step ?? 0)).ToList();
        await models.LogOutputsAsync(RunId(Required(body.RunId, "run_id")), outputs, http.RequestAborted);
        return Ok(new { });
    }

    /// <summary>Metrics of a log-metric or log-batch call that name a logged model are recorded against it too.</summary>
    /// <summary>
    /// Logs a run's metrics and those that name a <c>model_id</c> against their models. The models are checked first, so
    /// a refused model (unknown, or no Write) leaves the run's metrics unwritten too.
    /// </summary>
    private static async Task LogRunAndModelMetricsAsync(LoggedModelService models, Guid runId, IEnumerable<MetricBody> metrics, Func<Task> logRun, CancellationToken ct)
    {
        var linked = metrics.Where(m => !string.IsNullOrEmpty(m.ModelId))
            .Select(m => (m.ModelId!, new MetricInput(m.Key!, m.Value ?? 0, m.Timestamp, m.Step ?? 0), m.DatasetName, m.DatasetDigest)).ToList();
        var ids = await models.RequireMetricModelsAsync(linked.Select(m => m.Item1), ct);
        await logRun();
        await models.LogMetricsAsync(runId, linked, ids, ct);
    }

    private static List<KeyValuePair<string, string>> Pairs(List<TagBody>? items) =>
        (items ?? []).Select(t => new KeyValuePair<string, string>(Required(t.Key, "key"), t.Value ?? string.Empty)).ToList();

    /// <summary>A proxied artifact path under a logged model: <c>&lt;experiment&gt;/models/m-…/artifacts[/&lt;path&gt;]</c>.</summary>
    private static async Task<(Guid ModelId, string Relative)?> ResolveModelArtifactPathAsync(LoggedModelService models, string path, CancellationToken ct)
    {
        var parts = Uri.UnescapeDataString(path).Trim('/').Split('/', 5);
        if (parts.Length < 2 || parts[1] != "models")
        {
            return null;
        }

        if (parts.Length < 4 || parts[3] != "artifacts")
        {
            throw new ValidationException("path", $"A logged model's artifact path looks like <experiment id>/models/<model id>/artifacts/<file>; got '{path}'.");
        }

        return (await models.ResolveArtifactRootAsync(parts[0], parts[2], ct), parts.Length == 5 ? parts[4] : string.Empty);
    }
}

internal sealed record CreateLoggedModelBody(string? ExperimentId, string? Name, string? ModelType, string? SourceRunId, List<TagBody>? Params, List<TagBody>? Tags);

internal sealed record FinalizeLoggedModelBody(string? ModelId, JsonElement? Status);

internal sealed record LoggedModelTagsBody(string? ModelId, List<TagBody>? Tags);

internal sealed record LoggedModelParamsBody(string? ModelId, List<TagBody>? Params);

internal sealed record LoggedModelDatasetBody(string? DatasetName, string? DatasetDigest);

internal sealed record LoggedModelOrderBody(string? FieldName, bool? Ascending, string? DatasetName, string? DatasetDigest);

internal sealed record SearchLoggedModelsBody(List<string>? ExperimentIds, string? Filter, List<LoggedModelDatasetBody>? Datasets, int? MaxResults, List<LoggedModelOrderBody>? OrderBy, string? PageToken);

internal sealed record ModelOutputBody(string? ModelId, long? Step);

internal sealed record LogOutputsBody(string? RunId, List<ModelOutputBody>? Models);
