using AiPlatform.Core.Apps.Nodes;

namespace AiPlatform.Core.Apps;

/// <summary>
/// Which nodes of an app may change data outside the platform: HTTP requests with a method other than GET or HEAD.
/// A read-only token may not run such an app, nor one that calls such an app as a sub-app.
/// </summary>
public static class AppWrites
{
    /// <summary>The first writing HTTP node of this graph (also inside iteration and loop bodies), not following sub-apps.</summary>
    public static string? FindWriter(AppGraph graph)
    {
        foreach (var node in Nodes(graph))
        {
            if (Writes(node))
            {
                return node.Id;
            }
        }

        return null;
    }

    /// <summary>
    /// As <see cref="FindWriter"/>, and through the published versions of the apps its sub-app nodes pin, each app
    /// looked at once: a writer inside a sub-app is named <c>call → ticket/hook</c> (node, app, the app's node).
    /// </summary>
    public static Task<string?> FindWriterAsync(AppGraph graph, IAppStore store, CancellationToken ct) =>
        FindWriterAsync(graph, store, [], ct);

    private static async Task<string?> FindWriterAsync(AppGraph graph, IAppStore store, HashSet<Guid> seen, CancellationToken ct)
    {
        if (FindWriter(graph) is { } writer)
        {
            return writer;
        }

        foreach (var node in Nodes(graph))
        {
            if (node.Type != AppNodeTypes.SubApp
                || AppNodeCatalog.GetString(node.Config, SubAppNode.PinnedAppId) is not { } pinned
                || !Guid.TryParse(pinned, out var appId)
                || !seen.Add(appId)
                || await store.FindAsync(appId, ct) is not { PublishedVersionId: { } versionId } app
                || await store.FindVersionAsync(versionId, ct) is not { } version)
            {
                continue;
            }

            if (await FindWriterAsync(AppGraph.FromJson(version.GraphJson), store, seen, ct) is { } inner)
            {
                return $"{node.Id} → {app.Slug}/{inner}";
            }
        }

        return null;
    }

    private static bool Writes(AppNode node) =>
        node.Type == AppNodeTypes.Http
        && (ServiceNodeConfig.Text(node, "method") is { Length: > 0 } m ? m.Trim().ToUpperInvariant() : "GET") is not ("GET" or "HEAD");

    private static IEnumerable<AppNode> Nodes(AppGraph graph)
    {
        foreach (var node in graph.Nodes)
        {
            yield return node;
            if (AppNodeCatalog.HasBody(node.Type) && AppNodeCatalog.Body(node) is { } body)
            {
                foreach (var inner in Nodes(body))
                {
                    yield return inner;
                }
            }
        }
    }
}
