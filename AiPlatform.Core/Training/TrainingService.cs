using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using AiPlatform.Core.Storage;
using AiPlatform.Core.Tracking;

namespace AiPlatform.Core.Training;

/// <summary>A request to train: built-in (dataset version + spec) or custom (command + code).</summary>
public sealed record TrainingRequest(
    Guid ExperimentId,
    string? Name,
    TrainingKind Kind,
    BuiltInSpec? BuiltIn,
    CustomSpec? Custom,
    Guid? DatasetId,
    Guid? DatasetVersionId,
    TrainingBackendKind Backend = TrainingBackendKind.Local,
    int Priority = 0);

/// <summary>A backend's queue and capacity for the training pages and the dashboard.</summary>
public sealed record BackendStatus(TrainingBackendKind Kind, int MaxConcurrency, int Queued, int Active, GpuCapacity? Gpus);

/// <summary>A training run as pages and the API show it: with its place in the queue while it waits.</summary>
public sealed record TrainingRunView(TrainingRun Run, PermissionLevel Level, int? QueuePosition, string ExperimentName);

/// <summary>
/// Submitting, listing, cancelling and re-running trainings. Rights are those of the experiment a training logs
/// into; submitting needs Write there, the <c>jobs.start</c> capability and Read on the dataset version; custom code
/// (uploaded, from Git, or a command) needs <c>training.custom-code</c> as well.
/// </summary>
public sealed class TrainingService(
    AccessService access,
    ITrainingStore store,
    ExperimentService experiments,
    RunService tracking,
    RunInputService runInputs,
    DatasetService datasets,
    IDatasetStore datasetStore,
    IBuiltInTrainer trainer,
    IEnumerable<ITrainingBackend> backends,
    TrainingQueue queue,
    Jobs.JobService jobs,
    Jobs.IJobStore jobStore,
    IObjectStore objects,
    AuditRecorder audit,
    IAuditStore auditStore,
    TimeProvider time,
    TrainingSettings settings)
{
    public const string SecurableType = "training-run";
    public const int MaxPriority = 100;
    public const long MaxCodeBytes = 512L * 1024 * 1024;

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

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

        var run = await SubmitCoreAsync(request, context.UserId, context.UserName, null, ct);
        await queue.PumpAsync(ct);
        return await store.FindAsync(run.Id, ct) ?? run;
    }

    /// <summary>Whether the current user may run custom code (<c>training.custom-code</c>), for the pages to offer it or explain why not.</summary>
    public async Task<bool> CanRunCustomCodeAsync(CancellationToken ct) => (await access.FindContextAsync(ct))?.Has(Capabilities.TrainingCustomCode) == true;

    internal async Task CheckDatasetReadableAsync(Guid datasetId, Guid versionId, CancellationToken ct) => await datasets.GetVersionAsync(datasetId, versionId, ct);

    /// <summary>Checks a request without queueing it (a study checks its base request this way).</summary>
    internal async Task<string> ValidateAsync(TrainingRequest request, CancellationToken ct) => (await CheckAsync(request, ct)).Spec;

    /// <summary>A trial of a study, queued for the study's owner (whose rights were checked when the study was created).</summary>
    internal Task<TrainingRun> SubmitForWorkAsync(TrainingRequest request, Guid userId, string userName, TrialInfo trial, CancellationToken ct) =>
        SubmitCoreAsync(request, userId, userName, trial, ct);

    /// <summary>What makes a training run a study's trial.</summary>
    internal sealed record TrialInfo(Guid StudyId, int Number, string ParamsJson, Guid ParentTrackingRunId);

    private async Task<(string Spec, DatasetVersion? Version, Tracking.Experiment Experiment)> CheckAsync(TrainingRequest request, CancellationToken ct)
    {
        var experiment = await tracking.FindExperimentForWorkAsync(request.ExperimentId, ct);
        if (request.Priority is < 0 or > MaxPriority)
        {
            throw new ValidationException("priority", $"The priority is 0 to {MaxPriority}.");
        }

        if (!Enum.IsDefined(request.Backend))
        {
            throw new ValidationException("backend", "Unknown backend.");
        }

        if (request.Kind == TrainingKind.BuiltIn && request.Backend != TrainingBackendKind.Local)
        {
            throw new ValidationException("backend", "Built-in trainers run on the Local backend.");
        }

        if (backends.All(b => b.Kind != request.Backend))
        {
            throw new ValidationException("backend", $"The {request.Backend} backend is not configured here (see Training:Kubernetes in the operations guide).");
        }

        DatasetVersion? version = null;
        if (request.DatasetId is { } datasetId && request.DatasetVersionId is { } versionId)
        {
            version = await datasetStore.FindVersionAsync(datasetId, versionId, ct) ?? throw new NotFoundException("Dataset version", versionId);
        }
        else if (request.DatasetId is not null || request.DatasetVersionId is not null)
        {
            throw new ValidationException("datasetVersionId", "Give both the dataset and its version.");
        }

        string spec;
        switch (request.Kind)
        {
            case TrainingKind.BuiltIn:
                var builtIn = request.BuiltIn ?? throw new ValidationException("builtIn", "A built-in training needs its settings (task, trainer, label, features).");
                if (version is null)
                {
                    throw new ValidationException("datasetVersionId", "A built-in training needs a dataset version.");
                }

                if (builtIn.TestFraction is <= 0 or >= 0.9 && builtIn.Folds == 0)
                {
                    throw new ValidationException("testFraction", "The holdout fraction is between 0 and 0.9.");
                }

                if (builtIn.Folds is 1 or < 0 or > 20)
                {
                    throw new ValidationException("folds", "Use 0 for a holdout split, or 2 to 20 folds.");
                }

                trainer.Validate(builtIn, version.Columns);
                spec = JsonSerializer.Serialize(builtIn, Json);
                break;
            case TrainingKind.Custom:
                var custom = request.Custom ?? throw new ValidationException("custom", "A custom training needs a command.");
                if (string.IsNullOrWhiteSpace(custom.Command) || custom.Command.Length > 4000)
                {
                    throw new ValidationException("command", "The command has 1 to 4000 characters.");
                }

                if (custom.CodeKey is { } key && (!key.StartsWith("training-code/", StringComparison.Ordinal) || !ObjectKey.TryParse(key, out _) || await objects.StatAsync(ObjectKey.Parse(key), ct) is null))
                {
                    throw new ValidationException("codeKey", "Upload the code first; the key is not one of the platform's code uploads.");
                }

                if (custom.GitUrl is { } git)
                {
                    GitUrlPolicy.Check(git, settings);
                }

                if (custom.GitRef is { } gitRef)
                {
                    GitUrlPolicy.CheckRef(gitRef);
                }

                if (custom.CodeKey is not null && custom.GitUrl is not null)
                {
                    throw new ValidationException("codeKey", "Take the code from an upload or from Git, not both.");
                }

                if (custom.Environment?.Keys.FirstOrDefault(k => !IsEnvName(k) || k.StartsWith("MLFLOW_", StringComparison.Ordinal) || (k.StartsWith("AIP_", StringComparison.Ordinal) && !k.StartsWith("AIP_PARAM_", StringComparison.Ordinal))) is { } bad)
                {
                    throw new ValidationException("environment", $"'{bad}' is not a variable you may set (names are letters, digits and _; MLFLOW_* and AIP_* are set by the platform).");
                }

                if (custom.Environment?.Keys.FirstOrDefault(IsLoaderVariable) is { } loader)
                {
                    throw new ValidationException("environment", $"'{loader}' is not a variable you may set: it changes how programs load (LD_*, GCONV_PATH, GLIBC_TUNABLES, MALLOC_*, LOCPATH, NLSPATH, HOSTALIASES, RES_OPTIONS, BASH_ENV, ENV).");
                }

                if (custom.Environment?.FirstOrDefault(e => e.Value is null || e.Value.Contains('\0', StringComparison.Ordinal) || e.Value.Length > 32_768) is { Key: { } badValue })
                {
                    throw new ValidationException("environment", $"The value of '{badValue}' has no NUL character and at most 32768 characters.");
                }

                if (custom.Workers is < 1 or > 64 || custom.Gpus is < 0 or > 16 || custom.Cpu is < 0 or > 256 || custom.MemoryMb is < 0 or > 4_194_304)
                {
                    throw new ValidationException("custom", "Workers are 1 to 64, GPUs 0 to 16 per worker, CPU 0 to 256 cores, memory up to 4 TiB.");
                }

                if ((custom.Workers > 1 || custom.Gpus > 0 || custom.Image is not null) && request.Backend == TrainingBackendKind.Local)
                {
                    throw new ValidationException("backend", "Images, GPUs and several workers need the Kubernetes backend.");
                }

                if (custom.Image is { } image && (image.Length > 300 || image.Any(char.IsWhiteSpace)))
                {
                    throw new ValidationException("image", "An image reference has no spaces and at most 300 characters.");
                }

                if (await backends.First(b => b.Kind == request.Backend).CheckCustomCodeAsync(ct) is { } refusal)
                {
                    throw new SandboxUnavailableException(refusal) { MessageKey = "Error.SandboxUnavailable" };
                }

                spec = JsonSerializer.Serialize(custom, Json);
                break;
            default:
                throw new ValidationException("kind", "The kind is BuiltIn or Custom.");
        }

        return (spec, version, experiment);
    }

    private async Task<TrainingRun> SubmitCoreAsync(TrainingRequest request, Guid userId, string userName, TrialInfo? trial, CancellationToken ct)
    {
        var (spec, version, experiment) = await CheckAsync(request, ct);
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

        var trackingRun = await tracking.CreateRunForWorkAsync(experiment.Id, userId, userName, name, tags, ct);
        await tracking.UpdateRunForWorkAsync(trackingRun.Run.Id, RunStatus.Scheduled, ct);
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
        await store.AddAsync(run, await audit.EntryAsync("training.submit", SecurableType, run.Id, new { run.Name, run.Kind, run.Backend, experiment = experiment.Name, study = trial?.StudyId }, ct), ct);
        return run;
    }

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
        if (run.Status == TrainingStatus.Queued)
        {
            run.Status = TrainingStatus.Cancelled;
            run.FinishedAt = time.GetUtcNow();
            run.Error = "Cancelled while queued.";
            await store.UpdateAsync(run, entry, ct);
            await tracking.UpdateRunForWorkAsync(run.TrackingRunId, RunStatus.Killed, ct);
        }
        else if (run.JobId is { } jobId)
        {
            await jobs.RequestCancelForWorkAsync(jobId, (await access.RequireContextAsync(ct)).UserName, entry, ct);
        }

        return await store.FindAsync(id, ct) ?? run;
    }

    /// <summary>Stops a run for platform work (a study cancelled or pruning a trial).</summary>
    internal async Task CancelForWorkAsync(TrainingRun run, string reason, CancellationToken ct)
    {
        if (run.IsTerminal)
        {
            return;
        }

        if (run.Status == TrainingStatus.Queued)
        {
            run.Status = TrainingStatus.Cancelled;
            run.FinishedAt = time.GetUtcNow();
            run.Error = reason;
            await store.UpdateAsync(run, ct);
            await tracking.UpdateRunForWorkAsync(run.TrackingRunId, RunStatus.Killed, ct);
        }
        else if (run.JobId is { } jobId)
        {
            await jobs.RequestCancelForWorkAsync(jobId, reason, null, ct);
        }
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

    /// <summary>The code archive of a custom run, for a remote backend's init container (Read on the experiment).</summary>
    public async Task<Stream> OpenCodeAsync(Guid id, CancellationToken ct)
    {
        var run = (await GetAsync(id, ct)).Run;
        var spec = run.Kind == TrainingKind.Custom ? JsonSerializer.Deserialize<CustomSpec>(run.SpecJson, Json) : null;
        return spec?.CodeKey is { } key ? await objects.OpenReadAsync(ObjectKey.Parse(key), ct) : throw new NotFoundException("Training code", id);
    }

    /// <summary>The dataset file of a run, for a remote backend's init container (Read on the experiment and the dataset).</summary>
    public async Task<(Stream Content, string FileName)> OpenDataAsync(Guid id, CancellationToken ct)
    {
        var run = (await GetAsync(id, ct)).Run;
        if (run.DatasetId is not { } datasetId || run.DatasetVersionId is not { } versionId)
        {
            throw new NotFoundException("Training data", id);
        }

        var version = await datasets.GetVersionAsync(datasetId, versionId, ct);
        return (await objects.OpenReadAsync(ObjectKey.Parse(version.ObjectKey), ct), $"data.{version.Format.Extension()}");
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

    /// <summary>Runs the same training again as a new run (retry / reproduce).</summary>
    public async Task<TrainingRun> RetryAsync(Guid id, CancellationToken ct)
    {
        var clone = await CloneRequestAsync(id, ct);
        var run = await SubmitAsync(clone, ct);
        run.ClonedFromId = id;
        await store.UpdateAsync(run, ct);
        return run;
    }

    /// <summary>Stores a zip of training code; returns the key to put in <see cref="CustomSpec.CodeKey"/>.</summary>
    public async Task<string> UploadCodeAsync(Stream zip, long? length, CancellationToken ct)
    {
        await access.RequireCapabilityAsync(Capabilities.JobsStart, ct);
        await access.RequireCapabilityAsync(Capabilities.TrainingCustomCode, ct);
        if (length > MaxCodeBytes)
        {
            throw new ValidationException("code", $"Code archives are at most {MaxCodeBytes / 1048576} MB.");
        }

        var staged = await objects.StageAsync(zip, length, "application/zip", ct);
        var key = ObjectKey.Create("training-code", $"{Guid.CreateVersion7(time.GetUtcNow()):N}.zip");
        try
        {
            if (staged.Size is 0 or > MaxCodeBytes)
            {
                throw new ValidationException("code", "The archive is empty or too large.");
            }

            await using (var head = await objects.OpenReadAsync(staged.TemporaryKey, ct))
            {
                var magic = new byte[4];
                if (await head.ReadAtLeastAsync(magic, 4, false, ct) < 4 || magic[0] != 'P' || magic[1] != 'K')
                {
                    throw new ValidationException("code", "Upload the code as a .zip file.");
                }
            }

            await objects.CommitAsync(staged, key, ct);
        }
        catch
        {
            await objects.DiscardAsync(staged, CancellationToken.None);
            throw;
        }

        // The object store has no transaction to share: the entry follows the stored archive.
        await auditStore.AddAsync(await audit.EntryAsync("training.code.upload", SecurableType, null, new { codeKey = key.Value, bytes = staged.Size }, ct), ct);
        return key.Value;
    }

    /// <summary>Variables the dynamic loader, the C library or a shell act on at start-up; a run may not set them.</summary>
    internal static bool IsLoaderVariable(string name) =>
        name.StartsWith("LD_", StringComparison.OrdinalIgnoreCase) || name.StartsWith("MALLOC_", StringComparison.OrdinalIgnoreCase)
        || name.ToUpperInvariant() is "GCONV_PATH" or "GLIBC_TUNABLES" or "LOCPATH" or "NLSPATH" or "HOSTALIASES" or "RES_OPTIONS" or "BASH_ENV" or "ENV" or "LOCALDOMAIN" or "TZDIR";

    private static bool IsEnvName(string name) => name.Length is > 0 and <= 100 && (char.IsAsciiLetter(name[0]) || name[0] == '_') && name.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');
}
