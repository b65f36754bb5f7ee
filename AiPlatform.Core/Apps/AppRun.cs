namespace AiPlatform.Core.Apps;

/// <summary>
/// One execution of an app (the draft from the canvas, a published version through the API, the app page or the
/// gateway, or a single node). Readable by whoever may read the app. A chat app's turns are runs that share a
/// <see cref="ConversationId"/>; the earlier turns of the conversation are the app's memory.
/// </summary>
public sealed class AppRun
{
    public Guid Id { get; set; }

    public Guid AppId { get; set; }

    /// <summary>The published version that ran; null for a draft run.</summary>
    public Guid? VersionId { get; set; }

    public int? VersionNumber { get; set; }

    /// <summary>Where the run came from: <see cref="AppRunSources"/>.</summary>
    public required string Source { get; set; }

    /// <summary>The user who asked for the run (the key's creator for an API-key call).</summary>
    public Guid CallerId { get; set; }

    /// <summary>The user whose rights the nodes used (the publisher for a published version, the caller for the draft).</summary>
    public Guid RunAsId { get; set; }

    public Guid? ApiKeyId { get; set; }

    public Guid? ConversationId { get; set; }

    public AppRunStatus Status { get; set; }

    /// <summary>The inputs as a JSON object.</summary>
    public string InputsJson { get; set; } = "{}";

    /// <summary>The outputs as a JSON object (the end node's outputs); null until the run ends.</summary>
    public string? OutputsJson { get; set; }

    /// <summary>A chat app's question and answer (the turn's text, kept for memory and lists).</summary>
    public string? Query { get; set; }

    public string? Answer { get; set; }

    public string? Error { get; set; }

    /// <summary>The localized form of <see cref="Error"/> (resource key and arguments as JSON), when it has one.</summary>
    public string? ErrorKey { get; set; }

    public string? ErrorArguments { get; set; }

    /// <summary>The node that failed the run.</summary>
    public string? ErrorNodeId { get; set; }

    /// <summary>The run's trace (<c>tr-…</c>), one span per node execution.</summary>
    public string? TraceId { get; set; }

    /// <summary>The node executions as a JSON array of <see cref="NodeExecution"/>, in the order they ended.</summary>
    public string NodesJson { get; set; } = "[]";

    public long PromptTokens { get; set; }

    public long CompletionTokens { get; set; }

    public DateTimeOffset StartedAt { get; set; }

    public DateTimeOffset? EndedAt { get; set; }

    public double? DurationMs { get; set; }

    /// <summary>A copy of the run as it is now (for a record written later, or a view that leaves some fields out).</summary>
    public AppRun Copy() => (AppRun)MemberwiseClone();
}
