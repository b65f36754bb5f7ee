using System.Text.Json;
using AiPlatform.Core.Apps;
using AiPlatform.Web.Api;
using Microsoft.AspNetCore.Http.HttpResults;

namespace AiPlatform.Web.Features.Apps;

/// <summary>Evaluations of an app version over a dataset version: list, start, get, cancel (Write on the app; Read on the dataset to start).</summary>
public static class AppEvaluationEndpoints
{
    public static RouteGroupBuilder MapAppEvaluationEndpoints(this IEndpointRouteBuilder app)
    {
        var group = app.MapGroup("/api/v1/apps/{id:guid}/evaluations").WithTags("Apps");
        group.MapGet("/", ListAsync).WithName("ListAppEvaluations").WithSummary("The app's evaluations, newest first, with status, progress and metrics (Write).");
        group.MapPost("/", StartAsync).WithName("StartAppEvaluation").WithSummary(
            "Starts job app.evaluate (Write on the app, Read on the dataset): version (null = published), datasetId, datasetVersion (null = newest), " +
            "settings {inputs: {field: column}, query (chat), expected, output (workflow field), scorers: [{kind: exact|contains|regex|json-field|numeric|embedding|llm-judge, name, settings}], concurrency 1-8}. " +
            "The results are logged as a run of the experiment 'App evaluation: <slug>' in the starter's Default project.");
        group.MapGet("/{evaluationId:guid}", GetAsync).WithName("GetAppEvaluation");
        group.MapPost("/{evaluationId:guid}/cancel", CancelAsync).WithName("CancelAppEvaluation").WithSummary("Stops a queued or running evaluation; 409 once it ended.");
        return group;
    }

    static async Task<Ok<Paged<AppEvaluationView>>> ListAsync(Guid id, AppEvaluationService evaluations, [AsParameters] PageQuery paging, CancellationToken ct)
    {
        var request = paging.ToRequest();
        var result = await evaluations.ListAsync(id, request, ct);
        return TypedResults.Ok(Paged<AppEvaluationView>.Of([.. result.Items.Select(AppEvaluationView.From)], result.TotalCount, request));
    }

    static async Task<Created<AppEvaluationView>> StartAsync(Guid id, AppEvaluationRequest body, AppEvaluationService evaluations, CancellationToken ct)
    {
        var started = await evaluations.StartAsync(id, body, ct);
        return TypedResults.Created($"/api/v1/apps/{id}/evaluations/{started.Id}", AppEvaluationView.From(started));
    }

    static async Task<Ok<AppEvaluationView>> GetAsync(Guid id, Guid evaluationId, AppEvaluationService evaluations, CancellationToken ct) =>
        TypedResults.Ok(AppEvaluationView.From(await evaluations.GetAsync(id, evaluationId, ct)));

    static async Task<Ok<AppEvaluationView>> CancelAsync(Guid id, Guid evaluationId, AppEvaluationService evaluations, CancellationToken ct) =>
        TypedResults.Ok(AppEvaluationView.From(await evaluations.CancelAsync(id, evaluationId, ct)));

    /// <summary>An evaluation as the API shows it; <c>compareUrl</c> is absent, the run page is <c>/runs/{experimentRunId}</c>.</summary>
    public sealed record AppEvaluationView(
        Guid Id,
        Guid AppId,
        int Version,
        Guid DatasetId,
        int DatasetVersion,
        AppEvaluationSettings Settings,
        string Status,
        Guid? JobId,
        string? ExperimentRunId,
        int RowCount,
        int RowsDone,
        int RowsFailed,
        IReadOnlyDictionary<string, double>? Metrics,
        string? Error,
        Guid CreatedBy,
        DateTimeOffset CreatedAt,
        DateTimeOffset? EndedAt)
    {
        public static AppEvaluationView From(AppEvaluation e) => new(
            e.Id,
            e.AppId,
            e.VersionNumber,
            e.DatasetId,
            e.DatasetVersion,
            AppEvaluationSettings.FromJson(e.SettingsJson),
            e.Status.ToString(),
            e.JobId,
            e.ExperimentRunId,
            e.RowCount,
            e.RowsDone,
            e.RowsFailed,
            e.SummaryJson is { } json ? JsonSerializer.Deserialize<Dictionary<string, double>>(json, AppEvaluationSettings.Json) : null,
            e.Error,
            e.CreatedBy,
            e.CreatedAt,
            e.EndedAt);
    }
}
