using System.Text.Json.Nodes;
using AiPlatform.Core.Access;

namespace AiPlatform.Core.Apps;

/// <summary>What the engine runs: a graph (the draft or a version), its inputs, and whose rights the nodes use.</summary>
public sealed record AppRunRequest(
    App App,
    AppGraph Graph,
    AppVersion? Version,
    JsonObject Inputs,
    CallerIdentity RunAs,
    string Source)
{
    /// <summary>A chat app's question (<c>{{sys.query}}</c>).</summary>
    public string? Query { get; init; }

    public Guid? ConversationId { get; init; }

    /// <summary>A chat app's earlier turns, oldest first (<c>{{sys.history}}</c>, and the LLM node's memory).</summary>
    public IReadOnlyList<AppChatTurn> History { get; init; } = [];

    /// <summary>The run's id (also the trace's request id), chosen by the caller so it can be cancelled while it runs.</summary>
    public Guid RunId { get; init; } = Guid.NewGuid();

    /// <summary>Nesting depth of sub-app calls (a sub-app node refuses beyond a limit, so apps cannot call each other forever).</summary>
    public int Depth { get; init; }

    /// <summary>
    /// The user who asked for the run (<c>{{sys.user}}</c>, <c>{{sys.user_id}}</c>); null means <see cref="RunAs"/> (draft and
    /// node runs). A published run acts as its publisher (<c>{{sys.publisher}}</c>) but is asked for by its caller.
    /// </summary>
    public CallerIdentity? Caller { get; init; }

    /// <summary>The run-wide budget (parallel slots, node executions) a sub-app run shares with the run that called it; null starts a new one.</summary>
    public AppRunBudget? Budget { get; init; }
}

/// <summary>
/// What one run may use, whatever its nesting: at most <see cref="AppSettings.MaxParallelism"/> nodes doing work at once and
/// at most <see cref="AppSettings.MaxNodeExecutions"/> node executions in all. A sub-app run shares its caller's budget.
/// </summary>
public sealed class AppRunBudget
{
    private int _executions;

    public AppRunBudget(AppSettings settings)
    {
        var parallel = Math.Max(1, settings.MaxParallelism);
        Slots = new SemaphoreSlim(parallel, parallel);
        MaxExecutions = Math.Max(1, settings.MaxNodeExecutions);
    }

    /// <summary>Held by a node while it does its own work (never by a node that waits for a body or a sub-app, so nesting cannot deadlock).</summary>
    internal SemaphoreSlim Slots { get; }

    public int MaxExecutions { get; }

    public int Executions => Volatile.Read(ref _executions);

    /// <summary>Counts one more node execution; false when that is more than the run may make.</summary>
    internal bool TryCount() => Interlocked.Increment(ref _executions) <= MaxExecutions;
}

public sealed record AppChatTurn(string Query, string Answer);

/// <summary>How a run ended.</summary>
public sealed record AppRunResult(
    AppRunStatus Status,
    JsonObject Outputs,
    string? Answer,
    IReadOnlyList<NodeExecution> Nodes,
    string? Error,
    string? ErrorKey,
    IReadOnlyList<string>? ErrorArguments,
    string? ErrorNodeId,
    string? TraceId,
    long PromptTokens,
    long CompletionTokens);

/// <summary>What a run reports while it runs (canvas badges, SSE streaming).</summary>
public sealed record AppRunEvent(AppRunEventKind Kind, string? NodeId = null, NodeExecution? Node = null, string? Text = null);

public enum AppRunEventKind
{
    NodeStarted,
    NodeFinished,

    /// <summary>A piece of the answer (streamed LLM node feeding an answer node, or an answer node's text).</summary>
    AnswerDelta,
}

/// <summary>
/// Runs an app's graph: nodes in dependency order, branches pruned, iterations and loops, per-node timeouts, retries
/// and error policies, one trace span per node execution, with the rights of <see cref="AppRunRequest.RunAs"/>.
/// </summary>
public interface IAppEngine
{
    /// <summary>Runs the whole graph. Never throws for a node failure (the result says which node failed and why); throws <see cref="OperationCanceledException"/> only when <paramref name="ct"/> is cancelled before anything ran.</summary>
    Task<AppRunResult> RunAsync(AppRunRequest request, Func<AppRunEvent, ValueTask>? onEvent, CancellationToken ct);

    /// <summary>Runs one node with the given variables (<c>{"start": {...}, "llm1": {...}}</c>) standing in for its upstream nodes' outputs.</summary>
    Task<NodeExecution> RunNodeAsync(AppRunRequest request, string nodeId, JsonObject variables, CancellationToken ct);
}
