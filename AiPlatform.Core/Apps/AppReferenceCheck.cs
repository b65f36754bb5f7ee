using System.Text.Json.Nodes;
using AiPlatform.Core.Access;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Apps;

/// <summary>
/// Checks, with the current caller's rights (the publisher's at publish and roll back), that every platform object a
/// graph names still exists and is readable: LLM models, knowledge bases, serving endpoints, datasets and sub-apps
/// (inside iteration and loop bodies too). Values that are variables (<c>{{…}}</c>) are only known at run time.
/// </summary>
public sealed class AppReferenceCheck(
    AccessService access,
    IAppStore store,
    Chat.ProviderService providers,
    Knowledge.KnowledgeService knowledge,
    Serving.EndpointReader endpoints,
    Data.DatasetService datasets)
{
    /// <summary>The references that fail, one issue each, naming the node, the setting and the value.</summary>
    public async Task<IReadOnlyList<AppGraphProblem>> CheckAsync(App app, AppGraph graph, CancellationToken ct)
    {
        var issues = new List<AppGraphProblem>();
        IReadOnlySet<string>? models = null;
        foreach (var (node, setting, kind, value) in References(graph))
        {
            var ok = kind switch
            {
                NodeSettingKind.LlmModel => (models ??= await UsableModelsAsync(ct)).Contains(value),
                NodeSettingKind.KnowledgeBases => Guid.TryParse(value, out var kb) && await FoundAsync(() => knowledge.GetAsync(kb, ct)),
                NodeSettingKind.Endpoint => await FoundAsync(() => endpoints.GetByNameAsync(value, ct)),
                NodeSettingKind.Datasets => Guid.TryParse(value, out var ds) && await FoundAsync(() => datasets.GetAsync(ds, ct)),
                NodeSettingKind.App => await SubAppReadableAsync(app, node, value, ct),
                _ => true,
            };
            if (!ok)
            {
                issues.Add(new AppGraphProblem(
                    node.Id,
                    null,
                    "Apps.Error.Reference",
                    [node.Id, setting, value],
                    $"The node '{node.Id}' names {Describe(kind)} '{value}' in '{setting}', which does not exist or which you may not use."));
            }
        }

        return issues;
    }

    /// <summary>Every (node, setting, kind, value) that names a platform object, in the graph and in nested bodies.</summary>
    internal static IEnumerable<(AppNode Node, string Setting, NodeSettingKind Kind, string Value)> References(AppGraph graph)
    {
        foreach (var node in graph.Nodes)
        {
            foreach (var (setting, kind) in ReferenceSettings(node.Type))
            {
                if (!node.Config.TryGetPropertyValue(setting, out var value) || value is null)
                {
                    continue;
                }

                if (kind == NodeSettingKind.SubGraph)
                {
                    AppGraph? body;
                    try
                    {
                        body = AppNodeCatalog.Body(node);
                    }
                    catch (ValidationException)
                    {
                        // The graph validator reports a malformed body.
                        continue;
                    }

                    foreach (var nested in References(body ?? new AppGraph()))
                    {
                        yield return nested;
                    }

                    continue;
                }

                // Not [value]: that would build a JsonArray and re-parent the setting's node ("The node already has a parent").
                IEnumerable<JsonNode?> items = value is JsonArray array ? array : new[] { value };
                foreach (var item in items)
                {
                    if (item is JsonValue v && v.TryGetValue<string>(out var text) && !string.IsNullOrWhiteSpace(text) && !text.Contains("{{", StringComparison.Ordinal))
                    {
                        yield return (node, setting, kind, text.Trim());
                    }
                }
            }
        }
    }

    /// <summary>The settings of a node type that name platform objects or hold a nested body (from the node catalog).</summary>
    private static IEnumerable<(string Setting, NodeSettingKind Kind)> ReferenceSettings(string type) =>
        AppNodeCatalog.Find(type)?.Settings
            .Where(s => s.Kind is NodeSettingKind.LlmModel or NodeSettingKind.KnowledgeBases or NodeSettingKind.Endpoint or NodeSettingKind.Datasets or NodeSettingKind.App or NodeSettingKind.SubGraph)
            .Select(s => (s.Name, s.Kind))
        ?? [];

    private async Task<IReadOnlySet<string>> UsableModelsAsync(CancellationToken ct)
    {
        try
        {
            return (await providers.ListUsableAsync(ct)).Select(m => m.Name).ToHashSet(StringComparer.Ordinal);
        }
        catch (ForbiddenException)
        {
            return new HashSet<string>();
        }
    }

    /// <summary>Whether the sub-app a node names (by its pinned <c>appId</c> in a version, else by slug) is another published app the caller may read.</summary>
    private async Task<bool> SubAppReadableAsync(App app, AppNode node, string slug, CancellationToken ct)
    {
        if (string.Equals(slug, app.Slug, StringComparison.Ordinal))
        {
            return false;
        }

        var target = await ResolveSubAppAsync(node, slug, ct);
        return target is { PublishedVersionId: not null } && target.Id != app.Id && await access.GetLevelAsync(SecurableTypes.App, target.Id, target.OwnerId, ct) is not null;
    }

    /// <summary>The app a sub-app node names: by the <c>appId</c> a publish pinned (the id wins over the slug), else by its slug.</summary>
    internal async Task<App?> ResolveSubAppAsync(AppNode node, string slug, CancellationToken ct) =>
        AppNodeCatalog.GetString(node.Config, Nodes.SubAppNode.PinnedAppId) is { } pinned && Guid.TryParse(pinned, out var id)
            ? await store.FindAsync(id, ct)
            : await store.FindBySlugAsync(slug.Trim().ToLowerInvariant(), ct);

    /// <summary>
    /// A copy of <paramref name="graph"/> whose sub-app nodes (in bodies too) name the app their slug names now by id
    /// (<c>appId</c>), so a published version keeps calling that app even if its slug is later given to another one.
    /// </summary>
    internal async Task<AppGraph> PinSubAppsAsync(AppGraph graph, CancellationToken ct)
    {
        var pinned = AppGraph.FromJson(graph.ToJson());
        await PinAsync(pinned, ct);
        return pinned;
    }

    private async Task PinAsync(AppGraph graph, CancellationToken ct)
    {
        foreach (var node in graph.Nodes)
        {
            if (node.Type == AppNodeTypes.SubApp && AppNodeCatalog.GetString(node.Config, "app") is { Length: > 0 } slug)
            {
                node.Config.Remove(Nodes.SubAppNode.PinnedAppId);
                if (await store.FindBySlugAsync(slug.Trim().ToLowerInvariant(), ct) is { } target)
                {
                    node.Config[Nodes.SubAppNode.PinnedAppId] = target.Id.ToString();
                }
            }
            else if (AppNodeCatalog.HasBody(node.Type) && node.Config["body"] is JsonObject)
            {
                AppGraph? body;
                try
                {
                    body = AppNodeCatalog.Body(node);
                }
                catch (ValidationException)
                {
                    continue;
                }

                if (body is not null)
                {
                    await PinAsync(body, ct);
                    node.Config["body"] = JsonNode.Parse(body.ToJson());
                }
            }
        }
    }

    private static async Task<bool> FoundAsync<T>(Func<Task<T>> find)
    {
        try
        {
            await find();
            return true;
        }
        catch (NotFoundException)
        {
            return false;
        }
    }

    private static string Describe(NodeSettingKind kind) => kind switch
    {
        NodeSettingKind.LlmModel => "the model",
        NodeSettingKind.KnowledgeBases => "the knowledge base",
        NodeSettingKind.Endpoint => "the endpoint",
        NodeSettingKind.Datasets => "the dataset",
        _ => "the app",
    };
}
