using AiPlatform.Core.Common;
using AiPlatform.Core.Tracking;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiPlatform.Web.Api.Mlflow;

public static partial class MlflowEndpoints
{
    // ---- experiments ----

    private static async Task<JsonHttpResult<object>> CreateExperimentAsync(HttpContext http, ExperimentService experiments)
    {
        var body = await ReadAsync<CreateExperimentBody>(http);
        Required(body.Name, "name");
        var experiment = await experiments.CreateExperimentAsync(null, body.Name, Tags(body.Tags), http.RequestAborted);
        return Ok(new { experiment_id = experiment.MlflowId });
    }

    private static async Task<JsonHttpResult<object>> GetExperimentAsync(HttpContext http, ExperimentService experiments)
    {
        var experiment = await experiments.GetExperimentByMlflowIdAsync(Required(Query(http, "experiment_id"), "experiment_id"), http.RequestAborted);
        return Ok(new { experiment = MlflowJson.Experiment(experiment, await experiments.GetExperimentTagsAsync(experiment.Id, http.RequestAborted)) });
    }

    private static async Task<JsonHttpResult<object>> GetExperimentByNameAsync(HttpContext http, ExperimentService experiments)
    {
        var experiment = await experiments.GetExperimentByNameAsync(Required(Query(http, "experiment_name"), "experiment_name"), http.RequestAborted);
        return Ok(new { experiment = MlflowJson.Experiment(experiment, await experiments.GetExperimentTagsAsync(experiment.Id, http.RequestAborted)) });
    }

    private static async Task<JsonHttpResult<object>> SearchExperimentsPostAsync(HttpContext http, ExperimentService experiments)
    {
        var body = await ReadAsync<SearchExperimentsBody>(http);
        return await SearchExperimentsAsync(http, experiments, body.MaxResults, body.PageToken, body.Filter, body.OrderBy, MlflowJson.ParseViewType(body.ViewType));
    }

    private static Task<JsonHttpResult<object>> SearchExperimentsGetAsync(HttpContext http, ExperimentService experiments) =>
        SearchExperimentsAsync(http, experiments, int.TryParse(Query(http, "max_results"), out var max) ? max : null, Query(http, "page_token"), Query(http, "filter"),
            http.Request.Query["order_by"].Where(o => o is not null).Select(o => o!).ToList(), MlflowJson.ParseViewType(Query(http, "view_type")));

    private static async Task<JsonHttpResult<object>> SearchExperimentsAsync(HttpContext http, ExperimentService experiments, int? maxResults, string? pageToken, string? filter, List<string>? orderBy, ViewType view)
    {
        var limit = maxResults ?? 1000;
        if (limit is < 1 or > 50000)
        {
            throw new ValidationException("max_results", $"Invalid value {limit} for parameter 'max_results' supplied. It must be at most 50000.");
        }

        var offset = MlflowPageToken.Parse(pageToken);
        var page = await experiments.ListExperimentsAsync(
            new ExperimentQuery(null, null, SearchFilter.ParseExperimentFilter(filter), SearchFilter.ParseOrderBy(orderBy, experiments: true), view, offset, limit), http.RequestAborted);
        var next = offset + page.Items.Count < page.Total ? MlflowPageToken.Create(offset + page.Items.Count) : null;
        return Ok(new { experiments = page.Items.Select(s => MlflowJson.Experiment(s.Experiment, s.Tags)).ToList(), next_page_token = next });
    }

    private static async Task<JsonHttpResult<object>> UpdateExperimentAsync(HttpContext http, ExperimentService experiments)
    {
        var body = await ReadAsync<ExperimentBody>(http);
        var experiment = await experiments.GetExperimentByMlflowIdAsync(Required(body.ExperimentId, "experiment_id"), http.RequestAborted);
        if (body.NewName is not null)
        {
            await experiments.RenameExperimentAsync(experiment.Id, body.NewName, http.RequestAborted);
        }

        return Ok(new { });
    }

    private static async Task<JsonHttpResult<object>> ExperimentLifecycleAsync(HttpContext http, ExperimentService experiments, LifecycleStage stage)
    {
        var body = await ReadAsync<ExperimentBody>(http);
        var experiment = await experiments.GetExperimentByMlflowIdAsync(Required(body.ExperimentId, "experiment_id"), http.RequestAborted);
        await experiments.SetExperimentLifecycleAsync(experiment.Id, stage, http.RequestAborted);
        return Ok(new { });
    }

    private static Task<JsonHttpResult<object>> DeleteExperimentAsync(HttpContext http, ExperimentService experiments) =>
        ExperimentLifecycleAsync(http, experiments, LifecycleStage.Deleted);

    private static Task<JsonHttpResult<object>> RestoreExperimentAsync(HttpContext http, ExperimentService experiments) =>
        ExperimentLifecycleAsync(http, experiments, LifecycleStage.Active);

    private static async Task<JsonHttpResult<object>> SetExperimentTagAsync(HttpContext http, ExperimentService experiments)
    {
        var body = await ReadAsync<ExperimentBody>(http);
        var experiment = await experiments.GetExperimentByMlflowIdAsync(Required(body.ExperimentId, "experiment_id"), http.RequestAborted);
        await experiments.SetExperimentTagAsync(experiment.Id, Required(body.Key, "key"), Required(body.Value, "value", allowEmpty: true), http.RequestAborted);
        return Ok(new { });
    }

    private static async Task<JsonHttpResult<object>> DeleteExperimentTagAsync(HttpContext http, ExperimentService experiments)
    {
        var body = await ReadAsync<ExperimentBody>(http);
        var experiment = await experiments.GetExperimentByMlflowIdAsync(Required(body.ExperimentId, "experiment_id"), http.RequestAborted);
        await experiments.DeleteExperimentTagAsync(experiment.Id, Required(body.Key, "key"), http.RequestAborted);
        return Ok(new { });
    }
}
