using System.Text.Json;
using System.Text.RegularExpressions;
using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Core.Storage;
using AiPlatform.Core.Tracking;

namespace AiPlatform.Core.Registry;

/// <summary>A version with its tags, files and aliases.</summary>
public sealed record VersionDetails(RegisteredModel Model, ModelVersion Version, IReadOnlyList<ModelVersionTag> Tags, IReadOnlyList<ModelFile> Files, IReadOnlyList<string> Aliases)
{
    public ModelSignature? Signature => Version.SignatureJson is null ? null : JsonSerializer.Deserialize<ModelSignature>(Version.SignatureJson, RegistryService.Json);

    public OnnxGraphFacts? GraphFacts => Version.GraphFactsJson is null ? null : JsonSerializer.Deserialize<OnnxGraphFacts>(Version.GraphFactsJson, RegistryService.Json);

    public ConversionReport? Conversion => Version.ConversionReportJson is null ? null : JsonSerializer.Deserialize<ConversionReport>(Version.ConversionReportJson, RegistryService.Json);
}

/// <summary>
/// A registered model's versions: read, describe, tag and delete them, move them between stages (a full history is
/// kept) and point aliases at them. The caller's level on the model decides, as <see cref="RegistryService"/> reads it.
/// </summary>
public sealed partial class ModelVersionService(
    RegistryService registry,
    AccessService access,
    IRegistryStore store,
    IObjectStore objects,
    AuditRecorder audit,
    TimeProvider time)
{
    public async Task<VersionDetails> GetVersionAsync(Guid modelId, int version, CancellationToken ct)
    {
        var details = await registry.GetModelAsync(modelId, ct);
        var row = details.Versions.FirstOrDefault(v => v.Version == version) ?? throw new NotFoundException("Model Version", $"{details.Model.Name}/{version}");
        return new VersionDetails(details.Model, row, await store.ListVersionTagsAsync([row.Id], ct), await store.ListFilesAsync(row.Id, ct), details.Aliases.Where(a => a.Version == version).Select(a => a.Alias).ToList());
    }

    /// <summary>Versions of readable models, optionally of one model or one run.</summary>
    public async Task<IReadOnlyList<(RegisteredModel Model, ModelVersion Version)>> SearchVersionsAsync(string? modelName, Guid? runId, CancellationToken ct)
    {
        IReadOnlyList<RegisteredModel> models = modelName is not null
            ? [(await registry.GetModelByNameAsync(modelName, ct)).Model]
            : (await registry.ListModelsAsync(null, 0, 1000, ct)).Items;
        var byId = models.ToDictionary(m => m.Id);
        return (await store.ListVersionsAsync(byId.Keys.ToList(), runId, ct)).Select(v => (byId[v.ModelId], v)).ToList();
    }

    /// <summary>At most this many versions per page of <see cref="SearchVersionsAsync(string?, IReadOnlyList{string}?, int, int, CancellationToken)"/> (MLflow's limit).</summary>
    public const int MaxSearchResults = 200_000;

    /// <summary>MLflow's default page of <c>search_model_versions</c>.</summary>
    public const int DefaultSearchResults = 10_000;

    /// <summary>
    /// MLflow's <c>search_model_versions</c>: versions of readable models matching <paramref name="filter"/>, newest
    /// change first by default (<c>last_updated_timestamp DESC, name ASC, version_number DESC</c>, as MLflow's store),
    /// with name ascending and version descending as tie-breaks; one page, filtered, ordered and paged in the database.
    /// </summary>
    public async Task<RegistryPage<VersionDetails>> SearchVersionsAsync(string? filter, IReadOnlyList<string>? orderBy, int maxResults, int offset, CancellationToken ct)
    {
        if (maxResults is < 1 or > MaxSearchResults)
        {
            throw new ValidationException("max_results", $"Invalid value for request parameter max_results. It must be a positive integer at most {MaxSearchResults}, but got value {maxResults}.");
        }

        var context = await access.RequireContextAsync(ct);
        var (clauses, excludePrompts) = RegistryService.WithoutPromptClauses(RegistrySearchFilter.ParseVersionFilter(filter));
        var order = RegistrySearchFilter.ParseOrderBy(orderBy is { Count: > 0 } ? orderBy : ["last_updated_timestamp DESC", "name ASC", "version_number DESC"], RegistrySearchFilter.VersionOrderKeys).ToList();
        if (!order.Any(o => o.Key == "name"))
        {
            order.Add(new SearchOrder(SearchEntity.Attribute, "name", true));
        }

        if (!order.Any(o => o.Key == "version_number"))
        {
            order.Add(new SearchOrder(SearchEntity.Attribute, "version_number", false));
        }

        var rows = await store.SearchReadableVersionsAsync(context, new RegistrySearch(clauses, order, excludePrompts, Math.Max(0, offset), maxResults + 1), ct);
        var page = rows.Take(maxResults).ToList();
        var tags = (await store.ListVersionTagsAsync(page.Select(r => r.Version.Id).ToList(), ct)).ToLookup(t => t.VersionId);
        var aliases = (await store.ListAliasesAsync(page.Select(r => r.Model.Id).Distinct().ToList(), ct)).ToLookup(a => (a.ModelId, a.Version));
        var items = page.Select(r => new VersionDetails(r.Model, r.Version, tags[r.Version.Id].ToList(), [], aliases[(r.Model.Id, r.Version.Version)].Select(a => a.Alias).ToList())).ToList();
        return new RegistryPage<VersionDetails>(items, rows.Count > maxResults);
    }

    public async Task<ModelVersion> UpdateVersionAsync(Guid modelId, int version, string? description, CancellationToken ct)
    {
        var row = await RequireVersionAsync(modelId, version, PermissionLevel.Write, ct);
        row.Description = RegistryService.ValidDescription(description);
        row.UpdatedAt = time.GetUtcNow();
        await store.UpdateVersionAsync(row, ct);
        await registry.RecordAsync("model.version.update", modelId, new { version, description = row.Description }, ct);
        return row;
    }

    public async Task DeleteVersionAsync(Guid modelId, int version, CancellationToken ct)
    {
        var row = await RequireVersionAsync(modelId, version, PermissionLevel.Write, ct);
        foreach (var key in await store.DeleteVersionAsync(row, await audit.EntryAsync("model.version.delete", RegistryService.ModelType, modelId, new { version }, ct), ct))
        {
            await objects.DeleteAsync(ObjectKey.Parse(key), CancellationToken.None);
        }
    }

    public async Task SetVersionTagAsync(Guid modelId, int version, string? key, string? value, CancellationToken ct)
    {
        var row = await RequireVersionAsync(modelId, version, PermissionLevel.Write, ct);
        await store.SetVersionTagAsync(new ModelVersionTag { VersionId = row.Id, Key = TrackingLimits.ValidKey(key, "Tag"), Value = TrackingLimits.ValidValue(value, TrackingLimits.MaxRunTagValueLength, "Tag", key!) }, ct);
        await registry.RecordAsync("model.version.tag.set", modelId, new { version, key, value }, ct);
    }

    public async Task DeleteVersionTagAsync(Guid modelId, int version, string? key, CancellationToken ct)
    {
        var row = await RequireVersionAsync(modelId, version, PermissionLevel.Write, ct);
        if (!await store.DeleteVersionTagAsync(row.Id, key ?? string.Empty, ct))
        {
            throw new NotFoundException("Model version tag", key ?? string.Empty);
        }

        await registry.RecordAsync("model.version.tag.delete", modelId, new { version, key }, ct);
    }

    /// <summary>The newest READY version per stage (all stages when none are given), as MLflow's get-latest-versions.</summary>
    public async Task<IReadOnlyList<ModelVersion>> GetLatestVersionsAsync(Guid modelId, IReadOnlyCollection<ModelStage>? stages, CancellationToken ct)
    {
        var details = await registry.GetModelAsync(modelId, ct);
        return details.Versions.Where(v => v.Status == ModelVersionStatus.Ready && (stages is not { Count: > 0 } || stages.Contains(v.Stage)))
            .GroupBy(v => v.Stage).Select(g => g.MaxBy(v => v.Version)!).OrderBy(v => v.Version).ToList();
    }

    public async Task<(ModelFile File, Stream Content)> OpenFileAsync(Guid modelId, int version, string path, CancellationToken ct)
    {
        var details = await GetVersionAsync(modelId, version, ct);
        var file = details.Files.FirstOrDefault(f => f.Path == path) ?? throw new NotFoundException("Model file", path);
        return (file, await objects.OpenReadAsync(ObjectKey.Parse(file.ObjectKey), ct));
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
            throw new ValidationException("stage", "The stage is None, Staging, Production or Archived.") { MessageKey = "Error.ModelStageInvalid" };
        }

        if (row.Status != ModelVersionStatus.Ready && stage is ModelStage.Staging or ModelStage.Production)
        {
            throw new ValidationException("stage", $"Version {version} is {row.Status}; only READY versions can move to {stage}.") { MessageKey = "Error.ModelVersionNotReadyForStage", MessageArguments = [version] };
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

        await store.SaveTransitionsAsync(changed, history, await audit.EntryAsync("model.stage", RegistryService.ModelType, modelId, new { version, stage, archiveExisting }, ct), ct);
        return row;
    }

    public async Task<IReadOnlyList<StageTransition>> ListTransitionsAsync(Guid modelId, CancellationToken ct)
    {
        await registry.GetModelAsync(modelId, ct);
        return await store.ListTransitionsAsync(modelId, ct);
    }

    /// <summary>Points an alias (e.g. <c>champion</c>) at a version, moving it if it pointed elsewhere.</summary>
    public async Task SetAliasAsync(Guid modelId, string? alias, int version, CancellationToken ct)
    {
        await RequireVersionAsync(modelId, version, PermissionLevel.Write, ct);
        var name = (alias ?? string.Empty).Trim().TrimStart('@');
        if (!AliasPattern().IsMatch(name) || int.TryParse(name, out _) || name.Equals("latest", StringComparison.OrdinalIgnoreCase))
        {
            throw new ValidationException("alias", "An alias has 1 to 255 letters, digits, '_' or '-', is not a number and is not 'latest'.") { MessageKey = "Error.ModelAliasInvalid" };
        }

        await store.SetAliasAsync(new ModelAlias { ModelId = modelId, Alias = name, Version = version }, await audit.EntryAsync("model.alias", RegistryService.ModelType, modelId, new { alias = name, version }, ct), ct);
    }

    public async Task DeleteAliasAsync(Guid modelId, string? alias, CancellationToken ct)
    {
        await registry.RequireModelAsync(modelId, PermissionLevel.Write, ct);
        var name = (alias ?? string.Empty).TrimStart('@');
        if (!await store.DeleteAliasAsync(modelId, name, await audit.EntryAsync("model.alias.delete", RegistryService.ModelType, modelId, new { alias = name }, ct), ct))
        {
            throw new NotFoundException("Model alias", alias ?? string.Empty);
        }
    }

    public async Task<VersionDetails> GetVersionByAliasAsync(Guid modelId, string? alias, CancellationToken ct)
    {
        var details = await registry.GetModelAsync(modelId, ct);
        var target = details.Aliases.FirstOrDefault(a => a.Alias == (alias ?? string.Empty).TrimStart('@')) ?? throw new NotFoundException("Model alias", alias ?? string.Empty);
        return await GetVersionAsync(modelId, target.Version, ct);
    }

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

    private async Task<ModelVersion> RequireVersionAsync(Guid modelId, int version, PermissionLevel required, CancellationToken ct)
    {
        var details = await registry.RequireModelAsync(modelId, required, ct);
        return details.Versions.FirstOrDefault(v => v.Version == version) ?? throw new NotFoundException("Model Version", $"{details.Model.Name}/{version}");
    }

    [GeneratedRegex(@"^[A-Za-z0-9_-]{1,255}$", RegexOptions.CultureInvariant)]
    private static partial Regex AliasPattern();
}
