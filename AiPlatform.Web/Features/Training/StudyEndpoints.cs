using AiPlatform.Core.Common;
using AiPlatform.Core.Training;
using AiPlatform.Core.Training.Hpo;
using AiPlatform.Web.Api;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiPlatform.Web.Features.Training;

/// <summary>Hyperparameter studies: create (from a base request or an existing training run), list, inspect with trials and importance, cancel.</summary>
public static class StudyEndpoints
{
    public static RouteGroupBuilder MapStudyEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/studies").WithTags("Studies");
        group.MapGet("/", ListAsync).WithName("ListStudies");
        group.MapPost("/", CreateAsync).WithName("CreateStudy")
            .WithSummary("Starts a search: base (a training request) or baseTrainingRunId, searchSpace [{name, type: Float|LogFloat|Int|Categorical, low, high, choices}], objectiveMetric, direction, sampler (Random|Grid|Tpe), maxTrials, parallelism, medianPruning.");
        group.MapGet("/{id:guid}", GetAsync).WithName("GetStudy")
            .WithSummary("The study with its trials (params, objective, status, pruned) and parameter importance.");
        group.MapPost("/{id:guid}/cancel", CancelAsync).WithName("CancelStudy");
        return group;
    }

    static async Task<Ok<Paged<Study>>> ListAsync(StudyService studies, [AsParameters] PageQuery paging, CancellationToken ct, Guid? experimentId = null)
    {
        var request = paging.ToRequest();
        var (items, total) = await studies.ListAsync(experimentId, request.Skip, request.Take, ct);
        return TypedResults.Ok(Paged<Study>.Of(items, total, request));
    }

    static async Task<Ok<StudyDetail>> GetAsync(Guid id, StudyService studies, CancellationToken ct) => TypedResults.Ok(StudyDetail.From(await studies.GetAsync(id, ct)));

    static async Task<Ok<Study>> CancelAsync(Guid id, StudyService studies, CancellationToken ct) => TypedResults.Ok(await studies.CancelAsync(id, ct));

    static async Task<Created<Study>> CreateAsync(CreateStudyRequest body, StudyService studies, TrainingService training, CancellationToken ct)
    {
        var baseRequest = body.Base ?? (body.BaseTrainingRunId is { } runId
            ? await training.CloneRequestAsync(runId, ct)
            : throw new ValidationException("base", "Give the base training request, or the id of a training run to start from."));
        var study = await studies.CreateAsync(new StudyRequest(
            body.Name, baseRequest, body.SearchSpace ?? [], body.ObjectiveMetric ?? string.Empty, body.Direction ?? ObjectiveDirection.Maximize,
            body.Sampler ?? SamplerKind.Tpe, body.MaxTrials ?? 20, body.Parallelism ?? 2, body.MedianPruning ?? false, body.PruningStartupTrials ?? 5, body.Seed ?? 42, body.Base is null ? body.BaseTrainingRunId : null), ct);
        return TypedResults.Created($"/api/v1/studies/{study.Id}", study);
    }
}

public sealed record CreateStudyRequest(
    string? Name,
    TrainingRequest? Base,
    Guid? BaseTrainingRunId,
    IReadOnlyList<SearchParameter>? SearchSpace,
    string? ObjectiveMetric,
    ObjectiveDirection? Direction,
    SamplerKind? Sampler,
    int? MaxTrials,
    int? Parallelism,
    bool? MedianPruning,
    int? PruningStartupTrials,
    int? Seed);

public sealed record TrialView(Guid Id, int Number, TrainingStatus Status, bool Pruned, IReadOnlyDictionary<string, string> Params, double? Objective, Guid TrackingRunId, string? Error);

public sealed record StudyDetail(Study Study, Core.Access.PermissionLevel Permission, string ExperimentName, IReadOnlyList<SearchParameter> SearchSpace, IReadOnlyList<TrialView> Trials, IReadOnlyDictionary<string, double> Importance)
{
    /// <summary>The training run the study started from (null when it was given a base request).</summary>
    public StudyBaseRun? BaseRun { get; init; }

    public static StudyDetail From(StudyView view) => new(
        view.Study, view.Level, view.ExperimentName, view.SearchSpace,
        view.Trials.Select(t => new TrialView(t.Id, t.TrialNumber ?? 0, t.Status, t.Pruned,
            t.TrialParamsJson is null ? new Dictionary<string, string>() : System.Text.Json.JsonSerializer.Deserialize<Dictionary<string, string>>(t.TrialParamsJson)!,
            t.ObjectiveValue, t.TrackingRunId, t.Error)).ToList(),
        view.Importance) { BaseRun = view.BaseRun };
}
