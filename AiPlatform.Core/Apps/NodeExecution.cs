using System.Text.Json.Nodes;

namespace AiPlatform.Core.Apps;

/// <summary>One execution of one node in a run (a node inside an iteration runs once per item): shown as the node's badge on the canvas and in the run view.</summary>
public sealed class NodeExecution
{
    public required string NodeId { get; set; }

    public required string NodeType { get; set; }

    public string? Title { get; set; }

    public NodeExecutionStatus Status { get; set; }

    /// <summary>The settings with their variables resolved (what the node really got).</summary>
    public JsonNode? Inputs { get; set; }

    public JsonObject? Outputs { get; set; }

    public string? Error { get; set; }

    public string? ErrorKey { get; set; }

    public List<string>? ErrorArguments { get; set; }

    public DateTimeOffset StartedAt { get; set; }

    public double DurationMs { get; set; }

    public long PromptTokens { get; set; }

    public long CompletionTokens { get; set; }

    /// <summary>The model an LLM node used (tokens by model).</summary>
    public string? Model { get; set; }

    /// <summary>1 for the first attempt; more when retries ran.</summary>
    public int Attempts { get; set; } = 1;

    /// <summary>For a node inside an iteration or a loop: the enclosing node's id and the item index or loop round.</summary>
    public string? ParentId { get; set; }

    public int? Index { get; set; }
}

public enum NodeExecutionStatus
{
    Running,
    Succeeded,
    Failed,

    /// <summary>Failed, and its error policy let the run go on with default outputs.</summary>
    Continued,

    /// <summary>On a branch that was not taken.</summary>
    Skipped,
    Cancelled,
}
