using System.Globalization;
using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Core.Tracking;

namespace AiPlatform.Core.Training.Hpo;

/// <summary>What a user asks for when starting a study.</summary>
public sealed record StudyRequest(
    string? Name,
    TrainingRequest Base,
    IReadOnlyList<SearchParameter> SearchSpace,
    string ObjectiveMetric,
    ObjectiveDirection Direction,
    SamplerKind Sampler = SamplerKind.Tpe,
    int MaxTrials = 20,
    int Parallelism = 2,
    bool MedianPruning = false,
    int PruningStartupTrials = 5,
    int Seed = 42,
    Guid? BaseRunId = null);

/// <summary>The training run a study started from ("Tune" on it), by id and name.</summary>
public sealed record StudyBaseRun(Guid Id, string Name);

/// <summary>A study with its trials, the caller's level on it and what the charts need.</summary>
public sealed record StudyView(Study Study, PermissionLevel Level, string ExperimentName, IReadOnlyList<SearchParameter> SearchSpace, IReadOnlyList<TrainingRun> Trials, IReadOnlyDictionary<string, double> Importance)
{
    /// <summary>The training run the study started from, when it was started from one that still exists.</summary>
    public StudyBaseRun? BaseRun { get; init; }
}

/// <summary>
/// Hyperparameter studies. <see cref="PumpAsync"/> drives them: it records finished trials' objectives, prunes
/// running trials that fall behind the median (when asked), keeps up to <see cref="Study.Parallelism"/> trials in
/// flight until <see cref="Study.MaxTrials"/> have run (or a grid is exhausted), then records the best trial in the
/// study's run. Trials are ordinary training runs, queued with the study owner's rights.
/// </summary>
public sealed class StudyService(
    AccessService access,
    ITrainingStore store,
    TrainingSubmitService submissions,
    TrainingQueue queue,
    ExperimentService experiments,
    RunService tracking,
    AuditRecorder audit,
    TimeProvider time)
{
    public const string SecurableType = "study";
    public const int MaxTrialsLimit = 500;
    public const int MaxParallelism = 20;
    public const int GridPoints = 5;

    /// <summary>The tag on the study's run that names the training run it started from (its id).</summary>
    public const string BaseRunTag = "aiplatform.study.base_run";

    private static readonly SemaphoreSlim Gate = new(1, 1);

    public async Task<Study> CreateAsync(StudyRequest request, CancellationToken ct)
    {
        var context = await access.RequireCapabilityAsync(Capabilities.JobsStart, ct);
        if (request.Base.Kind != TrainingKind.BuiltIn)
        {
            await access.RequireCapabilityAsync(Capabilities.TrainingCustomCode, ct);
        }

        var (experiment, level) = await experiments.GetExperimentAsync(request.Base.ExperimentId, ct);
        if (level < PermissionLevel.Write)
        {
            throw new ForbiddenException("A study logs into the experiment: this needs Write permission on it.");
        }

        var space = SearchSpace.Validate(request.SearchSpace);
        if (string.IsNullOrWhiteSpace(request.ObjectiveMetric))
        {
            throw TrainingErrors.Invalid("objectiveMetric", TrainingErrors.StudyObjective, "Name the metric to optimize, e.g. auc or rmse.");
        }

        if (request.MaxTrials is < 1 or > MaxTrialsLimit || request.Parallelism is < 1 or > MaxParallelism)
        {
            throw TrainingErrors.Invalid("maxTrials", TrainingErrors.StudyTrials, $"A study runs 1 to {MaxTrialsLimit} trials, 1 to {MaxParallelism} at a time.", MaxTrialsLimit, MaxParallelism);
        }

        if (!Enum.IsDefined(request.Sampler) || !Enum.IsDefined(request.Direction))
        {
            throw TrainingErrors.Invalid("sampler", TrainingErrors.StudySampler, "Unknown sampler or direction.");
        }

        if (request.Base.Kind == TrainingKind.BuiltIn && space.FirstOrDefault(p => p.Type == ParameterType.Categorical) is { } categorical)
        {
            throw TrainingErrors.Invalid("searchSpace", TrainingErrors.StudyCategoricalBuiltIn, $"Built-in trainers take numeric hyperparameters; '{categorical.Name}' is categorical.", categorical.Name);
        }

        if (request.Base.DatasetId is { } datasetId && request.Base.DatasetVersionId is { } versionId)
        {
            await submissions.CheckDatasetReadableAsync(datasetId, versionId, ct);
        }

        // The base request with a first sample must be a valid training (e.g. the hyperparameter names exist).
        await submissions.ValidateAsync(Apply(request.Base, space, Samplers.Create(SamplerKind.Random, request.Seed).Next(space, [], request.Direction, 0)!), ct);

        var now = time.GetUtcNow();
        var id = Guid.CreateVersion7(now);
        var name = string.IsNullOrWhiteSpace(request.Name) ? $"study-{now:MMdd-HHmmss}" : request.Name.Trim();
        var tags = new Dictionary<string, string>
        {
            ["aiplatform.study.id"] = id.ToString(),
            ["aiplatform.study.objective"] = $"{request.Direction.ToString().ToLowerInvariant()} {request.ObjectiveMetric}",
            ["aiplatform.study.sampler"] = request.Sampler.ToString(),
        };
        if (request.BaseRunId is { } baseRunId)
        {
            // Only a run the caller may read, in the study's experiment: the tag names it on the study page.
            var baseRun = await store.FindAsync(baseRunId, ct);
            if (baseRun is null || baseRun.ExperimentId != experiment.Id)
            {
                throw new NotFoundException("Training run", baseRunId);
            }

            tags[BaseRunTag] = baseRunId.ToString();
        }

        var parent = await tracking.CreateRunAsync(experiment.Id, name, null, tags, ct);
        var study = new Study
        {
            Id = id,
            Name = name,
            ProjectId = experiment.ProjectId,
            ExperimentId = experiment.Id,
            ParentTrackingRunId = parent.Run.Id,
            BaseRequestJson = JsonSerializer.Serialize(request.Base, TrainingService.Json),
            SearchSpaceJson = JsonSerializer.Serialize(space, TrainingService.Json),
            ObjectiveMetric = request.ObjectiveMetric.Trim(),
            Direction = request.Direction,
            Sampler = request.Sampler,
            MaxTrials = request.MaxTrials,
            Parallelism = request.Parallelism,
            MedianPruning = request.MedianPruning,
            PruningStartupTrials = Math.Clamp(request.PruningStartupTrials, 1, 100),
            Seed = request.Seed,
            Status = StudyStatus.Running,
            CreatedById = context.UserId,
            CreatedBy = context.UserName,
            CreatedAt = now,
        };
        await store.AddStudyAsync(study, await audit.EntryAsync("study.create", SecurableType, id, new { study.Name, study.ObjectiveMetric, study.Sampler, study.MaxTrials }, ct), ct);
        await PumpAsync(ct);
        return await store.FindStudyAsync(id, ct) ?? study;
    }

    public async Task<StudyView> GetAsync(Guid id, CancellationToken ct)
    {
        var study = await store.FindStudyAsync(id, ct) ?? throw new NotFoundException("Study", id);
        PermissionLevel level;
        string experimentName;
        try
        {
            var (experiment, l) = await experiments.GetExperimentAsync(study.ExperimentId, ct);
            (level, experimentName) = (l, experiment.Name);
        }
        catch (NotFoundException)
        {
            throw new NotFoundException("Study", id);
        }

        var space = Space(study);
        var trials = await store.ListTrialsAsync(id, ct);
        return new StudyView(study, level, experimentName, space, trials, StudyMath.Importance(space, Observations(space, trials))) { BaseRun = await BaseRunOfAsync(study, ct) };
    }

    /// <summary>The training run named by the study run's <see cref="BaseRunTag"/>; null for studies started without one (or whose base run was deleted).</summary>
    private async Task<StudyBaseRun?> BaseRunOfAsync(Study study, CancellationToken ct)
    {
        try
        {
            var parent = await tracking.GetRunForWorkAsync(study.ParentTrackingRunId, ct);
            return Guid.TryParse(parent.Tag(BaseRunTag), out var baseId) && await store.FindAsync(baseId, ct) is { } run && run.ExperimentId == study.ExperimentId
                ? new StudyBaseRun(run.Id, run.Name)
                : null;
        }
        catch (NotFoundException)
        {
            return null;
        }
    }

    public async Task<(IReadOnlyList<Study> Items, int Total)> ListAsync(Guid? experimentId, int offset, int limit, CancellationToken ct) =>
        await store.ListReadableStudiesAsync(await access.RequireContextAsync(ct), experimentId, Math.Max(0, offset), Math.Clamp(limit, 1, 500), ct);

    /// <summary>Stops a study: no new trials; queued and running trials are cancelled.</summary>
    public async Task<Study> CancelAsync(Guid id, CancellationToken ct)
    {
        var view = await GetAsync(id, ct);
        await access.RequireFoundLevelAsync(SecurableTypes.Experiment, view.Study.ExperimentId, view.Level, PermissionLevel.Write, ct);
        if (view.Study.Status != StudyStatus.Running)
        {
            throw new ConflictException($"The study has already ended ({view.Study.Status}).");
        }

        var study = view.Study;
        study.Status = StudyStatus.Cancelled;
        study.FinishedAt = time.GetUtcNow();
        await store.UpdateStudyAsync(study, await audit.EntryAsync("study.cancel", SecurableType, study.Id, new { study.Name }, ct), ct);
        foreach (var trial in view.Trials.Where(t => !t.IsTerminal))
        {
            await queue.CancelForWorkAsync(trial, Common.StoredMessage.Of("The study was cancelled.", "Error.Training.StudyCancelled"), ct);
        }

        await tracking.UpdateRunForWorkAsync(study.ParentTrackingRunId, RunStatus.Killed, ct);
        return study;
    }

    /// <summary>Advances every running study (see the class summary). Safe to call often and from several places.</summary>
    public async Task PumpAsync(CancellationToken ct)
    {
        await Gate.WaitAsync(ct);
        try
        {
            foreach (var study in await store.ListRunningStudiesAsync(ct))
            {
                await AdvanceAsync(study, ct);
            }
        }
        finally
        {
            Gate.Release();
        }

        await queue.PumpAsync(ct);
    }

    private async Task AdvanceAsync(Study study, CancellationToken ct)
    {
        var space = Space(study);
        var trials = (await store.ListTrialsAsync(study.Id, ct)).ToList();
        foreach (var trial in trials.Where(t => t.Status == TrainingStatus.Succeeded && t.ObjectiveValue is null))
        {
            var details = await tracking.GetRunForWorkAsync(trial.TrackingRunId, ct);
            if (details.Metric(study.ObjectiveMetric) is { } metric && !double.IsNaN(metric.RealValue))
            {
                trial.ObjectiveValue = metric.RealValue;
                await store.UpdateAsync(trial, ct);
            }
        }

        if (study.MedianPruning)
        {
            await PruneAsync(study, trials, ct);
        }

        var scored = trials.Where(t => t.ObjectiveValue is not null).ToList();
        var best = study.Direction == ObjectiveDirection.Minimize ? scored.MinBy(t => t.ObjectiveValue) : scored.MaxBy(t => t.ObjectiveValue);
        study.BestTrialId = best?.Id;
        study.BestValue = best?.ObjectiveValue;

        var sampler = Samplers.Create(study.Sampler, study.Seed, GridPoints);
        var active = trials.Count(t => !t.IsTerminal);
        var exhausted = false;
        while (trials.Count < study.MaxTrials && active < study.Parallelism)
        {
            var number = trials.Count;
            var values = sampler.Next(space, Observations(space, trials), study.Direction, number);
            if (values is null)
            {
                exhausted = true;
                break;
            }

            var request = JsonSerializer.Deserialize<TrainingRequest>(study.BaseRequestJson, TrainingService.Json)!;
            var trialRequest = Apply(request, space, values) with { Name = $"{study.Name}-trial-{number}" };
            var paramsJson = JsonSerializer.Serialize(space.ToDictionary(p => p.Name, p => p.Format(values[p.Name])));
            var run = await submissions.SubmitForWorkAsync(trialRequest, study.CreatedById, study.CreatedBy, new TrialInfo(study.Id, number, paramsJson, study.ParentTrackingRunId), ct);
            trials.Add(run);
            active++;
        }

        if (active == 0 && (trials.Count >= study.MaxTrials || exhausted || (study.Sampler == SamplerKind.Grid && trials.Count >= new GridSampler(GridPoints).Size(space))))
        {
            await FinishAsync(study, trials, best, ct);
        }
        else
        {
            await store.UpdateStudyAsync(study, ct);
        }
    }

    private async Task PruneAsync(Study study, List<TrainingRun> trials, CancellationToken ct)
    {
        var finished = new List<IReadOnlyList<(long, double)>>();
        foreach (var trial in trials.Where(t => t.Status == TrainingStatus.Succeeded))
        {
            finished.Add(await HistoryAsync(trial, study.ObjectiveMetric, ct));
        }

        foreach (var trial in trials.Where(t => t.Status == TrainingStatus.Running))
        {
            var history = await HistoryAsync(trial, study.ObjectiveMetric, ct);
            var (prune, median) = StudyMath.ShouldPrune(history, finished, study.Direction, study.PruningStartupTrials);
            if (!prune)
            {
                continue;
            }

            var (step, value) = history.MaxBy(h => h.Step);
            trial.Pruned = true;
            trial.Fail(Common.StoredMessage.Of(
                string.Create(CultureInfo.InvariantCulture, $"Pruned at step {step}: {study.ObjectiveMetric} = {value:0.####} is worse than the median {median:0.####} of finished trials."),
                "Error.Training.Pruned",
                step,
                study.ObjectiveMetric,
                value.ToString("0.####", CultureInfo.InvariantCulture),
                median.ToString("0.####", CultureInfo.InvariantCulture)));
            await store.UpdateAsync(trial, ct);
            await tracking.LogBatchForWorkAsync(trial.TrackingRunId, [], null, [new("aiplatform.pruned", "true")], ct);
            await queue.CancelForWorkAsync(trial, new Common.StoredMessage(trial.Error!, trial.ErrorKey, trial.ErrorArguments), ct);
        }
    }

    private async Task<IReadOnlyList<(long Step, double Value)>> HistoryAsync(TrainingRun trial, string metric, CancellationToken ct) =>
        (await tracking.GetMetricHistoryForWorkAsync(trial.TrackingRunId, metric, ct)).Select(m => (m.Step, m.RealValue)).ToList();

    private async Task FinishAsync(Study study, List<TrainingRun> trials, TrainingRun? best, CancellationToken ct)
    {
        study.Status = best is null && trials.All(t => t.Status != TrainingStatus.Succeeded) ? StudyStatus.Failed : StudyStatus.Succeeded;
        study.SetError(study.Status == StudyStatus.Failed
            ? Common.StoredMessage.Of($"No trial produced the objective metric '{study.ObjectiveMetric}'.", "Error.Study.NoObjective", study.ObjectiveMetric)
            : null);
        study.FinishedAt = time.GetUtcNow();
        await store.UpdateStudyAsync(study, ct);
        if (best is not null)
        {
            var values = JsonSerializer.Deserialize<Dictionary<string, string>>(best.TrialParamsJson ?? "{}")!;
            await tracking.LogBatchForWorkAsync(
                study.ParentTrackingRunId,
                [new MetricInput($"best_{study.ObjectiveMetric}", best.ObjectiveValue!.Value, null, 0)],
                values.ToDictionary(v => v.Key, v => v.Value),
                [new("aiplatform.study.best_trial", best.TrackingRunId.ToString("N")), new("aiplatform.study.trials", trials.Count.ToString(CultureInfo.InvariantCulture))],
                ct);
        }

        await tracking.UpdateRunForWorkAsync(study.ParentTrackingRunId, study.Status == StudyStatus.Succeeded ? RunStatus.Finished : RunStatus.Failed, ct);
    }

    /// <summary>The base request with the sampled values: hyperparameters for built-in trainers; <c>{name}</c> placeholders and AIP_PARAM_* variables for custom code.</summary>
    public static TrainingRequest Apply(TrainingRequest request, IReadOnlyList<SearchParameter> space, IReadOnlyDictionary<string, double> values)
    {
        if (request.Kind == TrainingKind.BuiltIn && request.BuiltIn is { } builtIn)
        {
            var hyper = new Dictionary<string, double>(builtIn.Hyperparameters ?? new Dictionary<string, double>());
            foreach (var p in space)
            {
                hyper[p.Name] = p.Type == ParameterType.Int ? Math.Round(values[p.Name]) : values[p.Name];
            }

            return request with { BuiltIn = builtIn with { Hyperparameters = hyper } };
        }

        if (request.Custom is { } custom)
        {
            var command = custom.Command;
            var environment = new Dictionary<string, string>(custom.Environment ?? new Dictionary<string, string>());
            foreach (var p in space)
            {
                var text = p.Format(values[p.Name]);
                command = command.Replace("{" + p.Name + "}", text, StringComparison.Ordinal);
                environment["AIP_PARAM_" + p.Name.ToUpperInvariant()] = text;
            }

            return request with { Custom = custom with { Command = command, Environment = environment } };
        }

        return request;
    }

    private static IReadOnlyList<SearchParameter> Space(Study study) =>
        JsonSerializer.Deserialize<List<SearchParameter>>(study.SearchSpaceJson, TrainingService.Json)!;

    /// <summary>Finished trials with an objective, with their values back in the samplers' form (category indices).</summary>
    private static List<TrialObservation> Observations(IReadOnlyList<SearchParameter> space, IEnumerable<TrainingRun> trials) =>
        trials.Where(t => t.ObjectiveValue is not null && t.TrialParamsJson is not null).Select(t =>
        {
            var text = JsonSerializer.Deserialize<Dictionary<string, string>>(t.TrialParamsJson!)!;
            var values = space.Where(p => text.ContainsKey(p.Name)).ToDictionary(
                p => p.Name,
                p => p.Type == ParameterType.Categorical ? p.Choices!.ToList().IndexOf(text[p.Name]) : double.Parse(text[p.Name], CultureInfo.InvariantCulture));
            return new TrialObservation(values, t.ObjectiveValue!.Value);
        }).ToList();
}
