using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Core.Tracking;

namespace AiPlatform.Core.Training;

/// <summary>What makes a training run a study's trial.</summary>
internal sealed record TrialInfo(Guid StudyId, int Number, string ParamsJson, Guid ParentTrackingRunId);

/// <summary>
/// Creates a checked training run: its experiment run (Scheduled, with the training's tags and dataset input) and the
/// queued <see cref="TrainingRun"/> with its audit entry. Rights are checked by the caller; nothing is pumped here.
/// </summary>
public sealed class TrainingRunCreator(
    TrainingRequestValidator validator,
    RunService runs,
    RunInputService runInputs,
    ITrainingStore store,
    AuditRecorder audit,
    TimeProvider time)
{
    /// <summary>Checks a request without creating anything; returns its spec (JSON).</summary>
    internal async Task<string> ValidateAsync(TrainingRequest request, CancellationToken ct) => (await validator.CheckAsync(request, ct)).Spec;

    internal async Task<TrainingRun> CreateAsync(TrainingRequest request, Guid userId, string userName, TrialInfo? trial, CancellationToken ct)
    {
        var (spec, version, experiment) = await validator.CheckAsync(request, ct);
        var name = string.IsNullOrWhiteSpace(request.Name) ? $"{(request.Kind == TrainingKind.BuiltIn ? request.BuiltIn!.Trainer.ToString().ToLowerInvariant() : "custom")}-{time.GetUtcNow():MMdd-HHmmss}" : request.Name.Trim();
        if (name.Length > TrackingLimits.MaxRunNameLength)
        {
            throw new ValidationException("name", "A run name has at most 250 characters.");
        }

        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        var tags = new Dictionary<string, string>
        {
            ["aiplatform.training.id"] = id.ToString(),
            ["aiplatform.training.kind"] = request.Kind.ToString(),
            ["mlflow.source.type"] = request.Kind == TrainingKind.BuiltIn ? "LOCAL" : "JOB",
            ["mlflow.source.name"] = request.Kind == TrainingKind.BuiltIn ? $"builtin:{request.BuiltIn!.Trainer}" : request.Custom!.Command,
        };
        if (trial is not null)
        {
            tags[TrackingLimits.ParentRunTag] = trial.ParentTrackingRunId.ToString("N");
            tags["aiplatform.study.id"] = trial.StudyId.ToString();
            tags["aiplatform.trial"] = trial.Number.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        var trackingRun = await runs.CreateRunForWorkAsync(experiment.Id, userId, userName, name, tags, ct);
        await runs.UpdateRunForWorkAsync(trackingRun.Run.Id, RunStatus.Scheduled, ct);
        if (version is not null)
        {
            await runInputs.LinkDatasetVersionForWorkAsync(trackingRun.Run.Id, request.DatasetId!.Value, version.Id, "training", ct);
        }

        var run = new TrainingRun
        {
            Id = id,
            Name = name,
            ProjectId = experiment.ProjectId,
            ExperimentId = experiment.Id,
            TrackingRunId = trackingRun.Run.Id,
            Kind = request.Kind,
            SpecJson = spec,
            DatasetId = request.DatasetId,
            DatasetVersionId = version?.Id,
            Backend = request.Backend,
            Priority = request.Priority,
            Status = TrainingStatus.Queued,
            CreatedById = userId,
            CreatedBy = userName,
            CreatedAt = now,
            StudyId = trial?.StudyId,
            TrialNumber = trial?.Number,
            TrialParamsJson = trial?.ParamsJson,
        };
        await store.AddAsync(run, await audit.EntryAsync("training.submit", TrainingService.SecurableType, run.Id, new { run.Name, run.Kind, run.Backend, experiment = experiment.Name, study = trial?.StudyId }, ct), ct);
        return run;
    }
}
