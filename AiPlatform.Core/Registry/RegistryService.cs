using System.Text.Json;
using System.Text.RegularExpressions;
using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Core.Storage;
using AiPlatform.Core.Tracking;

namespace AiPlatform.Core.Registry;

/// <summary>A model with its tags, versions and aliases, and the caller's level on it.</summary>
public sealed record ModelDetails(RegisteredModel Model, PermissionLevel Level, IReadOnlyList<RegisteredModelTag> Tags, IReadOnlyList<ModelVersion> Versions, IReadOnlyList<ModelAlias> Aliases);

/// <summary>A version with its tags, files and aliases.</summary>
public sealed record VersionDetails(RegisteredModel Model, ModelVersion Version, IReadOnlyList<ModelVersionTag> Tags, IReadOnlyList<ModelFile> Files, IReadOnlyList<string> Aliases)
{
    public ModelSignature? Signature => Version.SignatureJson is null ? null : JsonSerializer.Deserialize<ModelSignature>(Version.SignatureJson, RegistryService.Json);

    public OnnxGraphFacts? GraphFacts => Version.GraphFactsJson is null ? null : JsonSerializer.Deserialize<OnnxGraphFacts>(Version.GraphFactsJson, RegistryService.Json);

    public ConversionReport? Conversion => Version.ConversionReportJson is null ? null : JsonSerializer.Deserialize<ConversionReport>(Version.ConversionReportJson, RegistryService.Json);
}

/// <summary>
/// The model registry: registered models (securable) and their versions, registered from a run's artifacts or an
/// uploaded file. A version's files are copied under the registry's own keys, so deleting the run's artifacts does
/// not break it; its signature is read from the files. Stages keep a full history; aliases point at versions.
/// </summary>
public sealed partial class RegistryService(
    AccessService access,
    IRegistryStore store,
    RunService tracking,
    ArtifactService artifacts,
    IObjectStore objects,
    IScratchSpace scratch,
    IModelInspector inspector,
    AuditRecorder audit,
    IAuditStore auditTrail,
    TimeProvider time) : ISecurableLookup
{
    public const string ModelType = SecurableTypes.RegisteredModel;

    /// <summary>Records a change whose store call carries no audit entry of its own (tags, descriptions).</summary>
    private async Task RecordAsync(string action, Guid modelId, object? changes, CancellationToken ct) =>
        await auditTrail.AddAsync(await audit.EntryAsync(action, ModelType, modelId, changes, ct), ct);

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    public string ObjectType => ModelType;

    // ---- models ----

    public async Task<(IReadOnlyList<RegisteredModel> Items, int Total)> ListModelsAsync(string? search, int offset, int limit, CancellationToken ct) =>
        await store.ListReadableModelsAsync(await access.RequireContextAsync(ct), search, Math.Max(0, offset), Math.Clamp(limit, 1, 1000), ct);

    public async Task<RegisteredModel> CreateModelAsync(string? name, string? description, IReadOnlyDictionary<string, string>? tags, CancellationToken ct)
    {
        var context = await access.RequireCapabilityAsync(Capabilities.ModelsCreate, ct);
        var trimmed = ValidName(name);
        if (await store.FindModelByNameAsync(trimmed, ct) is not null)
        {
            throw new AlreadyExistsException($"Registered Model (name={trimmed}) already exists.");
        }

        var now = time.GetUtcNow();
        var model = new RegisteredModel { Id = Guid.CreateVersion7(now), Name = trimmed, Description = ValidDescription(description), OwnerId = context.UserId, CreatedAt = now, UpdatedAt = now };
        var tagRows = (tags ?? new Dictionary<string, string>()).Select(t => new RegisteredModelTag { ModelId = model.Id, Key = TrackingLimits.ValidKey(t.Key, "Tag"), Value = TrackingLimits.ValidValue(t.Value, TrackingLimits.MaxRunTagValueLength, "Tag", t.Key) }).ToList();
        await store.AddModelAsync(model, tagRows, await audit.EntryAsync("model.create", ModelType, model.Id, new { model.Name }, ct), ct);
        return model;
    }

    public async Task<ModelDetails> GetModelAsync(Guid id, CancellationToken ct)
    {
        var model = await store.FindModelAsync(id, ct) ?? throw new NotFoundException("Registered model", id);
        return await DetailsAsync(model, ct);
    }

    public async Task<ModelDetails> GetModelByNameAsync(string? name, CancellationToken ct)
    {
        var model = await store.FindModelByNameAsync(name ?? string.Empty, ct) ?? throw new NotFoundException("Registered Model", name ?? string.Empty);
        return await DetailsAsync(model, ct);
    }

    public async Task<RegisteredModel> UpdateModelAsync(Guid id, string? newName, string? description, CancellationToken ct)
    {
        var model = (await RequireModelAsync(id, PermissionLevel.Write, ct)).Model;
        if (newName is not null)
        {
            var trimmed = ValidName(newName);
            if (trimmed != model.Name && await store.FindModelByNameAsync(trimmed, ct) is not null)
            {
                throw new AlreadyExistsException($"Registered Model (name={trimmed}) already exists.");
            }

            model.Name = trimmed;
        }

        if (description is not null)
        {
            model.Description = ValidDescription(description);
        }

        model.UpdatedAt = time.GetUtcNow();
        await store.UpdateModelAsync(model, await audit.EntryAsync("model.update", ModelType, id, new { model.Name }, ct), ct);
        return model;
    }

    public async Task DeleteModelAsync(Guid id, CancellationToken ct)
    {
        var model = (await RequireModelAsync(id, PermissionLevel.Manage, ct)).Model;
        foreach (var key in await store.DeleteModelAsync(id, await audit.EntryAsync("model.delete", ModelType, id, new { model.Name }, ct), ct))
        {
            await objects.DeleteAsync(ObjectKey.Parse(key), CancellationToken.None);
        }
    }

    public async Task SetModelTagAsync(Guid id, string? key, string? value, CancellationToken ct)
    {
        await RequireModelAsync(id, PermissionLevel.Write, ct);
        await store.SetModelTagAsync(new RegisteredModelTag { ModelId = id, Key = TrackingLimits.ValidKey(key, "Tag"), Value = TrackingLimits.ValidValue(value, TrackingLimits.MaxRunTagValueLength, "Tag", key!) }, ct);
        await RecordAsync("model.tag.set", id, new { key, value }, ct);
    }

    public async Task DeleteModelTagAsync(Guid id, string? key, CancellationToken ct)
    {
        await RequireModelAsync(id, PermissionLevel.Write, ct);
        if (!await store.DeleteModelTagAsync(id, key ?? string.Empty, ct))
        {
            throw new NotFoundException("Registered model tag", key ?? string.Empty);
        }

        await RecordAsync("model.tag.delete", id, new { key }, ct);
    }

    // ---- versions ----

    /// <summary>
    /// Registers the files under a path of a run's artifacts (<c>runs:/&lt;run&gt;/&lt;path&gt;</c> or the run's
    /// <c>mlflow-artifacts:/&lt;exp&gt;/&lt;run&gt;/artifacts/&lt;path&gt;</c> URI) as the model's next version. Needs Write on
    /// the model and Read on the run. A source whose files cannot be read as a model becomes FAILED_REGISTRATION.
    /// </summary>
    public async Task<ModelVersion> CreateVersionFromRunAsync(Guid modelId, string? source, string? runIdText, string? description, IReadOnlyDictionary<string, string>? tags, CancellationToken ct)
    {
        var model = (await RequireModelAsync(modelId, PermissionLevel.Write, ct)).Model;
        var (runId, path) = ParseSource(source, runIdText);
        var run = await tracking.GetRunAsync(runId, ct);
        var prefix = ArtifactService.NormalizePath(path, true);
        var listing = await ListRecursiveAsync(run.Run.Id, prefix, ct);
        if (listing.Count == 0)
        {
            throw new ValidationException("source", $"The run has no artifacts under '{prefix}'.");
        }

        var copied = new List<(string Path, Func<CancellationToken, Task<Stream>> Open, long Size)>();
        foreach (var entry in listing)
        {
            var relative = prefix.Length == 0 ? entry.Path : entry.Path.Length == prefix.Length ? Path.GetFileName(entry.Path) : entry.Path[(prefix.Length + 1)..];
            copied.Add((relative, async c => (await artifacts.OpenAsync(run.Run.Id, entry.Path, c)).Content, entry.Size ?? 0));
        }

        return await AddVersionAsync(model, source ?? $"runs:/{run.Run.MlflowId}/{prefix}", run.Run.Id, description, tags, copied, ct);
    }

    /// <summary>Registers an uploaded ONNX file (<c>.onnx</c>) or ML.NET model (<c>.zip</c>) as the next version.</summary>
    public async Task<ModelVersion> CreateVersionFromUploadAsync(Guid modelId, string? fileName, Stream content, string? description, CancellationToken ct)
    {
        var model = (await RequireModelAsync(modelId, PermissionLevel.Write, ct)).Model;
        var name = ObjectKey.SafeSegment(fileName);
        if (!name.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) && !name.EndsWith(".zip", StringComparison.OrdinalIgnoreCase))
        {
            throw new ValidationException("fileName", "Upload an ONNX model (.onnx) or an ML.NET model (.zip).");
        }

        var local = scratch.NewFilePath(Path.GetExtension(name).TrimStart('.'));
        try
        {
            await using (var file = File.Create(local))
            {
                await content.CopyToAsync(file, ct);
            }

            var target = name.EndsWith(".onnx", StringComparison.OrdinalIgnoreCase) ? "model.onnx" : "model.zip";
            return await AddVersionAsync(model, $"upload:{name}", null, description, null, [(target, c => Task.FromResult<Stream>(File.OpenRead(local)), new FileInfo(local).Length)], ct);
        }
        finally
        {
            File.Delete(local);
        }
    }

    public async Task<VersionDetails> GetVersionAsync(Guid modelId, int version, CancellationToken ct)
    {
        var details = await GetModelAsync(modelId, ct);
        var row = details.Versions.FirstOrDefault(v => v.Version == version) ?? throw new NotFoundException("Model Version", $"{details.Model.Name}/{version}");
        return new VersionDetails(details.Model, row, await store.ListVersionTagsAsync([row.Id], ct), await store.ListFilesAsync(row.Id, ct), details.Aliases.Where(a => a.Version == version).Select(a => a.Alias).ToList());
    }

    /// <summary>Versions of readable models, optionally of one model or one run.</summary>
    public async Task<IReadOnlyList<(RegisteredModel Model, ModelVersion Version)>> SearchVersionsAsync(string? modelName, Guid? runId, CancellationToken ct)
    {
        IReadOnlyList<RegisteredModel> models = modelName is not null
            ? [(await GetModelByNameAsync(modelName, ct)).Model]
            : (await ListModelsAsync(null, 0, 1000, ct)).Items;
        var byId = models.ToDictionary(m => m.Id);
        return (await store.ListVersionsAsync(byId.Keys.ToList(), runId, ct)).Select(v => (byId[v.ModelId], v)).ToList();
    }

    public async Task<ModelVersion> UpdateVersionAsync(Guid modelId, int version, string? description, CancellationToken ct)
    {
        var row = await RequireVersionAsync(modelId, version, PermissionLevel.Write, ct);
        row.Description = ValidDescription(description);
        row.UpdatedAt = time.GetUtcNow();
        await store.UpdateVersionAsync(row, ct);
        await RecordAsync("model.version.update", modelId, new { version, description = row.Description }, ct);
        return row;
    }

    /// <summary>
    /// Moves a version to a stage; with <paramref name="archiveExisting"/> the versions in that stage (Staging or
    /// Production) move to Archived. Every change is recorded with who, when, from and to.
    /// </summary>
    public async Task<ModelVersion> TransitionStageAsync(Guid modelId, int version, ModelStage stage, bool archiveExisting, CancellationToken ct)
    {
        var row = await RequireVersionAsync(modelId, version, PermissionLevel.Write, ct);
        if (!Enum.IsDefined(stage))
        {
            throw new ValidationException("stage", "The stage is None, Staging, Production or Archived.");
        }

        if (row.Status != ModelVersionStatus.Ready && stage is ModelStage.Staging or ModelStage.Production)
        {
            throw new ValidationException("stage", $"Version {version} is {row.Status}; only READY versions can move to {stage}.");
        }

        var context = await access.RequireContextAsync(ct);
        var now = time.GetUtcNow();
        var changed = new List<ModelVersion>();
        var history = new List<StageTransition>();
        void Move(ModelVersion v, ModelStage to, string? reason)
        {
            history.Add(new StageTransition { Id = Guid.CreateVersion7(now), ModelId = modelId, VersionId = v.Id, Version = v.Version, From = v.Stage, To = to, By = context.UserName, At = now, Reason = reason });
            v.Stage = to;
            v.UpdatedAt = now;
            changed.Add(v);
        }

        if (row.Stage != stage)
        {
            Move(row, stage, null);
        }

        if (archiveExisting && stage is ModelStage.Staging or ModelStage.Production)
        {
            foreach (var other in (await store.ListVersionsAsync([modelId], null, ct)).Where(v => v.Stage == stage && v.Id != row.Id))
            {
                Move(other, ModelStage.Archived, $"version {version} moved to {stage}");
            }
        }

        await store.SaveTransitionsAsync(changed, history, await audit.EntryAsync("model.stage", ModelType, modelId, new { version, stage, archiveExisting }, ct), ct);
        return row;
    }

    public async Task<IReadOnlyList<StageTransition>> ListTransitionsAsync(Guid modelId, CancellationToken ct)
    {
        await GetModelAsync(modelId, ct);
        return await store.ListTransitionsAsync(modelId, ct);
    }

    public async Task DeleteVersionAsync(Guid modelId, int version, CancellationToken ct)
    {
        var row = await RequireVersionAsync(modelId, version, PermissionLevel.Write, ct);
        foreach (var key in await store.DeleteVersionAsync(row, await audit.EntryAsync("model.version.delete", ModelType, modelId, new { version }, ct), ct))
        {
            await objects.DeleteAsync(ObjectKey.Parse(key), CancellationToken.None);
        }
    }

    public async Task SetVersionTagAsync(Guid modelId, int version, string? key, string? value, CancellationToken ct)
    {
        var row = await RequireVersionAsync(modelId, version, PermissionLevel.Write, ct);
        await store.SetVersionTagAsync(new ModelVersionTag { VersionId = row.Id, Key = TrackingLimits.ValidKey(key, "Tag"), Value = TrackingLimits.ValidValue(value, TrackingLimits.MaxRunTagValueLength, "Tag", key!) }, ct);
        await RecordAsync("model.version.tag.set", modelId, new { version, key, value }, ct);
    }

    public async Task DeleteVersionTagAsync(Guid modelId, int version, string? key, CancellationToken ct)
    {
        var row = await RequireVersionAsync(modelId, version, PermissionLevel.Write, ct);
        if (!await store.DeleteVersionTagAsync(row.Id, key ?? string.Empty, ct))
        {
            throw new NotFoundException("Model version tag", key ?? string.Empty);
        }

        await RecordAsync("model.version.tag.delete", modelId, new { version, key }, ct);
    }

    /// <summary>Points an alias (e.g. <c>champion</c>) at a version, moving it if it pointed elsewhere.</summary>
    public async Task SetAliasAsync(Guid modelId, string? alias, int version, CancellationToken ct)
    {
        await RequireVersionAsync(modelId, version, PermissionLevel.Write, ct);
        var name = (alias ?? string.Empty).Trim().TrimStart('@');
        if (!AliasPattern().IsMatch(name) || int.TryParse(name, out _) || name.Equals("latest", StringComparison.OrdinalIgnoreCase))
        {
            throw new ValidationException("alias", "An alias has 1 to 255 letters, digits, '_' or '-', is not a number and is not 'latest'.");
        }

        await store.SetAliasAsync(new ModelAlias { ModelId = modelId, Alias = name, Version = version }, await audit.EntryAsync("model.alias", ModelType, modelId, new { alias = name, version }, ct), ct);
    }

    public async Task DeleteAliasAsync(Guid modelId, string? alias, CancellationToken ct)
    {
        await RequireModelAsync(modelId, PermissionLevel.Write, ct);
        var name = (alias ?? string.Empty).TrimStart('@');
        if (!await store.DeleteAliasAsync(modelId, name, await audit.EntryAsync("model.alias.delete", ModelType, modelId, new { alias = name }, ct), ct))
        {
            throw new NotFoundException("Model alias", alias ?? string.Empty);
        }
    }

    public async Task<VersionDetails> GetVersionByAliasAsync(Guid modelId, string? alias, CancellationToken ct)
    {
        var details = await GetModelAsync(modelId, ct);
        var target = details.Aliases.FirstOrDefault(a => a.Alias == (alias ?? string.Empty).TrimStart('@')) ?? throw new NotFoundException("Model alias", alias ?? string.Empty);
        return await GetVersionAsync(modelId, target.Version, ct);
    }

    /// <summary>The newest READY version per stage (all stages when none are given), as MLflow's get-latest-versions.</summary>
    public async Task<IReadOnlyList<ModelVersion>> GetLatestVersionsAsync(Guid modelId, IReadOnlyCollection<ModelStage>? stages, CancellationToken ct)
    {
        var details = await GetModelAsync(modelId, ct);
        return details.Versions.Where(v => v.Status == ModelVersionStatus.Ready && (stages is not { Count: > 0 } || stages.Contains(v.Stage)))
            .GroupBy(v => v.Stage).Select(g => g.MaxBy(v => v.Version)!).OrderBy(v => v.Version).ToList();
    }

    public async Task<(ModelFile File, Stream Content)> OpenFileAsync(Guid modelId, int version, string path, CancellationToken ct)
    {
        var details = await GetVersionAsync(modelId, version, ct);
        var file = details.Files.FirstOrDefault(f => f.Path == path) ?? throw new NotFoundException("Model file", path);
        return (file, await objects.OpenReadAsync(ObjectKey.Parse(file.ObjectKey), ct));
    }

    async Task<SecurableObject?> ISecurableLookup.FindAsync(Guid id, CancellationToken ct) =>
        await store.FindModelAsync(id, ct) is { } m ? new SecurableObject(ModelType, m.Id, m.Name, m.OwnerId) : null;

    /// <summary>A version for platform work (loading a deployed endpoint at start), without a caller.</summary>
    internal async Task<VersionDetails?> GetVersionForWorkAsync(Guid modelId, int version, CancellationToken ct)
    {
        var model = await store.FindModelAsync(modelId, ct);
        var row = model is null ? null : await store.FindVersionAsync(modelId, version, ct);
        return model is null || row is null ? null : new VersionDetails(model, row, [], await store.ListFilesAsync(row.Id, ct), []);
    }

    internal async Task<VersionDetails?> GetVersionByAliasForWorkAsync(Guid modelId, string alias, CancellationToken ct)
    {
        var name = alias.TrimStart('@');
        var row = (await store.ListAliasesAsync([modelId], ct)).FirstOrDefault(a => a.Alias == name);
        return row is null ? null : await GetVersionForWorkAsync(modelId, row.Version, ct);
    }

    internal async Task<string?> GetModelNameForWorkAsync(Guid modelId, CancellationToken ct) => (await store.FindModelAsync(modelId, ct))?.Name;

    // ---- internals ----

    private async Task<ModelVersion> AddVersionAsync(RegisteredModel model, string source, Guid? runId, string? description, IReadOnlyDictionary<string, string>? tags, IReadOnlyList<(string Path, Func<CancellationToken, Task<Stream>> Open, long Size)> files, CancellationToken ct)
    {
        var context = await access.RequireContextAsync(ct);
        var now = time.GetUtcNow();
        var version = new ModelVersion
        {
            Id = Guid.CreateVersion7(now),
            ModelId = model.Id,
            Source = source.Length > 1000 ? source[..1000] : source,
            RunId = runId,
            Status = ModelVersionStatus.PendingRegistration,
            Description = ValidDescription(description),
            CreatedById = context.UserId,
            CreatedBy = context.UserName,
            CreatedAt = now,
            UpdatedAt = now,
        };
        var stored = new List<ModelFile>();
        var locals = new List<(string Path, string LocalFile)>();
        try
        {
            foreach (var (path, open, size) in files)
            {
                var local = scratch.NewFilePath("bin");
                await using (var input = await open(ct))
                await using (var file = File.Create(local))
                {
                    await input.CopyToAsync(file, ct);
                }

                locals.Add((path, local));
                await using var upload = File.OpenRead(local);
                var staged = await objects.StageAsync(upload, upload.Length, null, ct);
                var key = ObjectKey.Create("models", model.Id.ToString("N"), version.Id.ToString("N"), Guid.CreateVersion7(now).ToString("N"));
                await objects.CommitAsync(staged, key, ct);
                stored.Add(new ModelFile { VersionId = version.Id, Path = path, ObjectKey = key.Value, Size = staged.Size });
            }

            try
            {
                var inspection = inspector.Inspect(locals);
                version.Format = inspection.Format;
                version.SignatureJson = inspection.Signature is null ? null : JsonSerializer.Serialize(inspection.Signature, Json);
                version.GraphFactsJson = inspection.Facts is null ? null : JsonSerializer.Serialize(inspection.Facts, Json);
                version.ConversionReportJson = inspection.Conversion is null ? null : JsonSerializer.Serialize(inspection.Conversion, Json);
                version.Status = ModelVersionStatus.Ready;
            }
            catch (ValidationException e)
            {
                version.Format = ModelFormat.Other;
                version.Status = ModelVersionStatus.FailedRegistration;
                version.StatusMessage = string.Join(" ", e.Errors.SelectMany(x => x.Value));
            }

            var tagRows = (tags ?? new Dictionary<string, string>()).Select(t => new ModelVersionTag { VersionId = version.Id, Key = TrackingLimits.ValidKey(t.Key, "Tag"), Value = TrackingLimits.ValidValue(t.Value, TrackingLimits.MaxRunTagValueLength, "Tag", t.Key) }).ToList();
            await store.AddVersionAsync(version, stored, tagRows, await audit.EntryAsync("model.version.create", ModelType, model.Id, new { version.Source, version.Status }, ct), ct);
            return version;
        }
        catch
        {
            foreach (var file in stored)
            {
                await objects.DeleteAsync(ObjectKey.Parse(file.ObjectKey), CancellationToken.None);
            }

            throw;
        }
        finally
        {
            foreach (var (_, local) in locals)
            {
                File.Delete(local);
            }
        }
    }

    private async Task<List<ArtifactEntry>> ListRecursiveAsync(Guid runId, string prefix, CancellationToken ct)
    {
        var result = new List<ArtifactEntry>();
        var pending = new Queue<string>([prefix]);
        while (pending.TryDequeue(out var folder))
        {
            var entries = await artifacts.ListAsync(runId, folder, ct);
            if (entries.Count == 0 && folder.Length > 0)
            {
                // The source names a file rather than a folder.
                var parent = folder.Contains('/') ? folder[..folder.LastIndexOf('/')] : string.Empty;
                result.AddRange((await artifacts.ListAsync(runId, parent, ct)).Where(e => !e.IsDirectory && e.Path == folder));
            }

            foreach (var entry in entries)
            {
                if (entry.IsDirectory)
                {
                    pending.Enqueue(entry.Path);
                }
                else
                {
                    result.Add(entry);
                }
            }
        }

        return result;
    }

    private static (Guid RunId, string Path) ParseSource(string? source, string? runIdText)
    {
        if (source is { } s && RunsUri().Match(s) is { Success: true } runs)
        {
            return (RunService.ParseRunId(runs.Groups["run"].Value), runs.Groups["path"].Value);
        }

        if (source is { } a && ArtifactsUri().Match(a) is { Success: true } artifactsUri)
        {
            return (RunService.ParseRunId(artifactsUri.Groups["run"].Value), artifactsUri.Groups["path"].Value);
        }

        if (runIdText is { Length: > 0 } id && source is { } path && !path.Contains(':'))
        {
            return (RunService.ParseRunId(id), path);
        }

        throw new ValidationException("source", $"Use a source like runs:/<run id>/model or mlflow-artifacts:/<experiment>/<run>/artifacts/model; got '{source}'.");
    }

    private async Task<ModelDetails> DetailsAsync(RegisteredModel model, CancellationToken ct)
    {
        var level = await access.GetLevelAsync(ModelType, model.Id, model.OwnerId, ct) ?? throw new NotFoundException("Registered Model", model.Name);
        return new ModelDetails(model, level, await store.ListModelTagsAsync([model.Id], ct), await store.ListVersionsAsync([model.Id], null, ct), await store.ListAliasesAsync([model.Id], ct));
    }

    private async Task<ModelDetails> RequireModelAsync(Guid id, PermissionLevel required, CancellationToken ct)
    {
        var details = await GetModelAsync(id, ct);
        await access.RequireFoundLevelAsync(ModelType, id, details.Level, required, ct);
        return details;
    }

    private async Task<ModelVersion> RequireVersionAsync(Guid modelId, int version, PermissionLevel required, CancellationToken ct)
    {
        var details = await RequireModelAsync(modelId, required, ct);
        return details.Versions.FirstOrDefault(v => v.Version == version) ?? throw new NotFoundException("Model Version", $"{details.Model.Name}/{version}");
    }

    private static string ValidName(string? name)
    {
        var trimmed = name?.Trim() ?? string.Empty;
        return trimmed.Length is 0 or > 256 || trimmed.Contains('/') || trimmed.Contains(':')
            ? throw new ValidationException("name", "A model name has 1 to 256 characters and no '/' or ':'.")
            : trimmed;
    }

    private static string? ValidDescription(string? description) =>
        description is { Length: > 20000 } ? throw new ValidationException("description", "A description has at most 20,000 characters.") : description;

    [GeneratedRegex(@"^runs:/(?<run>[0-9a-fA-F-]{32,36})/?(?<path>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex RunsUri();

    [GeneratedRegex(@"^mlflow-artifacts:/[0-9]+/(?<run>[0-9a-fA-F-]{32,36})/artifacts/?(?<path>.*)$", RegexOptions.CultureInvariant)]
    private static partial Regex ArtifactsUri();

    [GeneratedRegex(@"^[A-Za-z0-9_-]{1,255}$", RegexOptions.CultureInvariant)]
    private static partial Regex AliasPattern();
}
