using System.Text.Json.Nodes;

namespace AiPlatform.Core.Apps;

/// <summary>
/// Executes one node type. The engine (<see cref="IAppEngine"/>) resolves nothing for it: the executor reads its
/// settings from <see cref="NodeRunContext.Node"/> and resolves the variables it needs through the context, so what
/// it resolved is what it records as the node's inputs. Executors are registered in DI (one per type) and called with
/// the rights of the run's user already in place (<see cref="Access.ActingCaller"/>).
/// </summary>
public interface IAppNodeExecutor
{
    /// <summary>The node type it executes (<see cref="AppNodeTypes"/>).</summary>
    string Type { get; }

    /// <summary>
    /// Runs the node once. A failure the user can act on is a <see cref="Common.PlatformException"/> with a
    /// <c>MessageKey</c> (the engine records it, applies retries and the error policy); cancellation of
    /// <paramref name="ct"/> means the run was cancelled or the node timed out.
    /// </summary>
    Task<NodeOutcome> ExecuteAsync(NodeRunContext context, CancellationToken ct);

    /// <summary>
    /// True for executors that only compute a little from the node's settings and variables (no I/O, no user code, no
    /// unbounded work): they run on the scheduler's own thread. Others run on a thread of their own, so one that blocks
    /// cannot stall the run's other branches and a timeout can leave it behind.
    /// </summary>
    bool RunsInline => false;
}

/// <summary>What a node produced: its outputs, the output port(s) the run goes on through, and what it spent.</summary>
public sealed record NodeOutcome(JsonObject Outputs)
{
    /// <summary>The output ports the run continues through; null means every output port of the node (<c>out</c>). If/else names <c>true</c> or <c>false</c>, switch one <c>case-N</c> or <c>default</c>.</summary>
    public IReadOnlyList<string>? Ports { get; init; }

    /// <summary>What the node really used (settings with variables resolved), recorded as the node's inputs.</summary>
    public JsonNode? Inputs { get; init; }

    public long PromptTokens { get; init; }

    public long CompletionTokens { get; init; }

    public string? Model { get; init; }
}

/// <summary>What an executor may use while it runs: its node, the run, variable resolution, its trace span, sub-graphs and events.</summary>
public abstract class NodeRunContext
{
    public abstract AppRunRequest Request { get; }

    public abstract AppNode Node { get; }

    /// <summary>The value of a reference such as <c>{{llm1.text}}</c> or <c>llm1.text</c>; null when the node or field has no value. Throws <see cref="Common.ValidationException"/> (key <c>Apps.Error.UnknownVariable</c>) when the node is unknown or has not run.</summary>
    public abstract JsonNode? Resolve(string reference);

    /// <summary>A template with every <c>{{ref}}</c> replaced by its value (strings as they are, other values as JSON).</summary>
    public abstract string Render(string? template);

    /// <summary>The node's own trace span (a child of the run's root span, or of the iteration/loop span): executors add attributes, token usage, events.</summary>
    public abstract Tracing.SpanBuilder Span { get; }

    /// <summary>Runs a nested graph (an iteration's or a loop's body) with extra variables in scope (<c>{{iter1.item}}</c>, <c>{{iter1.index}}</c>), under this node's span; returns the body's variables (every node's outputs) once it ended.</summary>
    public abstract Task<SubGraphResult> RunSubGraphAsync(AppGraph body, JsonObject scope, int? index, CancellationToken ct);

    /// <summary>Reports a piece of the answer while it is produced (a streamed LLM node), for SSE and the canvas.</summary>
    public abstract ValueTask EmitAsync(AppRunEvent runEvent);

    /// <summary>True when the run's caller asked for streaming and this node's answer should be reported piece by piece.</summary>
    public abstract bool Streaming { get; }
}

/// <summary>The end of a nested graph run.</summary>
public sealed record SubGraphResult(bool Succeeded, JsonObject Variables, string? Error, string? ErrorKey, IReadOnlyList<string>? ErrorArguments, string? ErrorNodeId);
