using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;

namespace AiPlatform.Infrastructure.Tests.Apps.Nodes;

/// <summary>Nodes with settings as the canvas writes them (camelCase JSON), and small graphs around them for the engine.</summary>
public static class NodeBuilder
{
    public static AppNode Node(string type, object config, string id = "n1") =>
        new() { Id = id, Type = type, Config = JsonSerializer.SerializeToNode(config, AppGraph.JsonOptions) as JsonObject ?? [] };

    public static JsonObject Json(string json) => (JsonObject)JsonNode.Parse(json)!;

    /// <summary>start (text fields, or number fields named in <paramref name="numbers"/>) → the nodes in order → end with the given outputs.</summary>
    public static AppGraph Workflow(string[] fields, IReadOnlyList<AppNode> middle, IReadOnlyDictionary<string, string> outputs, params string[] numbers)
    {
        var start = Node(AppNodeTypes.Start, new { fields = fields.Select(f => new { name = f, type = numbers.Contains(f) ? "number" : "text", required = true, label = f }) }, "start");
        var end = Node(AppNodeTypes.End, new { outputs = outputs.Select(o => new { name = o.Key, value = o.Value }) }, "end");
        var nodes = new List<AppNode> { start };
        nodes.AddRange(middle);
        nodes.Add(end);
        var graph = new AppGraph { Nodes = nodes };
        for (var i = 0; i < nodes.Count - 1; i++)
        {
            graph.Edges.Add(new AppEdge { Source = nodes[i].Id, Target = nodes[i + 1].Id });
        }

        return graph;
    }

    /// <summary>The graph run by the engine, as the draft of a workflow app, with the rights of <paramref name="runAs"/>.</summary>
    public static Task<AppRunResult> RunAsync(IAppEngine engine, AppGraph graph, JsonObject inputs, CallerIdentity runAs, AppKind kind = AppKind.Workflow, Func<AppRunEvent, ValueTask>? onEvent = null, string? query = null) =>
        engine.RunAsync(
            new AppRunRequest(new App { Id = Guid.NewGuid(), Slug = "e2e-" + Guid.NewGuid().ToString("N")[..6], Name = "E2E", Kind = kind, OwnerId = runAs.Id }, graph, null, inputs, runAs, AppRunSources.Draft) { Query = query },
            onEvent,
            CancellationToken.None);
}
