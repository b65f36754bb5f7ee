using System.Text.RegularExpressions;
using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;
using Microsoft.Extensions.AI;

namespace AiPlatform.Core.Chat;

/// <summary>A provider as the API and pages show it: never the key, only whether one is set.</summary>
public sealed record ProviderView(Guid Id, string Name, string BaseUrl, bool HasApiKey, bool Enabled, DateTimeOffset CreatedAt, IReadOnlyList<LlmModel> Models);

public sealed record ProviderInput(string? Name, string? BaseUrl, string? ApiKey, bool Enabled = true);

/// <summary>
/// LLM providers (admin, <c>settings.manage</c>): OpenAI-compatible endpoints with an encrypted API key; their models
/// are listed from the endpoint and enabled one by one, open to every chat user or granted like any securable object.
/// </summary>
public sealed partial class ProviderService(
    AccessService access,
    IChatStore store,
    ILlmConnector connector,
    ISecretProtector secrets,
    AuditRecorder audit,
    TimeProvider time,
    LlmCatalog catalog) : ISecurableLookup
{
    public const string ModelType = SecurableTypes.LlmModel;

    public string ObjectType => ModelType;

    public async Task<IReadOnlyList<ProviderView>> ListProvidersAsync(CancellationToken ct)
    {
        await access.RequireCapabilityAsync(Capabilities.SettingsManage, ct);
        var models = await store.ListModelsAsync(null, ct);
        return [.. (await store.ListProvidersAsync(ct)).Select(p => View(p, models))];
    }

    public async Task<ProviderView> CreateProviderAsync(ProviderInput input, CancellationToken ct)
    {
        await access.RequireCapabilityAsync(Capabilities.SettingsManage, ct);
        var now = time.GetUtcNow();
        var provider = new LlmProvider
        {
            Id = Guid.CreateVersion7(now),
            Name = Required(input.Name, "name", 100),
            BaseUrl = Url(input.BaseUrl),
            ApiKeyProtected = string.IsNullOrEmpty(input.ApiKey) ? null : secrets.Protect(input.ApiKey),
            Enabled = input.Enabled,
            CreatedAt = now,
            UpdatedAt = now,
        };
        await store.SaveProviderAsync(provider, true, await audit.EntryAsync("llm.provider.create", "llm-provider", provider.Id, new { provider.Name, provider.BaseUrl, apiKey = input.ApiKey }, ct), ct);
        catalog.Invalidate();
        return View(provider, []);
    }

    /// <summary>Changes a provider; an empty API key keeps the stored one, <c>"-"</c> removes it.</summary>
    public async Task<ProviderView> UpdateProviderAsync(Guid id, ProviderInput input, CancellationToken ct)
    {
        await access.RequireCapabilityAsync(Capabilities.SettingsManage, ct);
        var provider = await store.FindProviderAsync(id, ct) ?? throw new NotFoundException("Provider", id);
        var before = provider.BaseUrl;
        provider.Name = Required(input.Name, "name", 100);
        provider.BaseUrl = Url(input.BaseUrl);
        provider.Enabled = input.Enabled;

        // The key was entered for one endpoint: re-pointing the provider (anyone with settings.manage may) must not take
        // it along, or the next sync sends it to the new host.
        var keyCleared = string.IsNullOrEmpty(input.ApiKey) && provider.ApiKeyProtected is not null && !SameEndpoint(before, provider.BaseUrl);
        provider.ApiKeyProtected = input.ApiKey switch
        {
            null or "" => keyCleared ? null : provider.ApiKeyProtected,
            "-" => null,
            var key => secrets.Protect(key),
        };
        provider.UpdatedAt = time.GetUtcNow();
        await store.SaveProviderAsync(provider, false, await audit.EntryAsync("llm.provider.update", "llm-provider", id, new { provider.Name, provider.BaseUrl, provider.Enabled, apiKey = input.ApiKey, keyCleared }, ct), ct);
        catalog.Invalidate();
        return View(provider, await store.ListModelsAsync(id, ct));
    }

    public async Task DeleteProviderAsync(Guid id, CancellationToken ct)
    {
        await access.RequireCapabilityAsync(Capabilities.SettingsManage, ct);
        _ = await store.FindProviderAsync(id, ct) ?? throw new NotFoundException("Provider", id);
        await store.DeleteProviderAsync(id, await audit.EntryAsync("llm.provider.delete", "llm-provider", id, null, ct), ct);
        catalog.Invalidate();
    }

    /// <summary>Asks the provider for its models and adds the new ones (disabled); returns what it listed.</summary>
    public async Task<IReadOnlyList<LlmModel>> SyncModelsAsync(Guid id, CancellationToken ct)
    {
        var caller = await access.RequireCapabilityAsync(Capabilities.SettingsManage, ct);
        var provider = await store.FindProviderAsync(id, ct) ?? throw new NotFoundException("Provider", id);
        var remote = await connector.ListModelsAsync(provider.BaseUrl, Key(provider), ct);
        var known = await store.ListModelsAsync(id, ct);
        foreach (var r in remote)
        {
            var context = r.ContextTokens is >= MinContextTokens and <= MaxContextTokens ? r.ContextTokens : null;
            if (known.FirstOrDefault(k => k.ModelId == r.Id) is { } model)
            {
                // A window the administrator set stays; one the provider now tells fills a gap.
                if (model.ContextTokens is null && context is not null)
                {
                    model.ContextTokens = context;
                    await store.SaveModelAsync(model, false, await audit.EntryAsync("llm.model.update", ModelType, model.Id, new { model.Name, model.ContextTokens }, ct), ct);
                    catalog.Invalidate();
                }

                continue;
            }

            var name = await store.FindModelByNameAsync(r.Id, ct) is null ? r.Id : $"{Slug(provider.Name)}/{r.Id}";
            var added = new LlmModel { Id = Guid.CreateVersion7(time.GetUtcNow()), ProviderId = id, ModelId = r.Id, Name = name, ContextTokens = context, OwnerId = caller.UserId, CreatedAt = time.GetUtcNow() };
            await store.SaveModelAsync(added, true, await audit.EntryAsync("llm.model.add", ModelType, added.Id, new { added.Name, provider = provider.Name, added.ContextTokens }, ct), ct);
            catalog.Invalidate();
        }

        return await store.ListModelsAsync(id, ct);
    }

    public const int MinContextTokens = 256;

    public const int MaxContextTokens = 10_000_000;

    /// <summary>Enables a model, opens it to every chat user or not, and sets its context window; its embedding languages stay as recorded.</summary>
    /// <param name="contextTokens">The context window in tokens; null when unknown (nothing is cut).</param>
    public Task<LlmModel> SetModelAsync(Guid modelId, bool enabled, bool openToAll, int? contextTokens, CancellationToken ct) =>
        SetModelAsync(modelId, enabled, openToAll, contextTokens, keepLanguages: true, null, ct);

    /// <summary>As the other overload, and records the languages the model serves when it embeds.</summary>
    /// <param name="contextTokens">The context window in tokens; null when unknown (nothing is cut).</param>
    /// <param name="embeddingLanguages">
    /// <see cref="Knowledge.TextLanguage"/> codes ("en,zh") or <c>*</c>; null or blank clears them, so the model's family
    /// decides (<see cref="Knowledge.EmbeddingLanguages.Describe"/>). An unknown code is a <see cref="ValidationException"/>.
    /// </param>
    public Task<LlmModel> SetModelAsync(Guid modelId, bool enabled, bool openToAll, int? contextTokens, string? embeddingLanguages, CancellationToken ct) =>
        SetModelAsync(modelId, enabled, openToAll, contextTokens, keepLanguages: false, embeddingLanguages, ct);

    private async Task<LlmModel> SetModelAsync(Guid modelId, bool enabled, bool openToAll, int? contextTokens, bool keepLanguages, string? embeddingLanguages, CancellationToken ct)
    {
        await access.RequireCapabilityAsync(Capabilities.SettingsManage, ct);
        var model = await store.FindModelAsync(modelId, ct) ?? throw new NotFoundException("Model", modelId);
        if (contextTokens is < MinContextTokens or > MaxContextTokens)
        {
            throw new ValidationException("contextTokens", $"The context window is {MinContextTokens:N0} to {MaxContextTokens:N0} tokens, or empty when unknown.") { MessageKey = "Error.Llm.ContextTokens", MessageArguments = [MinContextTokens, MaxContextTokens] };
        }

        var languages = keepLanguages ? model.EmbeddingLanguages : Knowledge.EmbeddingLanguages.Normalize(embeddingLanguages) is { Length: > 0 } normalized ? normalized : null;
        model.Enabled = enabled;
        model.OpenToAll = openToAll;
        model.ContextTokens = contextTokens;
        model.EmbeddingLanguages = languages;
        await store.SaveModelAsync(model, false, await audit.EntryAsync("llm.model.update", ModelType, modelId, new { model.Name, enabled, openToAll, contextTokens, embeddingLanguages = languages }, ct), ct);
        catalog.Invalidate();
        return model;
    }

    /// <summary>The models the caller may chat with (enabled, provider enabled, open to all or granted).</summary>
    public async Task<IReadOnlyList<LlmModel>> ListUsableAsync(CancellationToken ct)
    {
        await access.RequireCapabilityAsync(Capabilities.ChatUse, ct);
        var (providers, models) = await catalog.GetAsync(LoadCatalogAsync, ct);
        var usable = new List<LlmModel>();
        foreach (var model in models)
        {
            if (model.Enabled && providers.Contains(model.ProviderId) && (model.OpenToAll || await access.GetLevelAsync(ModelType, model.Id, model.OwnerId, ct) is not null))
            {
                usable.Add(model);
            }
        }

        return usable;
    }

    private async Task<(IReadOnlySet<Guid>, IReadOnlyList<LlmModel>)> LoadCatalogAsync(CancellationToken ct) =>
        ((await store.ListProvidersAsync(ct)).Where(p => p.Enabled).Select(p => p.Id).ToHashSet(), await store.ListModelsAsync(null, ct));

    /// <summary>A chat client for a model the caller may use (by its public name); 404 otherwise.</summary>
    public async Task<(LlmModel Model, IChatClient Client)> GetClientAsync(string? name, CancellationToken ct)
    {
        var (model, endpoint) = await GetEndpointAsync(name, ct);
        return (model, connector.CreateChatClient(endpoint.BaseUrl, endpoint.ApiKey, endpoint.ModelId));
    }

    /// <summary>Where a model the caller may use (by its public name) is served; 404 otherwise.</summary>
    public async Task<(LlmModel Model, ProviderEndpoint Endpoint)> GetEndpointAsync(string? name, CancellationToken ct)
    {
        var usable = await ListUsableAsync(ct);
        var model = usable.FirstOrDefault(m => m.Name == name) ?? throw new NotFoundException("Model", name ?? string.Empty);
        // The catalogue copy may be up to a second old: a provider disabled meanwhile (on another node) is refused here.
        var provider = await store.FindProviderAsync(model.ProviderId, ct) is { Enabled: true } p ? p : throw new NotFoundException("Model", name ?? string.Empty);
        return (model, new ProviderEndpoint(provider.BaseUrl, Key(provider), model.ModelId));
    }

    async Task<SecurableObject?> ISecurableLookup.FindAsync(Guid id, CancellationToken ct) =>
        await store.FindModelAsync(id, ct) is { } m ? new SecurableObject(ModelType, m.Id, m.Name, m.OwnerId) : null;

    private string? Key(LlmProvider provider) => provider.ApiKeyProtected is { } p ? secrets.Unprotect(p) : null;

    private static ProviderView View(LlmProvider p, IReadOnlyList<LlmModel> models) =>
        new(p.Id, p.Name, p.BaseUrl, p.ApiKeyProtected is not null, p.Enabled, p.CreatedAt, [.. models.Where(m => m.ProviderId == p.Id).OrderBy(m => m.Name)]);

    private static string Required(string? value, string field, int max)
    {
        var trimmed = value?.Trim();
        return string.IsNullOrEmpty(trimmed) || trimmed.Length > max
            ? throw new ValidationException(field, $"Give a {field} of 1 to {max} characters.") { MessageKey = "Error.Llm.Required", MessageArguments = [max] }
            : trimmed;
    }

    /// <summary>Same scheme, user info, host, port, path and query: the URL still names the endpoint the key was given for.</summary>
    internal static bool SameEndpoint(string before, string after) =>
        Uri.TryCreate(before, UriKind.Absolute, out var a) && Uri.TryCreate(after, UriKind.Absolute, out var b)
        && Uri.Compare(a, b, UriComponents.Scheme | UriComponents.UserInfo | UriComponents.Host | UriComponents.StrongPort | UriComponents.Path | UriComponents.Query, UriFormat.UriEscaped, StringComparison.Ordinal) == 0;

    private static string Url(string? value) =>
        Uri.TryCreate(value?.Trim(), UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https"
            ? uri.ToString().TrimEnd('/')
            : throw new ValidationException("baseUrl", "The base URL is an http(s) URL such as http://ollama:11434/v1.") { MessageKey = "Error.Llm.BaseUrl" };

    private static string Slug(string name) => SlugPattern().Replace(name.ToLowerInvariant(), "-").Trim('-');

    [GeneratedRegex("[^a-z0-9]+")]
    private static partial Regex SlugPattern();
}
