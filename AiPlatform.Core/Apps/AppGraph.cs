using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace AiPlatform.Core.Apps;

/// <summary>
/// An app's graph: nodes with their settings and canvas positions, and edges between ports. Edges carry control
/// flow (a node runs when a branch reaches it); data flows through variable references in settings,
/// <c>{{nodeId.field.path}}</c> (<see cref="AppVariables"/>). Stored as JSON (camelCase) in the draft and in each version.
/// </summary>
public sealed class AppGraph
{
    public const string EmptyJson = """{"nodes":[],"edges":[]}""";

    public static readonly JsonSerializerOptions JsonOptions = new(JsonSerializerDefaults.Web)
    {
        DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
        WriteIndented = false,
    };

    public List<AppNode> Nodes { get; set; } = [];

    public List<AppEdge> Edges { get; set; } = [];

    public AppNode? Find(string id) => Nodes.FirstOrDefault(n => string.Equals(n.Id, id, StringComparison.Ordinal));

    public string ToJson() => JsonSerializer.Serialize(this, JsonOptions);

    /// <summary>Reads a graph; malformed JSON is a <see cref="Common.ValidationException"/> on <c>graph</c>.</summary>
    public static AppGraph FromJson(string? json)
    {
        try
        {
            return JsonSerializer.Deserialize<AppGraph>(string.IsNullOrWhiteSpace(json) ? EmptyJson : json, JsonOptions) ?? new AppGraph();
        }
        catch (JsonException e)
        {
            throw new Common.ValidationException("graph", $"The graph is not valid JSON: {e.Message}") { MessageKey = "Apps.Error.GraphJson", MessageArguments = [e.Message] };
        }
    }

    /// <summary>A deep copy (through JSON).</summary>
    public AppGraph Clone() => FromJson(ToJson());
}

/// <summary>One node: its id (used in variable references, unique in the app), its type (<see cref="AppNodeTypes"/>), its settings.</summary>
public sealed class AppNode
{
    /// <summary>Letters, digits and underscores, starting with a letter (<c>llm1</c>, <c>start</c>); referenced as <c>{{id.field}}</c>.</summary>
    public required string Id { get; set; }

    public required string Type { get; set; }

    /// <summary>The title shown on the canvas; the type's name when empty.</summary>
    public string? Title { get; set; }

    public double X { get; set; }

    public double Y { get; set; }

    /// <summary>The node's settings; their fields depend on the type (<see cref="AppNodeCatalog"/>).</summary>
    public JsonObject Config { get; set; } = [];

    /// <summary>What happens when the node fails: retries and then stop the run (default) or continue with default outputs.</summary>
    public NodeErrorPolicy? OnError { get; set; }

    /// <summary>The node's own time limit in seconds (default <c>Apps:NodeTimeoutSeconds</c>).</summary>
    public int? TimeoutSeconds { get; set; }
}

/// <summary>A connection from an output port of one node to the input port of another.</summary>
public sealed class AppEdge
{
    public required string Source { get; set; }

    /// <summary>The output port: <c>out</c> for most nodes; <c>true</c>/<c>false</c> for if/else; <c>case-N</c>/<c>default</c> for switch; <c>class-N</c> for the classifier.</summary>
    public string SourcePort { get; set; } = "out";

    public required string Target { get; set; }

    public string TargetPort { get; set; } = "in";
}

/// <summary>Per-node failure handling.</summary>
public sealed class NodeErrorPolicy
{
    /// <summary>Extra attempts after the first failure (0–5).</summary>
    public int Retries { get; set; }

    /// <summary>Milliseconds between attempts.</summary>
    public int RetryDelayMs { get; set; } = 1000;

    /// <summary>False (default): the failure stops the run, naming the node. True: the run goes on with <see cref="DefaultOutputs"/>.</summary>
    public bool Continue { get; set; }

    public JsonObject? DefaultOutputs { get; set; }
}
