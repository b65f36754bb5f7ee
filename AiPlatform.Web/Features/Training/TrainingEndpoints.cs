using AiPlatform.Core.Training;
using AiPlatform.Web.Api;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiPlatform.Web.Features.Training;

/// <summary>Training runs: submit (built-in or custom), list, inspect with queue position, log, cancel, retry, clone.</summary>
public static class TrainingEndpoints
{
    public static RouteGroupBuilder MapTrainingEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/training-runs").WithTags("Training");
        group.MapGet("/", ListAsync).WithName("ListTrainingRuns").WithSummary("Training runs in experiments the caller may read; filter by project, experiment, status, text.");
        group.MapPost("/", SubmitAsync).WithName("SubmitTrainingRun")
            .WithSummary("Queues a training: kind BuiltIn (datasetId, datasetVersionId, builtIn: task, trainer, label, features, hyperparameters, testFraction | folds) or Custom (custom: command, codeKey | gitUrl + gitRef, environment).");
        group.MapGet("/{id:guid}", GetAsync).WithName("GetTrainingRun").WithSummary("The run with its status, queue position while waiting, error and exit code.");
        group.MapGet("/{id:guid}/log", GetLogAsync).WithName("GetTrainingRunLog").WithSummary("Output lines after ?after=<line id>, for a live tail.");
        group.MapPost("/{id:guid}/cancel", CancelAsync).WithName("CancelTrainingRun").WithSummary("A queued run ends at once; a running one is stopped (its process is killed).");
        group.MapPost("/{id:guid}/retry", RetryAsync).WithName("RetryTrainingRun").WithSummary("Runs the same training again as a new run.");
        group.MapGet("/{id:guid}/clone", CloneAsync).WithName("CloneTrainingRun").WithSummary("The request that reproduces the run, to edit and submit (clone and edit).");
        group.MapPost("/code", UploadCodeAsync).WithName("UploadTrainingCode")
            .WithSummary("Stores a .zip of training code from the raw body; use the returned codeKey in a custom run.").DisableAntiforgery();
        group.MapGet("/{id:guid}/code", DownloadCodeAsync).WithName("DownloadTrainingCode")
            .WithSummary("The run's code archive (what a Kubernetes init container fetches with the run's token).");
        group.MapGet("/{id:guid}/data", DownloadDataAsync).WithName("DownloadTrainingData").WithSummary("The run's dataset file.");
        app.MapGet("/api/v1/training-backends", ListBackendsAsync)
            .WithTags("Training").WithName("ListTrainingBackends").WithSummary("Backends with their concurrency, waiting and running runs, and GPU capacity (Kubernetes nodes' allocatable nvidia.com/gpu).");
        app.MapGet("/api/v1/trainers", ListTrainers)
            .WithTags("Training").WithName("ListTrainers").WithSummary("Built-in trainers and the hyperparameters each takes.");
        return group;
    }

    static async Task<Ok<Paged<TrainingRun>>> ListAsync(TrainingService training, [AsParameters] PageQuery paging, CancellationToken ct, Guid? projectId = null, Guid? experimentId = null, TrainingStatus? status = null, string? q = null)
    {
        var request = paging.ToRequest();
        var (items, total) = await training.ListAsync(new TrainingQuery(projectId, experimentId, status, q, request.Skip, request.Take), ct);
        return TypedResults.Ok(Paged<TrainingRun>.Of(items, total, request));
    }

    static async Task<Created<TrainingRun>> SubmitAsync(TrainingRequest body, TrainingSubmitService submissions, CancellationToken ct)
    {
        var run = await submissions.SubmitAsync(body, ct);
        return TypedResults.Created($"/api/v1/training-runs/{run.Id}", run);
    }

    static async Task<Ok<TrainingRunDetail>> GetAsync(Guid id, TrainingService training, CancellationToken ct)
    {
        var view = await training.GetAsync(id, ct);
        return TypedResults.Ok(new TrainingRunDetail(view.Run, view.Level, view.QueuePosition, view.ExperimentName));
    }

    static async Task<Ok<List<TrainingLogLine>>> GetLogAsync(Guid id, TrainingService training, CancellationToken ct, long after = 0, int max = 500) =>
        TypedResults.Ok((await training.GetLogAsync(id, after, max, ct)).Select(l => new TrainingLogLine(l.Id, l.At, l.Level.ToString(), l.Message)).ToList());

    static async Task<Ok<TrainingRun>> CancelAsync(Guid id, TrainingService training, CancellationToken ct) => TypedResults.Ok(await training.CancelAsync(id, ct));

    static async Task<Created<TrainingRun>> RetryAsync(Guid id, TrainingSubmitService submissions, CancellationToken ct)
    {
        var run = await submissions.RetryAsync(id, ct);
        return TypedResults.Created($"/api/v1/training-runs/{run.Id}", run);
    }

    static async Task<Ok<TrainingRequest>> CloneAsync(Guid id, TrainingService training, CancellationToken ct) => TypedResults.Ok(await training.CloneRequestAsync(id, ct));

    static async Task<Ok<CodeUpload>> UploadCodeAsync(HttpRequest request, TrainingFileService files, CancellationToken ct) =>
        TypedResults.Ok(new CodeUpload(await files.UploadCodeAsync(request.Body, request.ContentLength, ct)));

    static async Task<FileStreamHttpResult> DownloadCodeAsync(Guid id, TrainingFileService files, CancellationToken ct) =>
        TypedResults.Stream(await files.OpenCodeAsync(id, ct), "application/zip", "code.zip");

    static async Task<FileStreamHttpResult> DownloadDataAsync(Guid id, TrainingFileService files, CancellationToken ct)
    {
        var (content, fileName) = await files.OpenDataAsync(id, ct);
        return TypedResults.Stream(content, "application/octet-stream", fileName);
    }

    static async Task<Ok<IReadOnlyList<BackendStatus>>> ListBackendsAsync(TrainingService training, CancellationToken ct) => TypedResults.Ok(await training.GetBackendsAsync(ct));

    static Ok<List<TrainerInfo>> ListTrainers() => TypedResults.Ok(TrainerCatalog.Trainers.Select(t => new TrainerInfo(t, TrainerCatalog.HyperparametersOf(t))).ToList());
}

public sealed record TrainingRunDetail(TrainingRun Run, Core.Access.PermissionLevel Permission, int? QueuePosition, string ExperimentName);

public sealed record TrainingLogLine(long Id, DateTimeOffset At, string Level, string Message);

public sealed record CodeUpload(string CodeKey);

public sealed record TrainerInfo(TrainerAlgorithm Trainer, IReadOnlyList<string> Hyperparameters);
