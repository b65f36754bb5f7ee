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
                NodeSettingKind.App => await SubAppReadableAsync(app, value, ct),
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

                // Not [value]: a collection expression here builds a JsonArray, and the value already has a parent (its node's config).
                foreach (var item in value is JsonArray array ? (IEnumerable<JsonNode?>)array : new[] { value })
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

    private async Task<bool> SubAppReadableAsync(App app, string slug, CancellationToken ct)
    {
        if (string.Equals(slug, app.Slug, StringComparison.Ordinal))
        {
            return false;
        }

        var target = await store.FindBySlugAsync(slug, ct);
        return target is { PublishedVersionId: not null } && await access.GetLevelAsync(SecurableTypes.App, target.Id, target.OwnerId, ct) is not null;
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
