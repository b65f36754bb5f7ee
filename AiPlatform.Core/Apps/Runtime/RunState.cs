using System.Text.Json.Nodes;
using AiPlatform.Core.Tracing;
using Microsoft.Extensions.Logging;

namespace AiPlatform.Core.Apps.Runtime;

/// <summary>
/// Everything one run shares between its graphs and nodes: the request, the trace (guarded: branches and iteration items
/// run in parallel and <see cref="TraceBuilder"/> is not thread-safe), the node executions, the events.
/// </summary>
internal sealed class RunState(
    AppRunRequest request,
    TraceBuilder trace,
    IReadOnlyDictionary<string, IAppNodeExecutor> executors,
    AppSettings settings,
    TimeProvider time,
    Func<AppRunEvent, ValueTask>? onEvent,
    ILogger logger)
{
    private readonly object _traceGate = new();
    private readonly object _executionsGate = new();
    private readonly List<NodeExecution> _executions = [];
    private readonly HashSet<string> _streamed = new(StringComparer.Ordinal);
    private readonly SemaphoreSlim _eventGate = new(1, 1);

    /// <summary>The most characters of JSON a node execution's recorded inputs or outputs keep (the values passed on stay whole).</summary>
    public const int MaxRecordedChars = 64 * 1024;

    private const int PreviewChars = 2048;

    public AppRunRequest Request => request;

    /// <summary>The run-wide budget (the engine sets one on every request it runs).</summary>
    public AppRunBudget Budget { get; } = request.Budget ?? new AppRunBudget(settings);

    public AppSettings Settings => settings;

    public TimeProvider Time => time;

    public object VariablesGate { get; } = new();

    /// <summary>LLM nodes whose text an answer node shows as it is: they stream their answer when the caller listens.</summary>
    public HashSet<string> StreamTargets { get; } = new(StringComparer.Ordinal);

    public IAppNodeExecutor? Executor(string type) => executors.TryGetValue(type, out var e) ? e : null;

    public SpanBuilder StartSpan(string name, string type, object? inputs, SpanBuilder parent)
    {
        lock (_traceGate)
        {
            return trace.StartSpan(name, type, inputs, parent);
        }
    }

    /// <summary>Runs a change of a span (attributes, end) under the trace's lock.</summary>
    public void WithSpan(Action action)
    {
        lock (_traceGate)
        {
            action();
        }
    }

    public void Record(NodeExecution execution)
    {
        lock (_executionsGate)
        {
            _executions.Add(execution);
        }
    }

    public List<NodeExecution> Executions()
    {
        lock (_executionsGate)
        {
            return [.. _executions];
        }
    }

    public bool Streamed(string nodeId)
    {
        lock (_streamed)
        {
            return _streamed.Contains(nodeId);
        }
    }

    public bool Listening => onEvent is not null;

    public async ValueTask EmitAsync(AppRunEvent runEvent)
    {
        if (onEvent is null)
        {
            return;
        }

        if (runEvent.Kind == AppRunEventKind.AnswerDelta && runEvent.NodeId is { } streaming)
        {
            lock (_streamed)
            {
                _streamed.Add(streaming);
            }
        }

        await _eventGate.WaitAsync(CancellationToken.None);
        try
        {
            // The listener is the caller's code (a page, an SSE writer): it must not run, nor post work that captures the
            // execution context, with the rights of the user the run acts as.
            using (AiPlatform.Core.Access.ActingCaller.Suspend())
            {
                await onEvent(runEvent);
            }
        }
        catch (Exception e)
        {
            // A listener that went away (closed stream) must not fail the run; cancelling it is the caller's token's job.
            logger.LogDebug(e, "An app run listener failed on {Kind} of node {NodeId}", runEvent.Kind, runEvent.NodeId);
        }
        finally
        {
            _eventGate.Release();
        }
    }

    /// <summary>A node's inputs or outputs as the run's record keeps them: as they are, or a preview when their JSON is too long.</summary>
    public static JsonNode? ForRecord(JsonNode? value)
    {
        if (value is null)
        {
            return null;
        }

        var json = value.ToJsonString();
        return json.Length <= MaxRecordedChars
            ? value.DeepClone()
            : new JsonObject { ["truncated"] = true, ["chars"] = json.Length, ["preview"] = json[..PreviewChars] };
    }

    public static NodeExecution Copy(NodeExecution e) => new()
    {
        NodeId = e.NodeId,
        NodeType = e.NodeType,
        Title = e.Title,
        Status = e.Status,
        Inputs = e.Inputs?.DeepClone(),
        Outputs = e.Outputs?.DeepClone() as JsonObject,
        Error = e.Error,
        ErrorKey = e.ErrorKey,
        ErrorArguments = e.ErrorArguments is null ? null : [.. e.ErrorArguments],
        StartedAt = e.StartedAt,
        DurationMs = e.DurationMs,
        PromptTokens = e.PromptTokens,
        CompletionTokens = e.CompletionTokens,
        Model = e.Model,
        Attempts = e.Attempts,
        ParentId = e.ParentId,
        Index = e.Index,
    };
}
