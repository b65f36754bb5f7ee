using AiPlatform.Core.Access;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Tracking;

/// <summary>
/// Runs with MLflow's semantics: params are immutable, tags overwrite, metrics append, deleting is soft. A run takes
/// the rights of its experiment (see <see cref="ExperimentService"/>).
/// </summary>
public sealed class RunService(
    ExperimentService experiments,
    AccessService access,
    ITrackingStore store,
    TrackingAudit audit,
    TimeProvider time)
{
    private long NowMs => time.GetUtcNow().ToUnixTimeMilliseconds();

    public async Task<RunDetails> CreateRunAsync(Guid experimentId, string? runName, long? startTime, IReadOnlyDictionary<string, string>? tags, CancellationToken ct)
    {
        var experiment = await experiments.RequireExperimentAsync(experimentId, PermissionLevel.Write, ct);
        var context = await access.RequireContextAsync(ct);
        return await CreateRunCoreAsync(experiment, context.UserId, context.UserName, runName, startTime, tags, ct);
    }

    /// <summary>A run created by platform work for the user who started it (a study's trial); that user's rights were checked then.</summary>
    internal async Task<RunDetails> CreateRunForWorkAsync(Guid experimentId, Guid userId, string userName, string? runName, IReadOnlyDictionary<string, string>? tags, CancellationToken ct) =>
        await CreateRunCoreAsync(await FindExperimentForWorkAsync(experimentId, ct), userId, userName, runName, null, tags, ct);

    private async Task<RunDetails> CreateRunCoreAsync(Experiment experiment, Guid userId, string userName, string? runName, long? startTime, IReadOnlyDictionary<string, string>? tags, CancellationToken ct)
    {
        if (experiment.LifecycleStage != LifecycleStage.Active)
        {
            throw new ValidationException("experiment_id", $"The experiment {experiment.MlflowId} must be in the 'active' state. Current state is deleted.");
        }

        var tagList = (tags ?? new Dictionary<string, string>()).Select(t => ValidRunTag(t.Key, t.Value)).ToList();
        var name = string.IsNullOrWhiteSpace(runName) ? tags?.GetValueOrDefault(TrackingLimits.RunNameTag) : runName;
        name = string.IsNullOrWhiteSpace(name) ? GenerateRunName() : name.Trim();
        if (name.Length > TrackingLimits.MaxRunNameLength)
        {
            throw new ValidationException("run_name", $"A run name has at most {TrackingLimits.MaxRunNameLength} characters.");
        }

        if (runName is not null && tags?.GetValueOrDefault(TrackingLimits.RunNameTag) is { } tagged && tagged != runName)
        {
            throw new ValidationException("run_name", $"Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values (run_name='{runName}', mlflow.runName='{tagged}').");
        }

        var now = time.GetUtcNow();
        var run = new Run
        {
            Id = Guid.CreateVersion7(now),
            ExperimentId = experiment.Id,
            Name = name,
            UserId = userId,
            UserName = userName,
            Status = RunStatus.Running,
            StartTime = startTime is > 0 ? startTime.Value : now.ToUnixTimeMilliseconds(),
            LifecycleStage = LifecycleStage.Active,
            ParentRunId = await ParentOfAsync(tags?.GetValueOrDefault(TrackingLimits.ParentRunTag), ct),
        };
        tagList.RemoveAll(t => t.Key == TrackingLimits.RunNameTag);
        tagList.Add(new RunTag { Key = TrackingLimits.RunNameTag, Value = name });
        tagList.ForEach(t => t.RunId = run.Id);
        await store.AddRunAsync(run, tagList, ct);
        await audit.RecordAsync("run.create", SecurableTypes.Experiment, experiment.Id, new { run = run.MlflowId, run.Name }, ct);
        return await DetailsAsync(run, experiment, ct);
    }

    public async Task<RunDetails> GetRunAsync(Guid runId, CancellationToken ct)
    {
        var (run, experiment, _) = await RequireRunAsync(runId, PermissionLevel.Read, ct);
        return await DetailsAsync(run, experiment, ct);
    }

    /// <summary>Parses an MLflow run id (32 hex digits, or a GUID in any form).</summary>
    public static Guid ParseRunId(string? runId) =>
        Guid.TryParse(runId, out var id) ? id : throw new NotFoundException("Run", runId ?? string.Empty);

    public async Task<(RunDetails Details, PermissionLevel Level)> GetRunWithLevelAsync(Guid runId, CancellationToken ct)
    {
        var (run, experiment, level) = await RequireRunAsync(runId, PermissionLevel.Read, ct);
        return (await DetailsAsync(run, experiment, ct), level);
    }

    public async Task<Run> UpdateRunAsync(Guid runId, RunStatus? status, long? endTime, string? runName, CancellationToken ct)
    {
        var (run, _, _) = await RequireRunAsync(runId, PermissionLevel.Write, ct);
        RequireActive(run);
        if (status is { } s)
        {
            run.Status = Enum.IsDefined(s) ? s : throw new ValidationException("status", "Unknown run status.");
        }

        if (endTime is { } end)
        {
            run.EndTime = end;
        }
        else if (status is RunStatus.Finished or RunStatus.Failed or RunStatus.Killed && run.EndTime is null)
        {
            run.EndTime = NowMs;
        }

        if (!string.IsNullOrWhiteSpace(runName) && runName.Trim() != run.Name)
        {
            run.Name = runName.Trim().Length <= TrackingLimits.MaxRunNameLength ? runName.Trim() : throw new ValidationException("run_name", $"A run name has at most {TrackingLimits.MaxRunNameLength} characters.");
            await store.LogBatchAsync(run, [], [], [new RunTag { RunId = run.Id, Key = TrackingLimits.RunNameTag, Value = run.Name }], ct);
        }

        await store.UpdateRunAsync(run, ct);
        await audit.RecordAsync("run.update", SecurableTypes.Experiment, run.ExperimentId, new { run = run.MlflowId, run.Name, status = run.Status.ToString(), run.EndTime }, ct);
        return run;
    }

    public async Task SetRunLifecycleAsync(Guid runId, LifecycleStage stage, CancellationToken ct)
    {
        var (run, experiment, _) = await RequireRunAsync(runId, PermissionLevel.Write, ct);
        if (stage == LifecycleStage.Active && experiment.LifecycleStage != LifecycleStage.Active)
        {
            throw new ValidationException("run_id", "Restore the experiment before restoring its runs.");
        }

        run.LifecycleStage = stage;
        await store.UpdateRunAsync(run, ct);
        await audit.RecordAsync(stage == LifecycleStage.Deleted ? "run.delete" : "run.restore", SecurableTypes.Experiment, run.ExperimentId, new { run = run.MlflowId, run.Name }, ct);
    }

    /// <summary>
    /// MLflow's log-batch: all of it is stored or none of it, the run's rename (<c>mlflow.runName</c>) included. A param
    /// key sent twice with different values fails the batch (the store's rule, for every caller).
    /// </summary>
    public async Task LogBatchAsync(Guid runId, IReadOnlyList<MetricInput>? metrics, IEnumerable<KeyValuePair<string, string>>? parameters, IReadOnlyList<KeyValuePair<string, string>>? tags, CancellationToken ct)
    {
        metrics ??= [];
        var paramList = parameters?.ToList() ?? [];
        tags ??= [];
        if (metrics.Count > TrackingLimits.MaxBatchMetrics || paramList.Count > TrackingLimits.MaxBatchParams || tags.Count > TrackingLimits.MaxBatchTags
            || metrics.Count + paramList.Count + tags.Count > TrackingLimits.MaxBatchEntities)
        {
            throw new ValidationException("batch", $"A batch logging request can contain at most {TrackingLimits.MaxBatchMetrics} metrics, {TrackingLimits.MaxBatchParams} params and {TrackingLimits.MaxBatchTags} tags, and at most {TrackingLimits.MaxBatchEntities} entities in total. Got {metrics.Count} metrics, {paramList.Count} params and {tags.Count} tags.");
        }

        var (run, _, _) = await RequireRunAsync(runId, PermissionLevel.Write, ct);
        await LogBatchCoreAsync(run, metrics, paramList, tags, ct);
    }

    /// <summary>Logging by platform work (a training job) into a run its submitter was allowed to write when it was queued.</summary>
    internal async Task LogBatchForWorkAsync(Guid runId, IReadOnlyList<MetricInput> metrics, IReadOnlyDictionary<string, string>? parameters, IReadOnlyList<KeyValuePair<string, string>>? tags, CancellationToken ct)
    {
        var run = await store.FindRunAsync(runId, ct) ?? throw new NotFoundException("Run", runId.ToString("N"));
        foreach (var chunk in metrics.Chunk(TrackingLimits.MaxBatchMetrics))
        {
            await LogBatchCoreAsync(run, chunk, [], [], ct);
        }

        if (parameters?.Count > 0 || tags?.Count > 0)
        {
            await LogBatchCoreAsync(run, [], parameters?.ToList() ?? [], tags ?? [], ct);
        }
    }

    internal async Task<RunDetails> GetRunForWorkAsync(Guid runId, CancellationToken ct)
    {
        var run = await store.FindRunAsync(runId, ct) ?? throw new NotFoundException("Run", runId.ToString("N"));
        return await DetailsAsync(run, await FindExperimentForWorkAsync(run.ExperimentId, ct), ct);
    }

    internal async Task<IReadOnlyList<RunMetric>> GetMetricHistoryForWorkAsync(Guid runId, string key, CancellationToken ct) =>
        await store.GetMetricHistoryAsync([runId], key, 0, 100_000, ct);

    internal async Task<Experiment> FindExperimentForWorkAsync(Guid id, CancellationToken ct) =>
        await store.FindExperimentAsync(id, ct) ?? throw new NotFoundException("Experiment", id);

    /// <summary>Status and end time set by platform work.</summary>
    internal async Task UpdateRunForWorkAsync(Guid runId, RunStatus status, CancellationToken ct)
    {
        var run = await store.FindRunAsync(runId, ct) ?? throw new NotFoundException("Run", runId.ToString("N"));
        run.Status = status;
        run.EndTime = status is RunStatus.Finished or RunStatus.Failed or RunStatus.Killed ? NowMs : null;
        await store.UpdateRunAsync(run, ct);
    }

    private async Task LogBatchCoreAsync(Run run, IReadOnlyList<MetricInput> metrics, List<KeyValuePair<string, string>> paramList, IReadOnlyList<KeyValuePair<string, string>> tags, CancellationToken ct)
    {
        RequireActive(run);
        var now = NowMs;
        var metricRows = metrics.Select(m => new RunMetric
        {
            RunId = run.Id,
            Key = TrackingLimits.ValidKey(m.Key, "Metric"),
            Value = double.IsNaN(m.Value) ? 0 : m.Value,
            IsNan = double.IsNaN(m.Value),
            Timestamp = m.Timestamp ?? now,
            Step = m.Step,
        }).ToList();
        var paramRows = paramList.Select(p => new RunParam
        {
            RunId = run.Id,
            Key = TrackingLimits.ValidKey(p.Key, "Param"),
            Value = TrackingLimits.ValidValue(p.Value, TrackingLimits.MaxParamValueLength, "Param", p.Key),
        }).ToList();
        var tagRows = tags.Select(t => ValidRunTag(t.Key, t.Value)).ToList();
        tagRows.ForEach(t => t.RunId = run.Id);
        var renamed = tagRows.LastOrDefault(t => t.Key == TrackingLimits.RunNameTag)?.Value;
        var parent = tagRows.LastOrDefault(t => t.Key == TrackingLimits.ParentRunTag)?.Value;
        if (renamed is not null && renamed != run.Name)
        {
            run.Name = renamed.Length is > 0 and <= TrackingLimits.MaxRunNameLength ? renamed : throw new ValidationException("value", "The run name tag must have 1 to 250 characters.");
        }

        if (parent is not null)
        {
            run.ParentRunId = await ParentOfAsync(parent, ct);
        }

        await store.LogBatchAsync(run, metricRows, paramRows, tagRows, ct);
    }

    public Task LogMetricAsync(Guid runId, string? key, double value, long? timestamp, long step, CancellationToken ct) =>
        LogBatchAsync(runId, [new MetricInput(key!, value, timestamp, step)], null, null, ct);

    public Task LogParamAsync(Guid runId, string? key, string? value, CancellationToken ct) =>
        LogBatchAsync(runId, null, new Dictionary<string, string> { [TrackingLimits.ValidKey(key, "Param")] = value ?? string.Empty }, null, ct);

    public Task SetRunTagAsync(Guid runId, string? key, string? value, CancellationToken ct) =>
        LogBatchAsync(runId, null, null, [new(key!, value ?? string.Empty)], ct);

    /// <summary>Saves the run's Markdown notes (MLflow's <c>mlflow.note.content</c> tag).</summary>
    public async Task SetRunNoteAsync(Guid runId, string? markdown, CancellationToken ct)
    {
        await SetRunTagAsync(runId, TrackingLimits.NoteTag, markdown ?? string.Empty, ct);
        var (run, _, _) = await RequireRunAsync(runId, PermissionLevel.Write, ct);
        await audit.RecordAsync("run.note", SecurableTypes.Experiment, run.ExperimentId, new { run = run.MlflowId, note = markdown }, ct);
    }

    public async Task DeleteRunTagAsync(Guid runId, string? key, CancellationToken ct)
    {
        var (run, _, _) = await RequireRunAsync(runId, PermissionLevel.Write, ct);
        RequireActive(run);
        if (!await store.DeleteRunTagAsync(run.Id, key ?? string.Empty, ct))
        {
            throw new NotFoundException("Run tag", $"No tag with name: {key} in run with id {run.MlflowId}");
        }

        await audit.RecordAsync("run.tag.delete", SecurableTypes.Experiment, run.ExperimentId, new { run = run.MlflowId, key }, ct);
    }

    public async Task<IReadOnlyList<RunMetric>> GetMetricHistoryAsync(Guid runId, string? key, int offset, int limit, CancellationToken ct)
    {
        var (run, _, _) = await RequireRunAsync(runId, PermissionLevel.Read, ct);
        return await store.GetMetricHistoryAsync([run.Id], key ?? string.Empty, Math.Max(0, offset), Math.Clamp(limit, 1, 1_000_000), ct);
    }

    /// <summary>Histories of one metric for several runs (charts, compare); unreadable runs are left out.</summary>
    public async Task<IReadOnlyDictionary<Guid, IReadOnlyList<RunMetric>>> GetMetricHistoriesAsync(IReadOnlyCollection<Guid> runIds, string key, CancellationToken ct)
    {
        var readable = new List<Guid>();
        foreach (var id in runIds.Distinct())
        {
            try
            {
                readable.Add((await RequireRunAsync(id, PermissionLevel.Read, ct)).Run.Id);
            }
            catch (NotFoundException)
            {
            }
        }

        var rows = await store.GetMetricHistoryAsync(readable, key, 0, 1_000_000, ct);
        return readable.ToDictionary(id => id, id => (IReadOnlyList<RunMetric>)rows.Where(r => r.RunId == id).ToList());
    }

    /// <summary>Search in the experiments the caller may read (others are skipped, as MLflow skips unknown ids).</summary>
    public async Task<RunPage> SearchRunsAsync(IReadOnlyCollection<Guid> experimentIds, string? filter, IEnumerable<string>? orderBy, ViewType view, int offset, int maxResults, CancellationToken ct) =>
        await SearchCheckedAsync(await experiments.ReadableExperimentIdsAsync(experimentIds, ct), filter, orderBy, view, offset, maxResults, ct);

    /// <summary>The search over experiments already checked for the caller.</summary>
    private async Task<RunPage> SearchCheckedAsync(IReadOnlyCollection<Guid> readableExperimentIds, string? filter, IEnumerable<string>? orderBy, ViewType view, int offset, int maxResults, CancellationToken ct)
    {
        if (maxResults is < 1 or > TrackingLimits.MaxSearchResults)
        {
            throw new ValidationException("max_results", $"Invalid value {maxResults} for parameter 'max_results' supplied. It must be at most {TrackingLimits.MaxSearchResults}.");
        }

        var query = new RunQuery(readableExperimentIds, SearchFilter.ParseRunFilter(filter), SearchFilter.ParseOrderBy(orderBy), view, Math.Max(0, offset), maxResults + 1);
        if (query.ExperimentIds.Count == 0)
        {
            return new RunPage([], offset, false);
        }

        var runs = await store.SearchRunsAsync(query, ct);
        var page = runs.Take(maxResults).ToList();
        return new RunPage(await DetailsAsync(page, ct), offset, runs.Count > maxResults);
    }

    /// <summary>
    /// MLflow's <c>runs/search</c>: the experiments named by MLflow id that exist and the caller may read (others give no
    /// runs, as in MLflow), each looked up and checked once.
    /// </summary>
    public async Task<RunPage> SearchRunsByMlflowIdsAsync(IEnumerable<string> mlflowExperimentIds, string? filter, IEnumerable<string>? orderBy, ViewType view, int offset, int maxResults, CancellationToken ct)
    {
        var readable = new List<Guid>();
        foreach (var id in mlflowExperimentIds)
        {
            try
            {
                readable.Add((await experiments.GetExperimentByMlflowIdAsync(id, ct)).Id);
            }
            catch (NotFoundException)
            {
                // MLflow returns no runs for experiments that do not exist; the same for ones the caller may not see.
            }
        }

        return await SearchCheckedAsync(readable.Distinct().ToList(), filter, orderBy, view, offset, maxResults, ct);
    }

    public async Task<int> CountRunsAsync(IReadOnlyCollection<Guid> experimentIds, string? filter, ViewType view, CancellationToken ct)
    {
        var ids = await experiments.ReadableExperimentIdsAsync(experimentIds, ct);
        return ids.Count == 0 ? 0 : await store.CountRunsAsync(new RunQuery(ids, SearchFilter.ParseRunFilter(filter), [], view, 0, 0), ct);
    }

    public async Task<IReadOnlyList<Run>> ListChildRunsAsync(Guid runId, CancellationToken ct)
    {
        var (run, _, _) = await RequireRunAsync(runId, PermissionLevel.Read, ct);
        var children = await store.ListChildRunsAsync(run.Id, ct);
        var result = new List<Run>();
        foreach (var child in children)
        {
            if (child.ExperimentId == run.ExperimentId || await store.FindExperimentAsync(child.ExperimentId, ct) is { } e && await experiments.LevelAsync(e, ct) is not null)
            {
                result.Add(child);
            }
        }

        return result;
    }

    // ---- internals ----

    internal async Task<(Run Run, Experiment Experiment, PermissionLevel Level)> RequireRunAsync(Guid runId, PermissionLevel required, CancellationToken ct)
    {
        var run = await store.FindRunAsync(runId, ct) ?? throw new NotFoundException("Run", runId.ToString("N"));
        var experiment = await store.FindExperimentAsync(run.ExperimentId, ct) ?? throw new NotFoundException("Run", runId.ToString("N"));
        var level = await experiments.LevelAsync(experiment, ct) ?? throw new NotFoundException("Run", runId.ToString("N"));
        await access.RequireFoundLevelAsync(SecurableTypes.Experiment, experiment.Id, level, required, ct);
        return (run, experiment, level);
    }

    private async Task<RunDetails> DetailsAsync(Run run, Experiment experiment, CancellationToken ct)
    {
        var data = await store.LoadRunDataAsync([run.Id], ct);
        return new RunDetails(run, experiment, data.Params, data.Tags, data.Metrics, data.Inputs);
    }

    private async Task<IReadOnlyList<RunDetails>> DetailsAsync(IReadOnlyList<Run> runs, CancellationToken ct)
    {
        var data = await store.LoadRunDataAsync(runs.Select(r => r.Id).ToList(), ct);
        var parameters = data.Params.ToLookup(p => p.RunId);
        var tags = data.Tags.ToLookup(t => t.RunId);
        var metrics = data.Metrics.ToLookup(m => m.RunId);
        var inputs = data.Inputs.ToLookup(i => i.RunId);
        var experiments = new Dictionary<Guid, Experiment>();
        foreach (var id in runs.Select(r => r.ExperimentId).Distinct())
        {
            experiments[id] = (await store.FindExperimentAsync(id, ct))!;
        }

        return runs.Select(r => new RunDetails(r, experiments[r.ExperimentId], parameters[r.Id].ToList(), tags[r.Id].ToList(), metrics[r.Id].ToList(), inputs[r.Id].ToList())).ToList();
    }
    private async Task<Guid?> ParentOfAsync(string? parentRunId, CancellationToken ct) =>
        Guid.TryParse(parentRunId, out var parent) && await store.FindRunAsync(parent, ct) is not null ? parent : null;

    private static RunTag ValidRunTag(string? key, string? value) => new()
    {
        Key = TrackingLimits.ValidKey(key, "Tag"),
        Value = TrackingLimits.ValidValue(value, TrackingLimits.MaxRunTagValueLength, "Tag", key!),
    };

    internal static void RequireActive(Run run)
    {
        if (run.LifecycleStage != LifecycleStage.Active)
        {
            throw new ValidationException("run_id", $"The run {run.MlflowId} must be in the 'active' state. Current state is deleted.");
        }
    }

    private static readonly string[] Adjectives = ["bold", "calm", "clever", "crisp", "eager", "gentle", "keen", "lucky", "merry", "nimble", "quiet", "rapid", "sharp", "silent", "sunny", "swift", "vivid", "wise"];
    private static readonly string[] Nouns = ["badger", "crane", "dolphin", "falcon", "fox", "heron", "lynx", "otter", "owl", "panda", "robin", "seal", "sparrow", "tiger", "whale", "wolf", "yak", "zebra"];

    /// <summary>A readable name like MLflow's (<c>swift-otter-417</c>) for runs created without one.</summary>
    public static string GenerateRunName() =>
        $"{Adjectives[Random.Shared.Next(Adjectives.Length)]}-{Nouns[Random.Shared.Next(Nouns.Length)]}-{Random.Shared.Next(100, 1000)}";
}
