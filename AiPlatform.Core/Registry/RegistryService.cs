using System.Text.Json;
using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Core.Storage;
using AiPlatform.Core.Tracking;

namespace AiPlatform.Core.Registry;

/// <summary>A model with its tags, versions and aliases, and the caller's level on it.</summary>
public sealed record ModelDetails(RegisteredModel Model, PermissionLevel Level, IReadOnlyList<RegisteredModelTag> Tags, IReadOnlyList<ModelVersion> Versions, IReadOnlyList<ModelAlias> Aliases);

/// <summary>
/// The model registry's registered models (securable): list, create, read, rename, describe, tag and delete them.
/// Their versions, stages and aliases are <see cref="ModelVersionService"/>'s; registering a version from a run or an
/// upload is <see cref="ModelRegistrar"/>'s.
/// </summary>
public sealed class RegistryService(
    AccessService access,
    IRegistryStore store,
    IObjectStore objects,
    AuditRecorder audit,
    IAuditStore auditTrail,
    TimeProvider time) : ISecurableLookup
{
    public const string ModelType = SecurableTypes.RegisteredModel;

    internal static readonly JsonSerializerOptions Json = new(JsonSerializerDefaults.Web) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    public string ObjectType => ModelType;

    public async Task<(IReadOnlyList<RegisteredModel> Items, int Total)> ListModelsAsync(string? search, int offset, int limit, CancellationToken ct) =>
        await store.ListReadableModelsAsync(await access.RequireContextAsync(ct), search, Math.Max(0, offset), Math.Clamp(limit, 1, 1000), ct);

    /// <summary>At most this many models per page of <see cref="SearchModelsAsync"/> (MLflow's limit).</summary>
    public const int MaxSearchResults = 1000;

    /// <summary>
    /// MLflow's <c>search_registered_models</c>: the readable models matching <paramref name="filter"/>, in
    /// <paramref name="orderBy"/>'s order (name ascending by default and as the last tie-break), one page of
    /// <paramref name="maxResults"/> from <paramref name="offset"/>. Filtering, ordering and paging run in the database.
    /// </summary>
    public async Task<RegistryPage<ModelDetails>> SearchModelsAsync(string? filter, IReadOnlyList<string>? orderBy, int maxResults, int offset, CancellationToken ct)
    {
        if (maxResults is < 1 or > MaxSearchResults)
        {
            throw new ValidationException("max_results", $"Invalid value for request parameter max_results. It must be at most {MaxSearchResults}, but got value {maxResults}.");
        }

        var context = await access.RequireContextAsync(ct);
        var (clauses, excludePrompts) = WithoutPromptClauses(RegistrySearchFilter.ParseModelFilter(filter));
        var order = RegistrySearchFilter.ParseOrderBy(orderBy, RegistrySearchFilter.ModelOrderKeys).ToList();
        if (!order.Any(o => o.Key == "name"))
        {
            order.Add(new SearchOrder(SearchEntity.Attribute, "name", true));
        }

        var rows = await store.SearchReadableModelsAsync(context, new RegistrySearch(clauses, order, excludePrompts, Math.Max(0, offset), maxResults + 1), ct);
        var page = rows.Take(maxResults).ToList();
        var ids = page.Select(m => m.Id).ToList();
        var tags = (await store.ListModelTagsAsync(ids, ct)).ToLookup(t => t.ModelId);
        var versions = (await store.ListVersionsAsync(ids, null, ct)).ToLookup(v => v.ModelId);
        var aliases = (await store.ListAliasesAsync(ids, ct)).ToLookup(a => a.ModelId);
        var items = new List<ModelDetails>(page.Count);
        foreach (var model in page)
        {
            var level = await access.GetLevelAsync(ModelType, model.Id, model.OwnerId, ct) ?? PermissionLevel.Read;
            items.Add(new ModelDetails(model, level, tags[model.Id].ToList(), versions[model.Id].ToList(), aliases[model.Id].ToList()));
        }

        return new RegistryPage<ModelDetails>(items, rows.Count > maxResults);
    }

    /// <summary>
    /// MLflow's store (<c>_is_querying_prompt</c>, <c>_update_query_to_exclude_prompts</c>): unless the filter asks for
    /// prompts (<c>= 'true'</c> or <c>!= 'false'</c> on the prompt tag), its prompt clauses are dropped and prompts
    /// are left out instead, so a model without the tag is "not a prompt".
    /// </summary>
    internal static (IReadOnlyList<SearchClause> Clauses, bool ExcludePrompts) WithoutPromptClauses(IReadOnlyList<SearchClause> clauses)
    {
        var prompt = clauses.FirstOrDefault(c => c.Entity == SearchEntity.Tag && c.Key == RegistrySearch.PromptTag);
        var queryingPrompts = prompt?.Value is string value
            && ((prompt.Operator == "=" && value.Equals("true", StringComparison.OrdinalIgnoreCase)) || (prompt.Operator == "!=" && value.Equals("false", StringComparison.OrdinalIgnoreCase)));
        return queryingPrompts ? (clauses, false) : (clauses.Where(c => !(c.Entity == SearchEntity.Tag && c.Key == RegistrySearch.PromptTag)).ToList(), true);
    }

    public async Task<RegisteredModel> CreateModelAsync(string? name, string? description, IReadOnlyDictionary<string, string>? tags, CancellationToken ct)
    {
        var context = await access.RequireCapabilityAsync(Capabilities.ModelsCreate, ct);
        var trimmed = ValidName(name);
        if (await store.FindModelByNameAsync(trimmed, ct) is not null)
        {
            throw new AlreadyExistsException($"Registered Model (name={trimmed}) already exists.") { MessageKey = "Error.ModelExists", MessageArguments = [trimmed] };
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
                throw new AlreadyExistsException($"Registered Model (name={trimmed}) already exists.") { MessageKey = "Error.ModelExists", MessageArguments = [trimmed] };
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

    async Task<SecurableObject?> ISecurableLookup.FindAsync(Guid id, CancellationToken ct) =>
        await store.FindModelAsync(id, ct) is { } m ? new SecurableObject(ModelType, m.Id, m.Name, m.OwnerId) : null;

    internal async Task<string?> GetModelNameForWorkAsync(Guid modelId, CancellationToken ct) => (await store.FindModelAsync(modelId, ct))?.Name;

    /// <summary>Records a change whose store call carries no audit entry of its own (tags, descriptions).</summary>
    internal async Task RecordAsync(string action, Guid modelId, object? changes, CancellationToken ct) =>
        await auditTrail.AddAsync(await audit.EntryAsync(action, ModelType, modelId, changes, ct), ct);

    private async Task<ModelDetails> DetailsAsync(RegisteredModel model, CancellationToken ct)
    {
        var level = await access.GetLevelAsync(ModelType, model.Id, model.OwnerId, ct) ?? throw new NotFoundException("Registered Model", model.Name);
        return new ModelDetails(model, level, await store.ListModelTagsAsync([model.Id], ct), await store.ListVersionsAsync([model.Id], null, ct), await store.ListAliasesAsync([model.Id], ct));
    }

    internal async Task<ModelDetails> RequireModelAsync(Guid id, PermissionLevel required, CancellationToken ct)
    {
        var details = await GetModelAsync(id, ct);
        await access.RequireFoundLevelAsync(ModelType, id, details.Level, required, ct);
        return details;
    }

    private static string ValidName(string? name)
    {
        var trimmed = name?.Trim() ?? string.Empty;
        return trimmed.Length is 0 or > 256 || trimmed.Contains('/') || trimmed.Contains(':')
            ? throw new ValidationException("name", "A model name has 1 to 256 characters and no '/' or ':'.") { MessageKey = "Error.ModelNameInvalid" }
            : trimmed;
    }

    internal static string? ValidDescription(string? description) =>
        description is { Length: > 20000 } ? throw new ValidationException("description", "A description has at most 20,000 characters.") { MessageKey = "Error.DescriptionTooLong" } : description;
}
