using AiPlatform.Core.Tracking;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiPlatform.Web.Features.Tracking;

/// <summary>The platform's own REST API for runs and their artifacts (<c>/api/v1/runs</c>), mapped with <see cref="ExperimentEndpoints"/>.</summary>
public static class RunEndpoints
{
    public static void MapRunEndpoints(this IEndpointRouteBuilder app)
    {
        var runs = app.MapGroup("/api/v1/runs").WithTags("Runs");
        runs.MapGet("/{id:guid}", GetAsync).WithName("GetRun");
        runs.MapPatch("/{id:guid}", UpdateAsync).WithName("UpdateRun").WithSummary("Renames, sets status/end time or the Markdown notes.");
        runs.MapDelete("/{id:guid}", DeleteAsync).WithName("DeleteRun");
        runs.MapPost("/{id:guid}/restore", RestoreAsync).WithName("RestoreRun");
        runs.MapPost("/{id:guid}/log", LogAsync).WithName("LogToRun").WithSummary("Appends metrics, adds params (immutable) and sets tags, all or nothing.");
        runs.MapGet("/{id:guid}/metrics/{key}", GetMetricHistoryAsync).WithName("GetRunMetricHistory");
        runs.MapGet("/{id:guid}/children", ListChildrenAsync).WithName("ListChildRuns");
        runs.MapPost("/{id:guid}/inputs", LinkDatasetAsync).WithName("LinkRunDataset").WithSummary("Records that the run read a dataset version (shown in the dataset's lineage).");
        runs.MapGet("/{id:guid}/artifacts", ListArtifactsAsync)
            .WithName("ListRunArtifacts").WithSummary("The files and folders directly under ?path (the root when empty).");
        runs.MapGet("/{id:guid}/artifacts/content", DownloadArtifactAsync).WithName("DownloadRunArtifact");
        runs.MapPut("/{id:guid}/artifacts/content", UploadArtifactAsync).WithName("UploadRunArtifact").WithSummary("Stores the raw body at ?path, replacing a file there.").DisableAntiforgery();
        runs.MapDelete("/{id:guid}/artifacts", DeleteArtifactAsync).WithName("DeleteRunArtifact").WithSummary("Deletes a file, or a folder with everything in it.");

        app.MapGet("/api/v1/datasets/{id:guid}/versions/{versionId:guid}/runs", ListDatasetVersionRunsAsync)
            .WithTags("Datasets").WithName("ListDatasetVersionRuns").WithSummary("Runs (that the caller may read) which logged this version as an input.");
    }

    static async Task<Ok<RunView>> GetAsync(Guid id, RunService runs, CancellationToken ct)
    {
        var (details, level) = await runs.GetRunWithLevelAsync(id, ct);
        return TypedResults.Ok(RunView.From(details, level));
    }

    static async Task<Ok<RunView>> UpdateAsync(Guid id, UpdateRunRequest body, RunService runs, CancellationToken ct)
    {
        RunStatus? status = body.Status is { Length: > 0 } s
            ? Enum.TryParse<RunStatus>(s, true, out var parsed) && Enum.IsDefined(parsed) ? parsed : throw new Core.Common.ValidationException("status", "Status is one of RUNNING, SCHEDULED, FINISHED, FAILED, KILLED.")
            : null;
        if (status is not null || body.EndTime is not null || body.Name is not null)
        {
            await runs.UpdateRunAsync(id, status, body.EndTime, body.Name, ct);
        }

        if (body.Note is not null)
        {
            await runs.SetRunNoteAsync(id, body.Note, ct);
        }

        var (details, level) = await runs.GetRunWithLevelAsync(id, ct);
        return TypedResults.Ok(RunView.From(details, level));
    }

    static async Task<NoContent> DeleteAsync(Guid id, RunService runs, CancellationToken ct)
    {
        await runs.SetRunLifecycleAsync(id, LifecycleStage.Deleted, ct);
        return TypedResults.NoContent();
    }

    static async Task<NoContent> RestoreAsync(Guid id, RunService runs, CancellationToken ct)
    {
        await runs.SetRunLifecycleAsync(id, LifecycleStage.Active, ct);
        return TypedResults.NoContent();
    }

    static async Task<NoContent> LogAsync(Guid id, LogRequest body, RunService runs, CancellationToken ct)
    {
        await runs.LogBatchAsync(
            id,
            body.Metrics?.Select(m => new MetricInput(m.Key ?? string.Empty, m.Value, m.Timestamp, m.Step ?? 0)).ToList(),
            body.Params,
            body.Tags?.ToList(),
            ct);
        return TypedResults.NoContent();
    }

    static async Task<Ok<List<MetricView>>> GetMetricHistoryAsync(Guid id, string key, RunService runs, CancellationToken ct) =>
        TypedResults.Ok((await runs.GetMetricHistoryAsync(id, key, 0, 1_000_000, ct)).Select(m => new MetricView(m.Key, m.RealValue, m.Step, m.Timestamp)).ToList());

    static async Task<Ok<List<RunLink>>> ListChildrenAsync(Guid id, RunService runs, CancellationToken ct) =>
        TypedResults.Ok((await runs.ListChildRunsAsync(id, ct)).Select(r => new RunLink(r.Id, r.Name, r.ExperimentId)).ToList());

    static async Task<NoContent> LinkDatasetAsync(Guid id, DatasetLinkRequest body, RunInputService inputs, CancellationToken ct)
    {
        await inputs.LinkDatasetVersionAsync(id, body.DatasetId, body.VersionId, body.Context, ct);
        return TypedResults.NoContent();
    }

    static async Task<Ok<IReadOnlyList<ArtifactEntry>>> ListArtifactsAsync(Guid id, ArtifactService artifacts, CancellationToken ct, string? path = null) =>
        TypedResults.Ok(await artifacts.ListAsync(id, path, ct));

    static async Task<IResult> DownloadArtifactAsync(Guid id, string path, HttpContext http, ArtifactService artifacts, CancellationToken ct, bool inline = false)
    {
        var (artifact, content) = await artifacts.OpenAsync(id, path, ct);
        return ArtifactResults.File(http, artifact, content, inline);
    }

    static async Task<Ok<ArtifactEntry>> UploadArtifactAsync(Guid id, string path, HttpRequest request, ArtifactService artifacts, CancellationToken ct)
    {
        var artifact = await artifacts.UploadAsync(id, path, request.Body, request.ContentLength, request.ContentType, ct);
        return TypedResults.Ok(new ArtifactEntry(artifact.Path, false, artifact.Size));
    }

    static async Task<NoContent> DeleteArtifactAsync(Guid id, string path, ArtifactService artifacts, CancellationToken ct)
    {
        await artifacts.DeleteAsync(id, path, ct);
        return TypedResults.NoContent();
    }

    static async Task<Ok<IReadOnlyList<DatasetRunUse>>> ListDatasetVersionRunsAsync(Guid id, Guid versionId, Core.Data.DatasetService datasets, RunInputService inputs, CancellationToken ct)
    {
        await datasets.GetVersionAsync(id, versionId, ct);
        return TypedResults.Ok(await inputs.ListRunsUsingDatasetVersionAsync(versionId, ct));
    }
}
