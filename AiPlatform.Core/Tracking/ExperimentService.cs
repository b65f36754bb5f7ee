using System.Globalization;
using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Projects;

namespace AiPlatform.Core.Tracking;

/// <summary>
/// Experiments with MLflow's semantics: tags overwrite, deleting is soft. Rights are checked per experiment (its own
/// grants or its project's); runs take their experiment's rights (see <see cref="RunService"/>).
/// </summary>
public sealed class ExperimentService(
    AccessService access,
    ITrackingStore store,
    IProjectStore projects,
    ProjectService projectService,
    Storage.IObjectStore objects,
    TrackingAudit audit,
    TimeProvider time) : ISecurableLookup
{
    public const string DefaultProjectName = "Default";

    public string ObjectType => SecurableTypes.Experiment;

    public async Task<ExperimentPage> ListExperimentsAsync(ExperimentQuery query, CancellationToken ct)
    {
        var context = await access.RequireContextAsync(ct);
        var (items, total) = await store.ListReadableExperimentsAsync(context, query with { Limit = Math.Clamp(query.Limit, 1, TrackingLimits.MaxSearchResults), Offset = Math.Max(0, query.Offset) }, ct);
        var ids = items.Select(e => e.Id).ToList();
        var tags = (await store.ListExperimentTagsAsync(ids, ct)).ToLookup(t => t.ExperimentId);
        var counts = await store.CountRunsAsync(ids, ct);
        var projectNames = new Dictionary<Guid, string>();
        foreach (var projectId in items.Select(e => e.ProjectId).Distinct())
        {
            projectNames[projectId] = (await projects.FindAsync(projectId, ct))?.Name ?? string.Empty;
        }

        return new ExperimentPage(items.Select(e => new ExperimentSummary(e, projectNames[e.ProjectId], tags[e.Id].ToList(), counts.GetValueOrDefault(e.Id))).ToList(), total, query.Offset);
    }

    public async Task<(Experiment Experiment, PermissionLevel Level)> GetExperimentAsync(Guid id, CancellationToken ct)
    {
        var experiment = await store.FindExperimentAsync(id, ct) ?? throw new NotFoundException("Experiment", id);
        return (experiment, await LevelAsync(experiment, ct) ?? throw new NotFoundException("Experiment", id));
    }

    /// <summary>
    /// Finds an experiment by its MLflow id (a number). MLflow's default experiment <c>"0"</c> (what a client uses
    /// when no experiment is set) is the caller's own <c>Default (user)</c> experiment; with
    /// <paramref name="createDefault"/> it is made on first use in the caller's Default project.
    /// </summary>
    public async Task<Experiment> GetExperimentByMlflowIdAsync(string? mlflowId, CancellationToken ct, bool createDefault = false)
    {
        if (mlflowId == DefaultExperimentMlflowId)
        {
            return await DefaultExperimentAsync(createDefault, ct);
        }

        if (!long.TryParse(mlflowId, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
        {
            throw new NotFoundException("Experiment", mlflowId ?? string.Empty);
        }

        var experiment = await store.FindExperimentByNumberAsync(number, ct) ?? throw new NotFoundException("Experiment", mlflowId);
        return await LevelAsync(experiment, ct) is null ? throw new NotFoundException("Experiment", mlflowId) : experiment;
    }

    /// <summary>MLflow's id of the default experiment.</summary>
    public const string DefaultExperimentMlflowId = "0";

    private async Task<Experiment> DefaultExperimentAsync(bool create, CancellationToken ct)
    {
        var context = await access.RequireContextAsync(ct);
        var name = DefaultExperimentName(context.UserName);
        if (await store.FindExperimentByNameAsync(context.UserId, name, ct) is { } existing)
        {
            return existing;
        }

        return create
            ? await CreateExperimentAsync(null, name, null, ct)
            : throw new NotFoundException("Experiment", $"{DefaultExperimentMlflowId} (your default experiment '{name}' is made by your first run without an experiment)");
    }

    /// <summary>The caller's own experiment of this name, else the oldest one of that name the caller may read.</summary>
    public async Task<Experiment> GetExperimentByNameAsync(string? name, CancellationToken ct)
    {
        var context = await access.RequireContextAsync(ct);
        var candidates = await store.ListExperimentsByNameAsync(name?.Trim() ?? string.Empty, ct);
        if (candidates.FirstOrDefault(e => e.OwnerId == context.UserId) is { } own)
        {
            return own;
        }

        foreach (var experiment in candidates)
        {
            if (await LevelAsync(experiment, ct) is not null)
            {
                return experiment;
            }
        }

        throw new NotFoundException("Experiment", name ?? string.Empty);
    }

    /// <summary>The name of a user's default experiment (MLflow's experiment "0"); nobody else may take it.</summary>
    public static string DefaultExperimentName(string userName) => $"Default ({userName})";

    public async Task<IReadOnlyList<ExperimentTag>> GetExperimentTagsAsync(Guid experimentId, CancellationToken ct)
    {
        await GetExperimentAsync(experimentId, ct);
        return await store.ListExperimentTagsAsync([experimentId], ct);
    }

    public async Task<string?> GetProjectNameAsync(Guid projectId, CancellationToken ct) => (await projects.FindAsync(projectId, ct))?.Name;

    public async Task<string?> GetProjectGitUrlAsync(Guid projectId, CancellationToken ct) => (await projects.FindAsync(projectId, ct))?.GitRepositoryUrl;

    /// <summary>
    /// Creates an experiment in a project the caller may write. Without a project (MLflow clients), the
    /// <c>aiplatform.project</c> tag names one by id or name, else the caller's "Default" project is used (made on demand).
    /// </summary>
    public async Task<Experiment> CreateExperimentAsync(Guid? projectId, string? name, IReadOnlyDictionary<string, string>? tags, CancellationToken ct)
    {
        var context = await access.RequireCapabilityAsync(Capabilities.ExperimentsCreate, ct);
        var trimmed = ValidExperimentName(name);
        var tagList = (tags ?? new Dictionary<string, string>()).Select(t => new ExperimentTag
        {
            Key = NotReservedTag(TrackingLimits.ValidKey(t.Key, "Tag")),
            Value = TrackingLimits.ValidValue(t.Value, TrackingLimits.MaxExperimentTagValueLength, "Tag", t.Key),
        }).ToList();
        RequireNotReserved(context, trimmed);
        var project = await ResolveProjectAsync(context, projectId, tags?.GetValueOrDefault(TrackingLimits.ProjectTag), ct);
        await access.RequireLevelAsync(SecurableTypes.Project, project.Id, project.OwnerId, PermissionLevel.Write, ct);
        if (await store.FindExperimentByNameAsync(context.UserId, trimmed, ct) is { } existing)
        {
            throw new AlreadyExistsException(existing.LifecycleStage == LifecycleStage.Deleted
                ? $"Experiment '{trimmed}' already exists in deleted state. You can restore the experiment, or permanently delete it before creating a new one."
                : $"Experiment '{trimmed}' already exists.");
        }

        var now = time.GetUtcNow();
        var experiment = new Experiment { Id = Guid.CreateVersion7(now), Name = trimmed, ProjectId = project.Id, OwnerId = context.UserId, CreatedAt = now, UpdatedAt = now };
        tagList.ForEach(t => t.ExperimentId = experiment.Id);
        await store.AddExperimentAsync(experiment, tagList, await audit.EntryAsync("experiment.create", ObjectType, experiment.Id, new { experiment.Name, project = project.Name }, ct), ct);
        return experiment;
    }

    public async Task<Experiment> RenameExperimentAsync(Guid id, string? newName, CancellationToken ct)
    {
        var experiment = await RequireExperimentAsync(id, PermissionLevel.Write, ct);
        var trimmed = ValidExperimentName(newName);
        if (trimmed == experiment.Name)
        {
            return experiment;
        }

        RequireNotReserved(await access.RequireContextAsync(ct), trimmed, experiment.OwnerId);
        if (await store.FindExperimentByNameAsync(experiment.OwnerId, trimmed, ct) is not null)
        {
            throw new AlreadyExistsException($"Experiment '{trimmed}' already exists.");
        }

        var before = experiment.Name;
        experiment.Name = trimmed;
        experiment.UpdatedAt = time.GetUtcNow();
        await store.UpdateExperimentAsync(experiment, await audit.EntryAsync("experiment.rename", ObjectType, id, new { before, after = trimmed }, ct), ct);
        return experiment;
    }

    public async Task SetExperimentLifecycleAsync(Guid id, LifecycleStage stage, CancellationToken ct)
    {
        var experiment = await RequireExperimentAsync(id, PermissionLevel.Manage, ct);
        if (experiment.LifecycleStage == stage)
        {
            throw new ValidationException("experiment_id", stage == LifecycleStage.Deleted
                ? $"Cannot delete an already deleted experiment: {experiment.MlflowId}."
                : $"Cannot restore an active experiment: {experiment.MlflowId}.");
        }

        experiment.LifecycleStage = stage;
        experiment.UpdatedAt = time.GetUtcNow();
        await store.UpdateExperimentAsync(experiment, await audit.EntryAsync(stage == LifecycleStage.Deleted ? "experiment.delete" : "experiment.restore", ObjectType, id, new { experiment.Name }, ct), ct);
    }

    /// <summary>Removes a deleted experiment for good: its runs, metrics, artifacts and grants (MLflow's <c>gc</c>).</summary>
    public async Task PurgeExperimentAsync(Guid id, CancellationToken ct)
    {
        var experiment = await RequireExperimentAsync(id, PermissionLevel.Manage, ct);
        if (experiment.LifecycleStage != LifecycleStage.Deleted)
        {
            throw new ValidationException("experiment_id", "Delete the experiment first; only deleted experiments can be removed permanently.");
        }

        var keys = await store.PurgeExperimentAsync(id, await audit.EntryAsync("experiment.purge", ObjectType, id, new { experiment.Name }, ct), ct);
        foreach (var key in keys)
        {
            await objects.DeleteAsync(Storage.ObjectKey.Parse(key), CancellationToken.None);
        }
    }

    public async Task SetExperimentTagAsync(Guid id, string? key, string? value, CancellationToken ct)
    {
        var experiment = await RequireExperimentAsync(id, PermissionLevel.Write, ct);
        RequireActive(experiment);
        var tag = new ExperimentTag
        {
            ExperimentId = id,
            Key = NotReservedTag(TrackingLimits.ValidKey(key, "Tag")),
            Value = TrackingLimits.ValidValue(value, TrackingLimits.MaxExperimentTagValueLength, "Tag", key!),
        };
        await store.SetExperimentTagAsync(tag, time.GetUtcNow(), ct);
        await audit.RecordAsync("experiment.tag.set", ObjectType, id, new { tag.Key, tag.Value }, ct);
    }

    public async Task DeleteExperimentTagAsync(Guid id, string? key, CancellationToken ct)
    {
        var experiment = await RequireExperimentAsync(id, PermissionLevel.Write, ct);
        RequireActive(experiment);
        NotReservedTag(key ?? string.Empty);
        if (!await store.DeleteExperimentTagAsync(id, key ?? string.Empty, ct))
        {
            throw new NotFoundException("Experiment tag", key ?? string.Empty);
        }

        await audit.RecordAsync("experiment.tag.delete", ObjectType, id, new { key }, ct);
    }

    public async Task<ExperimentKeys> ListKeysAsync(Guid experimentId, CancellationToken ct)
    {
        await GetExperimentAsync(experimentId, ct);
        var (metrics, parameters, tags) = await store.ListKeysAsync(experimentId, ct);
        return new ExperimentKeys(metrics, parameters, tags);
    }

    async Task<SecurableObject?> ISecurableLookup.FindAsync(Guid id, CancellationToken ct) =>
        await store.FindExperimentAsync(id, ct) is { } e ? await SecurableAsync(e, ct) : null;

    // ---- internals ----

    /// <summary>
    /// Refuses tag keys starting with <see cref="Tracing.TraceService.ReservedTagPrefix"/>, for everyone (admins
    /// too): the platform's own mark of a private trace experiment must not be set, changed or removed by a user.
    /// </summary>
    private static string NotReservedTag(string key) =>
        key.StartsWith(Tracing.TraceService.ReservedTagPrefix, StringComparison.OrdinalIgnoreCase)
            ? throw new ValidationException("key", $"Tag keys starting with '{Tracing.TraceService.ReservedTagPrefix}' are reserved for the platform.") { MessageKey = "Error.ReservedTagKey" }
            : key;

    /// <summary>The caller's level on the experiment: its own grants or its project's, whichever is better.</summary>
    public async Task<PermissionLevel?> LevelAsync(Experiment experiment, CancellationToken ct) => await access.GetLevelAsync(await SecurableAsync(experiment, ct), ct);

    internal async Task<Experiment> RequireExperimentAsync(Guid id, PermissionLevel required, CancellationToken ct)
    {
        var experiment = await store.FindExperimentAsync(id, ct) ?? throw new NotFoundException("Experiment", id);
        await access.RequireLevelAsync(await SecurableAsync(experiment, ct), required, ct);
        return experiment;
    }

    private async Task<SecurableObject> SecurableAsync(Experiment experiment, CancellationToken ct)
    {
        var project = await projects.FindAsync(experiment.ProjectId, ct);
        return new SecurableObject(ObjectType, experiment.Id, experiment.Name, experiment.OwnerId,
            project is null ? null : new SecurableObject(SecurableTypes.Project, project.Id, project.Name, project.OwnerId));
    }

    internal async Task<IReadOnlyCollection<Guid>> ReadableExperimentIdsAsync(IReadOnlyCollection<Guid> experimentIds, CancellationToken ct)
    {
        var ids = new List<Guid>();
        foreach (var id in experimentIds.Distinct())
        {
            if (await store.FindExperimentAsync(id, ct) is { } e && await LevelAsync(e, ct) is not null)
            {
                ids.Add(id);
            }
        }

        return ids;
    }

    private async Task<Project> ResolveProjectAsync(AccessContext context, Guid? projectId, string? projectTag, CancellationToken ct)
    {
        if (projectId is { } id)
        {
            return (await projectService.GetAsync(id, ct)).Project;
        }

        if (!string.IsNullOrWhiteSpace(projectTag))
        {
            if (Guid.TryParse(projectTag, out var tagged))
            {
                return (await projectService.GetAsync(tagged, ct)).Project;
            }

            var byName = await projectService.ListAsync(projectTag.Trim(), new PageRequest(0, PageRequest.DefaultMaxPageSize), ct);
            return byName.Items.FirstOrDefault(p => string.Equals(p.Name, projectTag.Trim(), StringComparison.OrdinalIgnoreCase))
                ?? throw new ValidationException("tags", $"No project named '{projectTag}' that you may see (the {TrackingLimits.ProjectTag} tag).");
        }

        var mine = await projectService.ListAsync(DefaultProjectName, new PageRequest(0, PageRequest.DefaultMaxPageSize), ct);
        if (mine.Items.FirstOrDefault(p => p.OwnerId == context.UserId && p.Name == DefaultProjectName) is { } own)
        {
            return own;
        }

        if (!context.Has(Capabilities.ProjectsCreate))
        {
            throw new ValidationException("tags", $"Name a project you may write with the {TrackingLimits.ProjectTag} tag; you have no '{DefaultProjectName}' project and may not create one.");
        }

        return await projectService.CreateAsync(DefaultProjectName, null, ct); // the description is the UI's, localized
    }

    /// <summary>
    /// "Default (someone)" is someone's default experiment: only its owner may have an experiment of that name, so that
    /// nobody can make another user's MLflow runs without an experiment land in (or fail on) a squatted experiment.
    /// </summary>
    private static void RequireNotReserved(AccessContext context, string name, Guid? ownerId = null)
    {
        if (!name.StartsWith("Default (", StringComparison.OrdinalIgnoreCase) || !name.EndsWith(')'))
        {
            return;
        }

        var own = ownerId is null || ownerId == context.UserId ? context.UserName : null;
        if (own is null || !string.Equals(name, DefaultExperimentName(own), StringComparison.Ordinal))
        {
            throw new ValidationException("name", "Names like 'Default (user)' are reserved for each user's default experiment.") { MessageKey = "Error.ReservedExperimentName" };
        }
    }

    private static string ValidExperimentName(string? name)
    {
        var trimmed = name?.Trim() ?? string.Empty;
        return trimmed.Length switch
        {
            0 => throw new ValidationException("name", "Invalid experiment name: ''. An experiment name has 1 to 500 characters."),
            > TrackingLimits.MaxExperimentNameLength => throw new ValidationException("name", "An experiment name has 1 to 500 characters."),
            _ => trimmed,
        };
    }

    private static void RequireActive(Experiment experiment)
    {
        if (experiment.LifecycleStage != LifecycleStage.Active)
        {
            throw new ValidationException("experiment_id", $"The experiment {experiment.MlflowId} must be in the 'active' state. Current state is deleted.");
        }
    }
}
