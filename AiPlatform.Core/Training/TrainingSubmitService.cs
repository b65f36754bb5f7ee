using AiPlatform.Core.Access;
using AiPlatform.Core.Data;
using AiPlatform.Core.Tracking;

namespace AiPlatform.Core.Training;

/// <summary>
/// Submitting and re-running trainings. Submitting needs Write on the experiment the training logs into, the
/// <c>jobs.start</c> capability and Read on the dataset version; custom code (uploaded, from Git, or a command) needs
/// <c>training.custom-code</c> as well. Studies queue their trials here with their owner's rights.
/// </summary>
public sealed class TrainingSubmitService(
    AccessService access,
    ExperimentService experiments,
    DatasetService datasets,
    TrainingRunCreator creator,
    TrainingQueue queue,
    ITrainingStore store,
    TrainingService training)
{
    public async Task<TrainingRun> SubmitAsync(TrainingRequest request, CancellationToken ct)
    {
        var context = await access.RequireCapabilityAsync(Capabilities.JobsStart, ct);
        if (request.Kind != TrainingKind.BuiltIn)
        {
            await access.RequireCapabilityAsync(Capabilities.TrainingCustomCode, ct);
        }

        var (_, level) = await experiments.GetExperimentAsync(request.ExperimentId, ct);
        if (level < PermissionLevel.Write)
        {
            throw new ForbiddenException("Training logs into the experiment: this needs Write permission on it.");
        }

        if (request.DatasetId is { } datasetId && request.DatasetVersionId is { } versionId)
        {
            await datasets.GetVersionAsync(datasetId, versionId, ct);
        }

        var run = await creator.CreateAsync(request, context.UserId, context.UserName, null, ct);
        await queue.PumpAsync(ct);
        return await store.FindAsync(run.Id, ct) ?? run;
    }

    /// <summary>Whether the current user may run custom code (<c>training.custom-code</c>), for the pages to offer it or explain why not.</summary>
    public async Task<bool> CanRunCustomCodeAsync(CancellationToken ct) => (await access.FindContextAsync(ct))?.Has(Capabilities.TrainingCustomCode) == true;

    internal async Task CheckDatasetReadableAsync(Guid datasetId, Guid versionId, CancellationToken ct) => await datasets.GetVersionAsync(datasetId, versionId, ct);

    /// <summary>Checks a request without queueing it (a study checks its base request this way).</summary>
    internal async Task<string> ValidateAsync(TrainingRequest request, CancellationToken ct) => await creator.ValidateAsync(request, ct);

    /// <summary>A trial of a study, queued for the study's owner (whose rights were checked when the study was created).</summary>
    internal Task<TrainingRun> SubmitForWorkAsync(TrainingRequest request, Guid userId, string userName, TrialInfo trial, CancellationToken ct) =>
        creator.CreateAsync(request, userId, userName, trial, ct);

    /// <summary>Runs the same training again as a new run (retry / reproduce).</summary>
    public async Task<TrainingRun> RetryAsync(Guid id, CancellationToken ct)
    {
        var clone = await training.CloneRequestAsync(id, ct);
        var run = await SubmitAsync(clone, ct);
        run.ClonedFromId = id;
        await store.UpdateAsync(run, ct);
        return run;
    }
}
