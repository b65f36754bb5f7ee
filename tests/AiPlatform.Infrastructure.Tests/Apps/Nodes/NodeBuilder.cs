using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Apps;

namespace AiPlatform.Infrastructure.Tests.Apps.Nodes;

/// <summary>Nodes with settings as the canvas writes them (camelCase JSON).</summary>
public static class NodeBuilder
{
    public static AppNode Node(string type, object config, string id = "n1") =>
        new() { Id = id, Type = type, Config = JsonSerializer.SerializeToNode(config, AppGraph.JsonOptions) as JsonObject ?? [] };

    public static JsonObject Json(string json) => (JsonObject)JsonNode.Parse(json)!;
}
