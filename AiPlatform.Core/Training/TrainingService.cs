using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Core.Tracking;

namespace AiPlatform.Core.Training;

/// <summary>
/// Reading, listing and cancelling trainings, their logs and the backends' queues. Rights are those of the experiment
/// a training logs into. Submitting is <see cref="TrainingSubmitService"/>; code and data files are
/// <see cref="TrainingFileService"/>.
/// </summary>
public sealed class TrainingService(
    AccessService access,
    ITrainingStore store,
    ExperimentService experiments,
    Jobs.IJobStore jobStore,
    IEnumerable<ITrainingBackend> backends,
    TrainingQueue queue,
    AuditRecorder audit)
{
    public const string SecurableType = "training-run";
    public const int MaxPriority = 100;

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    public async Task<TrainingRunView> GetAsync(Guid id, CancellationToken ct)
    {
        var run = await store.FindAsync(id, ct) ?? throw new NotFoundException("Training run", id);
        PermissionLevel level;
        string experimentName;
        try
        {
            var (experiment, l) = await experiments.GetExperimentAsync(run.ExperimentId, ct);
            (level, experimentName) = (l, experiment.Name);
        }
        catch (NotFoundException)
        {
            throw new NotFoundException("Training run", id);
        }

        int? position = null;
        if (run.Status == TrainingStatus.Queued)
        {
            position = (await store.ListQueuedAsync(run.Backend, ct)).Select((r, i) => (r, i)).FirstOrDefault(x => x.r.Id == run.Id).i + 1;
        }

        return new TrainingRunView(run, level, position, experimentName);
    }

    public async Task<(IReadOnlyList<TrainingRun> Items, int Total)> ListAsync(TrainingQuery query, CancellationToken ct) =>
        await store.ListReadableAsync(await access.RequireContextAsync(ct), query with { Offset = Math.Max(0, query.Offset), Limit = Math.Clamp(query.Limit, 1, 500) }, ct);

    /// <summary>Stops a run: a queued one ends at once; a running one is asked to stop (its process or pod is killed).</summary>
    public async Task<TrainingRun> CancelAsync(Guid id, CancellationToken ct)
    {
        var view = await GetAsync(id, ct);
        await access.RequireFoundLevelAsync(SecurableTypes.Experiment, view.Run.ExperimentId, view.Level, PermissionLevel.Write, ct);
        var run = view.Run;
        if (run.IsTerminal)
        {
            throw new ConflictException($"The run has already ended ({run.Status}).");
        }

        var entry = await audit.EntryAsync("training.cancel", SecurableType, run.Id, new { run.Name, from = run.Status }, ct);
        await queue.CancelAsync(run, Common.StoredMessage.Of("Cancelled while queued.", "Error.Training.CancelledQueued"), async () => (await access.RequireContextAsync(ct)).UserName, entry, ct);
        return await store.FindAsync(id, ct) ?? run;
    }

    /// <summary>The run's output and platform messages after line <paramref name="afterId"/> (readers of the experiment may see them).</summary>
    public async Task<IReadOnlyList<Jobs.JobLogEntry>> GetLogAsync(Guid id, long afterId, int max, CancellationToken ct)
    {
        var run = (await GetAsync(id, ct)).Run;
        return run.JobId is { } jobId ? await jobStore.GetLogAsync(jobId, afterId, Math.Clamp(max, 1, Jobs.JobService.MaxLogPage), ct) : [];
    }

    /// <summary>The backends with their slots, waiting and running runs, and GPUs where known.</summary>
    public async Task<IReadOnlyList<BackendStatus>> GetBackendsAsync(CancellationToken ct)
    {
        await access.RequireContextAsync(ct);
        var active = await store.ListActiveAsync(ct);
        var result = new List<BackendStatus>();
        foreach (var backend in backends)
        {
            GpuCapacity? gpus = null;
            if (backend is IGpuCapacitySource source)
            {
                try
                {
                    gpus = await source.GetGpuCapacityAsync(ct);
                }
                catch (Exception e) when (e is HttpRequestException or TimeoutException or InvalidOperationException)
                {
                    gpus = null;
                }
            }

            result.Add(new BackendStatus(backend.Kind, backend.MaxConcurrency, (await store.ListQueuedAsync(backend.Kind, ct)).Count, active.Count(r => r.Backend == backend.Kind), gpus));
        }

        return result;
    }

    /// <summary>The request that reproduces a run, for "clone and edit" (the wizard fills in from it).</summary>
    public async Task<TrainingRequest> CloneRequestAsync(Guid id, CancellationToken ct)
    {
        var run = (await GetAsync(id, ct)).Run;
        return new TrainingRequest(
            run.ExperimentId,
            run.Name + "-rerun",
            run.Kind,
            run.Kind == TrainingKind.BuiltIn ? JsonSerializer.Deserialize<BuiltInSpec>(run.SpecJson, Json) : null,
            run.Kind == TrainingKind.Custom ? JsonSerializer.Deserialize<CustomSpec>(run.SpecJson, Json) : null,
            run.DatasetId,
            run.DatasetVersionId,
            run.Backend,
            run.Priority);
    }
}
