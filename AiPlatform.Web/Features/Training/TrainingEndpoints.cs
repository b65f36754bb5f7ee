using AiPlatform.Core.Training;
using AiPlatform.Infrastructure.Training;
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
        group.MapGet("/{id:guid}/log", async (Guid id, TrainingService s, CancellationToken ct, long after = 0, int max = 500) =>
            TypedResults.Ok((await s.GetLogAsync(id, after, max, ct)).Select(l => new TrainingLogLine(l.Id, l.At, l.Level.ToString(), l.Message)).ToList()))
            .WithName("GetTrainingRunLog").WithSummary("Output lines after ?after=<line id>, for a live tail.");
        group.MapPost("/{id:guid}/cancel", async (Guid id, TrainingService s, CancellationToken ct) => TypedResults.Ok(await s.CancelAsync(id, ct)))
            .WithName("CancelTrainingRun").WithSummary("A queued run ends at once; a running one is stopped (its process is killed).");
        group.MapPost("/{id:guid}/retry", async (Guid id, TrainingService s, CancellationToken ct) =>
        {
            var run = await s.RetryAsync(id, ct);
            return TypedResults.Created($"/api/v1/training-runs/{run.Id}", run);
        }).WithName("RetryTrainingRun").WithSummary("Runs the same training again as a new run.");
        group.MapGet("/{id:guid}/clone", async (Guid id, TrainingService s, CancellationToken ct) => TypedResults.Ok(await s.CloneRequestAsync(id, ct)))
            .WithName("CloneTrainingRun").WithSummary("The request that reproduces the run, to edit and submit (clone and edit).");
        group.MapPost("/code", async (HttpRequest request, TrainingService s, CancellationToken ct) =>
            TypedResults.Ok(new CodeUpload(await s.UploadCodeAsync(request.Body, request.ContentLength, ct))))
            .WithName("UploadTrainingCode").WithSummary("Stores a .zip of training code from the raw body; use the returned codeKey in a custom run.").DisableAntiforgery();
        group.MapGet("/{id:guid}/code", async (Guid id, TrainingService s, CancellationToken ct) =>
            TypedResults.Stream(await s.OpenCodeAsync(id, ct), "application/zip", "code.zip")).WithName("DownloadTrainingCode")
            .WithSummary("The run's code archive (what a Kubernetes init container fetches with the run's token).");
        group.MapGet("/{id:guid}/data", async (Guid id, TrainingService s, CancellationToken ct) =>
        {
            var (content, fileName) = await s.OpenDataAsync(id, ct);
            return TypedResults.Stream(content, "application/octet-stream", fileName);
        }).WithName("DownloadTrainingData").WithSummary("The run's dataset file.");
        app.MapGet("/api/v1/training-backends", async (TrainingService s, CancellationToken ct) => TypedResults.Ok(await s.GetBackendsAsync(ct)))
            .WithTags("Training").WithName("ListTrainingBackends").WithSummary("Backends with their concurrency, waiting and running runs, and GPU capacity (Kubernetes nodes' allocatable nvidia.com/gpu).");
        app.MapGet("/api/v1/trainers", () => TypedResults.Ok(Enum.GetValues<TrainerAlgorithm>().Select(t => new TrainerInfo(t, MlNetTrainer.HyperparametersOf(t))).ToList()))
            .WithTags("Training").WithName("ListTrainers").WithSummary("Built-in trainers and the hyperparameters each takes.");
        return group;
    }

    static async Task<Ok<TrainingRunList>> ListAsync(TrainingService training, CancellationToken ct, Guid? projectId = null, Guid? experimentId = null, TrainingStatus? status = null, string? q = null, int page = 0, int pageSize = 25)
    {
        var size = Math.Clamp(pageSize, 1, 500);
        var (items, total) = await training.ListAsync(new TrainingQuery(projectId, experimentId, status, q, Math.Max(0, page) * size, size), ct);
        return TypedResults.Ok(new TrainingRunList(items, total, Math.Max(0, page), size));
    }

    static async Task<Created<TrainingRun>> SubmitAsync(TrainingRequest body, TrainingService training, CancellationToken ct)
    {
        var run = await training.SubmitAsync(body, ct);
        return TypedResults.Created($"/api/v1/training-runs/{run.Id}", run);
    }

    static async Task<Ok<TrainingRunDetail>> GetAsync(Guid id, TrainingService training, CancellationToken ct)
    {
        var view = await training.GetAsync(id, ct);
        return TypedResults.Ok(new TrainingRunDetail(view.Run, view.Level, view.QueuePosition, view.ExperimentName));
    }
}

public sealed record TrainingRunList(IReadOnlyList<TrainingRun> Items, int TotalCount, int Page, int PageSize);

public sealed record TrainingRunDetail(TrainingRun Run, Core.Access.PermissionLevel Permission, int? QueuePosition, string ExperimentName);

public sealed record TrainingLogLine(long Id, DateTimeOffset At, string Level, string Message);

public sealed record CodeUpload(string CodeKey);

public sealed record TrainerInfo(TrainerAlgorithm Trainer, IReadOnlyList<string> Hyperparameters);
