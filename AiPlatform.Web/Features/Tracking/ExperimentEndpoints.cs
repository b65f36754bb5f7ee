using AiPlatform.Core.Access;
using AiPlatform.Core.Tracking;
using AiPlatform.Web.Api;
using AiPlatform.Web.Features.Access;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiPlatform.Web.Features.Tracking;

/// <summary>The platform's own REST API for experiments (<c>/api/v1/experiments</c>), in the OpenAPI document; runs are in <see cref="RunEndpoints"/>.</summary>
public static class ExperimentEndpoints
{
    public static void MapExperimentEndpoints(this IEndpointRouteBuilder app)
    {
        var experiments = app.MapGroup("/api/v1/experiments").WithTags("Experiments");
        experiments.MapGet("/", ListAsync).WithName("ListExperiments")
            .WithSummary("Experiments the caller may read (own grants or the project's); projectId, q (name contains), filter (MLflow language: name LIKE 'x%', tags.k = 'v'), view (active, deleted, all).");
        experiments.MapPost("/", CreateAsync).WithName("CreateExperiment").WithSummary("Creates an experiment in a project the caller may write.");
        experiments.MapGet("/{id:guid}", GetAsync).WithName("GetExperiment");
        experiments.MapPut("/{id:guid}", RenameAsync).WithName("RenameExperiment");
        experiments.MapDelete("/{id:guid}", DeleteAsync).WithName("DeleteExperiment").WithSummary("Moves the experiment to the deleted state (restore undoes it); ?permanent=true then removes a deleted one with its runs and artifacts.");
        experiments.MapPost("/{id:guid}/restore", RestoreAsync).WithName("RestoreExperiment");
        experiments.MapPut("/{id:guid}/tags/{key}", SetTagAsync).WithName("SetExperimentTag");
        experiments.MapDelete("/{id:guid}/tags/{key}", DeleteTagAsync).WithName("DeleteExperimentTag");
        experiments.MapGet("/{id:guid}/keys", ListKeysAsync)
            .WithName("ListExperimentKeys").WithSummary("Metric, param and tag keys logged in the experiment's runs.");
        experiments.MapGet("/{id:guid}/runs", SearchRunsAsync).WithName("SearchExperimentRuns")
            .WithSummary("A page of runs: filter and orderBy in MLflow's language (metrics.acc > 0.9 and params.lr = '0.1'; metrics.acc DESC), view (active, deleted, all).");
        experiments.MapPost("/{id:guid}/runs", CreateRunAsync).WithName("CreateRun");
        experiments.MapGrantEndpoints(SecurableTypes.Experiment, "Experiment");

        app.MapRunEndpoints();
    }

    static async Task<Ok<Paged<ExperimentView>>> ListAsync(ExperimentService experiments, [AsParameters] PageQuery paging, CancellationToken ct, Guid? projectId = null, string? q = null, string? filter = null, string? view = null)
    {
        var request = paging.ToRequest();
        var result = await experiments.ListExperimentsAsync(
            new ExperimentQuery(projectId, q, SearchFilter.ParseExperimentFilter(filter), [], ParseView(view), request.Skip, request.Take), ct);
        return TypedResults.Ok(Paged<ExperimentView>.Of([.. result.Items.Select(s => ExperimentView.From(s, null))], result.Total, request));
    }

    static async Task<Created<ExperimentView>> CreateAsync(CreateExperimentRequest body, ExperimentService experiments, RunService runs, CancellationToken ct)
    {
        if (body.ProjectId is null)
        {
            throw new Core.Common.ValidationException("projectId", "Choose the project the experiment belongs to.");
        }

        var experiment = await experiments.CreateExperimentAsync(body.ProjectId, body.Name, body.Tags, ct);
        return TypedResults.Created($"/api/v1/experiments/{experiment.Id}", await ViewAsync(experiments, runs, experiment.Id, ct));
    }

    static async Task<Ok<ExperimentView>> GetAsync(Guid id, ExperimentService experiments, RunService runs, CancellationToken ct) =>
        TypedResults.Ok(await ViewAsync(experiments, runs, id, ct));

    static async Task<Ok<ExperimentView>> RenameAsync(Guid id, RenameRequest body, ExperimentService experiments, RunService runs, CancellationToken ct)
    {
        await experiments.RenameExperimentAsync(id, body.Name, ct);
        return TypedResults.Ok(await ViewAsync(experiments, runs, id, ct));
    }

    static async Task<NoContent> DeleteAsync(Guid id, ExperimentService experiments, CancellationToken ct, bool permanent = false)
    {
        if (permanent)
        {
            await experiments.PurgeExperimentAsync(id, ct);
        }
        else
        {
            await experiments.SetExperimentLifecycleAsync(id, LifecycleStage.Deleted, ct);
        }

        return TypedResults.NoContent();
    }

    static async Task<NoContent> RestoreAsync(Guid id, ExperimentService experiments, CancellationToken ct)
    {
        await experiments.SetExperimentLifecycleAsync(id, LifecycleStage.Active, ct);
        return TypedResults.NoContent();
    }

    static async Task<NoContent> SetTagAsync(Guid id, string key, TagValue body, ExperimentService experiments, CancellationToken ct)
    {
        await experiments.SetExperimentTagAsync(id, key, body.Value, ct);
        return TypedResults.NoContent();
    }

    static async Task<NoContent> DeleteTagAsync(Guid id, string key, ExperimentService experiments, CancellationToken ct)
    {
        await experiments.DeleteExperimentTagAsync(id, key, ct);
        return TypedResults.NoContent();
    }

    static async Task<Ok<ExperimentKeys>> ListKeysAsync(Guid id, ExperimentService experiments, CancellationToken ct) =>
        TypedResults.Ok(await experiments.ListKeysAsync(id, ct));

    static async Task<ExperimentView> ViewAsync(ExperimentService experiments, RunService runs, Guid id, CancellationToken ct)
    {
        var (experiment, level) = await experiments.GetExperimentAsync(id, ct);
        var tags = await experiments.GetExperimentTagsAsync(id, ct);
        var count = await runs.CountRunsAsync([id], null, ViewType.ActiveOnly, ct);
        return ExperimentView.From(new ExperimentSummary(experiment, await experiments.GetProjectNameAsync(experiment.ProjectId, ct) ?? string.Empty, tags, count), level);
    }

    static async Task<Ok<Paged<RunView>>> SearchRunsAsync(Guid id, ExperimentService experiments, RunService runs, [AsParameters] PageQuery paging, CancellationToken ct, string? filter = null, string[]? orderBy = null, string? view = null)
    {
        await experiments.GetExperimentAsync(id, ct);
        var request = paging.ToRequest(1000);
        var viewType = ParseView(view);
        var result = await runs.SearchRunsAsync([id], filter, orderBy, viewType, request.Skip, request.Take, ct);
        var total = await runs.CountRunsAsync([id], filter, viewType, ct);
        return TypedResults.Ok(Paged<RunView>.Of([.. result.Runs.Select(r => RunView.From(r, null))], total, request));
    }

    static async Task<Created<RunView>> CreateRunAsync(Guid id, CreateRunRequest body, RunService runs, CancellationToken ct)
    {
        var run = await runs.CreateRunAsync(id, body.Name, null, body.Tags, ct);
        return TypedResults.Created($"/api/v1/runs/{run.Run.Id}", RunView.From(run, null));
    }

    static ViewType ParseView(string? view) => view?.ToLowerInvariant() switch
    {
        null or "" or "active" => ViewType.ActiveOnly,
        "deleted" => ViewType.DeletedOnly,
        "all" => ViewType.All,
        _ => throw new Core.Common.ValidationException("view", "view is active, deleted or all."),
    };
}
