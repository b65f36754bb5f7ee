using AiPlatform.Core.Access;
using AiPlatform.Core.Jobs;

namespace AiPlatform.Core.Apps;

/// <summary>
/// Job <c>app.evaluate</c>: runs one <see cref="AppEvaluation"/> with the rights of the user who started it (loaded
/// fresh: a disabled or deleted starter fails it). Not restarted after a crash: the rows already run would run again;
/// the evaluation is marked failed with the reason and can be started anew.
/// </summary>
public sealed class AppEvaluationHandler(IAppEvaluationStore store, AppEvaluationService evaluations, IUserDirectory users) : IJobHandler
{
    public const string JobKind = "app.evaluate";

    public string Kind => JobKind;

    public string? StartCapability => null;

    public bool RestartOnInterrupt => false;

    public async Task RunAsync(JobExecutionContext context, CancellationToken ct)
    {
        var parameters = context.GetParameters<Parameters>() ?? throw new InvalidOperationException("The job names no evaluation.");
        var evaluation = await store.FindAsync(parameters.EvaluationId, ct) ?? throw new InvalidOperationException($"Evaluation {parameters.EvaluationId} no longer exists.");
        if (evaluation.Status is not (AppEvaluationStatus.Queued or AppEvaluationStatus.Running))
        {
            return;
        }

        var starter = await users.FindAsync(evaluation.CreatedBy, ct);
        if (starter is null || starter.IsDisabled)
        {
            await evaluations.InterruptedAsync(evaluation.Id, "The user who started the evaluation is disabled or deleted.", ct);
            throw new InvalidOperationException("The user who started the evaluation is disabled or deleted.");
        }

        using (ActingCaller.Begin(new CallerIdentity(starter.Id, starter.UserName)))
        {
            await evaluations.ExecuteAsync(evaluation, context, ct);
        }
    }

    public async Task OnInterruptedAsync(JobRecord job, JobInterruption interruption, CancellationToken ct)
    {
        if (job.ParametersJson is { } json && System.Text.Json.JsonSerializer.Deserialize<Parameters>(json, AppEvaluationSettings.Json) is { } parameters)
        {
            await evaluations.InterruptedAsync(parameters.EvaluationId, interruption.Reason, ct);
        }
    }

    public sealed record Parameters(Guid EvaluationId);
}
