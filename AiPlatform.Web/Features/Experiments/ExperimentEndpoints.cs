using AiPlatform.Core.Access;
using AiPlatform.Core.Tracking;
using AiPlatform.Web.Features.Access;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiPlatform.Web.Features.Experiments;

/// <summary>The platform's own REST API for experiments, runs and artifacts (<c>/api/v1</c>), in the OpenAPI document.</summary>
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
        experiments.MapDelete("/{id:guid}", async (Guid id, TrackingService t, CancellationToken ct, bool permanent = false) =>
        {
            if (permanent)
            {
                await t.PurgeExperimentAsync(id, ct);
            }
            else
            {
                await t.SetExperimentLifecycleAsync(id, LifecycleStage.Deleted, ct);
            }

            return TypedResults.NoContent();
        }).WithName("DeleteExperiment").WithSummary("Moves the experiment to the deleted state (restore undoes it); ?permanent=true then removes a deleted one with its runs and artifacts.");
        experiments.MapPost("/{id:guid}/restore", async (Guid id, TrackingService t, CancellationToken ct) =>
        {
            await t.SetExperimentLifecycleAsync(id, LifecycleStage.Active, ct);
            return TypedResults.NoContent();
        }).WithName("RestoreExperiment");
        experiments.MapPut("/{id:guid}/tags/{key}", async (Guid id, string key, TagValue body, TrackingService t, CancellationToken ct) =>
        {
            await t.SetExperimentTagAsync(id, key, body.Value, ct);
            return TypedResults.NoContent();
        }).WithName("SetExperimentTag");
        experiments.MapDelete("/{id:guid}/tags/{key}", async (Guid id, string key, TrackingService t, CancellationToken ct) =>
        {
            await t.DeleteExperimentTagAsync(id, key, ct);
            return TypedResults.NoContent();
        }).WithName("DeleteExperimentTag");
        experiments.MapGet("/{id:guid}/keys", async (Guid id, TrackingService t, CancellationToken ct) => TypedResults.Ok(await t.ListKeysAsync(id, ct)))
            .WithName("ListExperimentKeys").WithSummary("Metric, param and tag keys logged in the experiment's runs.");
        experiments.MapGet("/{id:guid}/runs", SearchRunsAsync).WithName("SearchExperimentRuns")
            .WithSummary("A page of runs: filter and orderBy in MLflow's language (metrics.acc > 0.9 and params.lr = '0.1'; metrics.acc DESC), view (active, deleted, all).");
        experiments.MapPost("/{id:guid}/runs", CreateRunAsync).WithName("CreateRun");
        experiments.MapGrantEndpoints(SecurableTypes.Experiment, "Experiment");

        var runs = app.MapGroup("/api/v1/runs").WithTags("Runs");
        runs.MapGet("/{id:guid}", async (Guid id, TrackingService t, CancellationToken ct) =>
        {
            var (details, level) = await t.GetRunWithLevelAsync(id, ct);
            return TypedResults.Ok(RunView.From(details, level));
        }).WithName("GetRun");
        runs.MapPatch("/{id:guid}", UpdateRunAsync).WithName("UpdateRun").WithSummary("Renames, sets status/end time or the Markdown notes.");
        runs.MapDelete("/{id:guid}", async (Guid id, TrackingService t, CancellationToken ct) =>
        {
            await t.SetRunLifecycleAsync(id, LifecycleStage.Deleted, ct);
            return TypedResults.NoContent();
        }).WithName("DeleteRun");
        runs.MapPost("/{id:guid}/restore", async (Guid id, TrackingService t, CancellationToken ct) =>
        {
            await t.SetRunLifecycleAsync(id, LifecycleStage.Active, ct);
            return TypedResults.NoContent();
        }).WithName("RestoreRun");
        runs.MapPost("/{id:guid}/log", LogAsync).WithName("LogToRun").WithSummary("Appends metrics, adds params (immutable) and sets tags, all or nothing.");
        runs.MapGet("/{id:guid}/metrics/{key}", async (Guid id, string key, TrackingService t, CancellationToken ct) =>
            TypedResults.Ok((await t.GetMetricHistoryAsync(id, key, 0, 1_000_000, ct)).Select(m => new MetricView(m.Key, m.RealValue, m.Step, m.Timestamp)).ToList()))
            .WithName("GetRunMetricHistory");
        runs.MapGet("/{id:guid}/children", async (Guid id, TrackingService t, CancellationToken ct) =>
            TypedResults.Ok((await t.ListChildRunsAsync(id, ct)).Select(r => new RunLink(r.Id, r.Name, r.ExperimentId)).ToList())).WithName("ListChildRuns");
        runs.MapPost("/{id:guid}/inputs", async (Guid id, DatasetLinkRequest body, RunInputService t, CancellationToken ct) =>
        {
            await t.LinkDatasetVersionAsync(id, body.DatasetId, body.VersionId, body.Context, ct);
            return TypedResults.NoContent();
        }).WithName("LinkRunDataset").WithSummary("Records that the run read a dataset version (shown in the dataset's lineage).");
        runs.MapGet("/{id:guid}/artifacts", async (Guid id, ArtifactService a, CancellationToken ct, string? path = null) => TypedResults.Ok(await a.ListAsync(id, path, ct)))
            .WithName("ListRunArtifacts").WithSummary("The files and folders directly under ?path (the root when empty).");
        runs.MapGet("/{id:guid}/artifacts/content", async (Guid id, string path, HttpContext http, ArtifactService a, CancellationToken ct, bool inline = false) =>
        {
            var (artifact, content) = await a.OpenAsync(id, path, ct);
            return ArtifactResults.File(http, artifact, content, inline);
        }).WithName("DownloadRunArtifact");
        runs.MapPut("/{id:guid}/artifacts/content", async (Guid id, string path, HttpRequest request, ArtifactService a, CancellationToken ct) =>
        {
            var artifact = await a.UploadAsync(id, path, request.Body, request.ContentLength, request.ContentType, ct);
            return TypedResults.Ok(new ArtifactEntry(artifact.Path, false, artifact.Size));
        }).WithName("UploadRunArtifact").WithSummary("Stores the raw body at ?path, replacing a file there.").DisableAntiforgery();
        runs.MapDelete("/{id:guid}/artifacts", async (Guid id, string path, ArtifactService a, CancellationToken ct) =>
        {
            await a.DeleteAsync(id, path, ct);
            return TypedResults.NoContent();
        }).WithName("DeleteRunArtifact").WithSummary("Deletes a file, or a folder with everything in it.");

        app.MapGet("/api/v1/datasets/{id:guid}/versions/{versionId:guid}/runs", async (Guid id, Guid versionId, Core.Data.DatasetService datasets, RunInputService t, CancellationToken ct) =>
        {
            await datasets.GetVersionAsync(id, versionId, ct);
            return TypedResults.Ok(await t.ListRunsUsingDatasetVersionAsync(versionId, ct));
        }).WithTags("Datasets").WithName("ListDatasetVersionRuns").WithSummary("Runs (that the caller may read) which logged this version as an input.");
    }

    static async Task<Ok<ExperimentList>> ListAsync(TrackingService tracking, CancellationToken ct, Guid? projectId = null, string? q = null, string? filter = null, string? view = null, int page = 0, int pageSize = 25)
    {
        var size = Math.Clamp(pageSize, 1, 500);
        var result = await tracking.ListExperimentsAsync(
            new ExperimentQuery(projectId, q, SearchFilter.ParseExperimentFilter(filter), [], ParseView(view), Math.Max(0, page) * size, size), ct);
        return TypedResults.Ok(new ExperimentList(result.Items.Select(s => ExperimentView.From(s, null)).ToList(), result.Total, Math.Max(0, page), size));
    }

    static async Task<Created<ExperimentView>> CreateAsync(CreateExperimentRequest body, TrackingService tracking, CancellationToken ct)
    {
        if (body.ProjectId is null)
        {
            throw new Core.Common.ValidationException("projectId", "Choose the project the experiment belongs to.");
        }

        var experiment = await tracking.CreateExperimentAsync(body.ProjectId, body.Name, body.Tags, ct);
        return TypedResults.Created($"/api/v1/experiments/{experiment.Id}", await ViewAsync(tracking, experiment.Id, ct));
    }

    static async Task<Ok<ExperimentView>> GetAsync(Guid id, TrackingService tracking, CancellationToken ct) => TypedResults.Ok(await ViewAsync(tracking, id, ct));

    static async Task<Ok<ExperimentView>> RenameAsync(Guid id, RenameRequest body, TrackingService tracking, CancellationToken ct)
    {
        await tracking.RenameExperimentAsync(id, body.Name, ct);
        return TypedResults.Ok(await ViewAsync(tracking, id, ct));
    }

    static async Task<ExperimentView> ViewAsync(TrackingService tracking, Guid id, CancellationToken ct)
    {
        var (experiment, level) = await tracking.GetExperimentAsync(id, ct);
        var tags = await tracking.GetExperimentTagsAsync(id, ct);
        var count = await tracking.CountRunsAsync([id], null, ViewType.ActiveOnly, ct);
        return ExperimentView.From(new ExperimentSummary(experiment, await tracking.GetProjectNameAsync(experiment.ProjectId, ct) ?? string.Empty, tags, count), level);
    }

    static async Task<Ok<RunList>> SearchRunsAsync(Guid id, TrackingService tracking, CancellationToken ct, string? filter = null, string[]? orderBy = null, string? view = null, int page = 0, int pageSize = 25)
    {
        await tracking.GetExperimentAsync(id, ct);
        var size = Math.Clamp(pageSize, 1, 1000);
        var viewType = ParseView(view);
        var result = await tracking.SearchRunsAsync([id], filter, orderBy, viewType, Math.Max(0, page) * size, size, ct);
        var total = await tracking.CountRunsAsync([id], filter, viewType, ct);
        return TypedResults.Ok(new RunList(result.Runs.Select(r => RunView.From(r, null)).ToList(), total, Math.Max(0, page), size));
    }

    static async Task<Created<RunView>> CreateRunAsync(Guid id, CreateRunRequest body, TrackingService tracking, CancellationToken ct)
    {
        var run = await tracking.CreateRunAsync(id, body.Name, null, body.Tags, ct);
        return TypedResults.Created($"/api/v1/runs/{run.Run.Id}", RunView.From(run, null));
    }

    static async Task<Ok<RunView>> UpdateRunAsync(Guid id, UpdateRunRequest body, TrackingService tracking, CancellationToken ct)
    {
        RunStatus? status = body.Status is { Length: > 0 } s
            ? Enum.TryParse<RunStatus>(s, true, out var parsed) && Enum.IsDefined(parsed) ? parsed : throw new Core.Common.ValidationException("status", "Status is one of RUNNING, SCHEDULED, FINISHED, FAILED, KILLED.")
            : null;
        if (status is not null || body.EndTime is not null || body.Name is not null)
        {
            await tracking.UpdateRunAsync(id, status, body.EndTime, body.Name, ct);
        }

        if (body.Note is not null)
        {
            await tracking.SetRunNoteAsync(id, body.Note, ct);
        }

        var (details, level) = await tracking.GetRunWithLevelAsync(id, ct);
        return TypedResults.Ok(RunView.From(details, level));
    }

    static async Task<NoContent> LogAsync(Guid id, LogRequest body, TrackingService tracking, CancellationToken ct)
    {
        await tracking.LogBatchAsync(
            id,
            body.Metrics?.Select(m => new MetricInput(m.Key ?? string.Empty, m.Value, m.Timestamp, m.Step ?? 0)).ToList(),
            body.Params,
            body.Tags?.ToList(),
            ct);
        return TypedResults.NoContent();
    }

    static ViewType ParseView(string? view) => view?.ToLowerInvariant() switch
    {
        null or "" or "active" => ViewType.ActiveOnly,
        "deleted" => ViewType.DeletedOnly,
        "all" => ViewType.All,
        _ => throw new Core.Common.ValidationException("view", "view is active, deleted or all."),
    };
}

public sealed record TagValue(string? Value);

public sealed record RenameRequest(string? Name);

public sealed record CreateExperimentRequest(Guid? ProjectId, string? Name, Dictionary<string, string>? Tags);

public sealed record CreateRunRequest(string? Name, Dictionary<string, string>? Tags);

public sealed record UpdateRunRequest(string? Name, string? Status, long? EndTime, string? Note);

public sealed record MetricLog(string? Key, double Value, long? Timestamp, long? Step);

public sealed record LogRequest(List<MetricLog>? Metrics, Dictionary<string, string>? Params, Dictionary<string, string>? Tags);

public sealed record DatasetLinkRequest(Guid DatasetId, Guid VersionId, string? Context);

public sealed record ExperimentList(IReadOnlyList<ExperimentView> Items, int TotalCount, int Page, int PageSize);

public sealed record RunList(IReadOnlyList<RunView> Items, int TotalCount, int Page, int PageSize);

public sealed record RunLink(Guid Id, string Name, Guid ExperimentId);

public sealed record MetricView(string Key, double Value, long Step, long Timestamp);

/// <summary>An experiment; <see cref="MlflowId"/> is its id in the MLflow API; <see cref="Permission"/> the caller's level (left out in lists).</summary>
public sealed record ExperimentView(
    Guid Id, string MlflowId, Guid ProjectId, string ProjectName, string Name, string LifecycleStage, Guid OwnerId,
    DateTimeOffset CreatedAt, DateTimeOffset UpdatedAt, IReadOnlyDictionary<string, string> Tags, int RunCount, PermissionLevel? Permission)
{
    public static ExperimentView From(ExperimentSummary s, PermissionLevel? level) => new(
        s.Experiment.Id, s.Experiment.MlflowId, s.Experiment.ProjectId, s.ProjectName, s.Experiment.Name, MlflowJson.Stage(s.Experiment.LifecycleStage), s.Experiment.OwnerId,
        s.Experiment.CreatedAt, s.Experiment.UpdatedAt, s.Tags.ToDictionary(t => t.Key, t => t.Value), s.RunCount, level);
}

public sealed record RunInputView(string Name, string Digest, string SourceType, string Source, string? Context, Guid? DatasetId, Guid? DatasetVersionId);

/// <summary>A run with its latest metric values; times are Unix milliseconds as in MLflow.</summary>
public sealed record RunView(
    Guid Id, string MlflowId, Guid ExperimentId, string Name, string UserName, string Status, long StartTime, long? EndTime, string LifecycleStage,
    Guid? ParentRunId, string ArtifactUri, IReadOnlyDictionary<string, string> Params, IReadOnlyList<MetricView> Metrics, IReadOnlyDictionary<string, string> Tags,
    IReadOnlyList<RunInputView> Inputs, PermissionLevel? Permission)
{
    public static RunView From(RunDetails d, PermissionLevel? level) => new(
        d.Run.Id, d.Run.MlflowId, d.Run.ExperimentId, d.Run.Name, d.Run.UserName, MlflowJson.Status(d.Run.Status), d.Run.StartTime, d.Run.EndTime,
        MlflowJson.Stage(d.Run.LifecycleStage), d.Run.ParentRunId, d.ArtifactUri,
        d.Params.ToDictionary(p => p.Key, p => p.Value),
        d.Metrics.Select(m => new MetricView(m.Key, m.RealValue, m.Step, m.Timestamp)).ToList(),
        d.Tags.ToDictionary(t => t.Key, t => t.Value),
        d.Inputs.Select(i => new RunInputView(i.Name, i.Digest, i.SourceType, i.Source, i.Context, i.DatasetId, i.DatasetVersionId)).ToList(),
        level);
}
