using System.Text.Json.Nodes;
using AiPlatform.Core.Tracing;

namespace AiPlatform.Core.Apps.Runtime;

/// <summary>How a graph (the app's or a body's) ended.</summary>
internal enum GraphStatus
{
    Succeeded,
    Failed,
    Cancelled,
}

/// <summary>The end of one graph run: its status and, when it failed, why (naming the node).</summary>
internal sealed record GraphOutcome(GraphStatus Status, NodeFailure? Failure);

/// <summary>The end of one node run.</summary>
internal sealed record NodeResult(NodeExecutionStatus Status, JsonObject Outputs, IReadOnlyList<string>? Ports, NodeFailure? Failure);

/// <summary>
/// Runs a graph front to back: a node starts when one of its incoming edges was taken and every other incoming edge's
/// source has finished or was skipped; a node none of whose incoming edges was taken is skipped (and so, in turn, are
/// the nodes only it leads to). Independent branches run at the same time. The first failure stops the graph.
/// </summary>
internal sealed class GraphScheduler(RunState run)
{
    private enum State
    {
        Pending,
        Running,
        Done,
        Skipped,
    }

    public async Task<GraphOutcome> RunAsync(AppGraph graph, VariableScope scope, SpanBuilder parentSpan, string? parentId, int? index, CancellationToken ct)
    {
        var nodes = graph.Nodes.GroupBy(n => n.Id, StringComparer.Ordinal).Select(g => g.First()).ToList();
        var ids = nodes.Select(n => n.Id).ToHashSet(StringComparer.Ordinal);
        var edges = graph.Edges.Where(e => ids.Contains(e.Source) && ids.Contains(e.Target) && e.Source != e.Target).ToList();
        var incoming = nodes.ToDictionary(n => n.Id, n => edges.Where(e => e.Target == n.Id).ToList(), StringComparer.Ordinal);
        var state = nodes.ToDictionary(n => n.Id, _ => State.Pending, StringComparer.Ordinal);
        var taken = new Dictionary<string, IReadOnlyList<string>?>(StringComparer.Ordinal);
        var running = new Dictionary<Task<NodeResult>, AppNode>();
        using var graphCts = CancellationTokenSource.CreateLinkedTokenSource(ct);
        NodeFailure? failure = null;
        var cancelled = false;

        bool Taken(AppEdge edge) => state[edge.Source] == State.Done && (taken[edge.Source] is not { } ports || ports.Contains(edge.SourcePort));

        while (true)
        {
            if (failure is null && !cancelled)
            {
                var changed = true;
                while (changed)
                {
                    changed = false;
                    foreach (var node in nodes.Where(n => state[n.Id] == State.Pending))
                    {
                        var inc = incoming[node.Id];
                        if (inc.Count > 0 && inc.Any(e => state[e.Source] is State.Pending or State.Running))
                        {
                            continue;
                        }

                        if (inc.Count == 0 || inc.Any(Taken))
                        {
                            state[node.Id] = State.Running;
                            running[ExecuteAsync(node, scope, parentSpan, parentId, index, graphCts.Token)] = node;
                        }
                        else
                        {
                            state[node.Id] = State.Skipped;
                            scope.Set(node.Id, null);
                            await SkipAsync(node, parentId, index);
                            changed = true;
                        }
                    }
                }
            }

            if (running.Count == 0)
            {
                break;
            }

            var finished = await Task.WhenAny(running.Keys);
            var finishedNode = running[finished];
            running.Remove(finished);
            var result = await finished;
            switch (result.Status)
            {
                case NodeExecutionStatus.Succeeded or NodeExecutionStatus.Continued:
                    scope.Set(finishedNode.Id, result.Outputs);
                    taken[finishedNode.Id] = result.Ports;
                    state[finishedNode.Id] = State.Done;
                    break;
                case NodeExecutionStatus.Cancelled:
                    state[finishedNode.Id] = State.Done;
                    cancelled = true;
                    failure ??= ct.IsCancellationRequested ? null : result.Failure;
                    await graphCts.CancelAsync();
                    break;
                default:
                    state[finishedNode.Id] = State.Done;
                    failure ??= result.Failure;
                    await graphCts.CancelAsync();
                    break;
            }
        }

        if (failure is not null)
        {
            return new GraphOutcome(GraphStatus.Failed, failure);
        }

        if (cancelled || ct.IsCancellationRequested)
        {
            return new GraphOutcome(GraphStatus.Cancelled, null);
        }

        // Left pending only when edges make a cycle (the validator refuses such graphs before a run).
        foreach (var node in nodes.Where(n => state[n.Id] == State.Pending))
        {
            scope.Set(node.Id, null);
            await SkipAsync(node, parentId, index);
        }

        return new GraphOutcome(GraphStatus.Succeeded, null);
    }

    private async Task SkipAsync(AppNode node, string? parentId, int? index)
    {
        var execution = new NodeExecution
        {
            NodeId = node.Id,
            NodeType = node.Type,
            Title = node.Title,
            Status = NodeExecutionStatus.Skipped,
            StartedAt = run.Time.GetUtcNow(),
            Attempts = 0,
            ParentId = parentId,
            Index = index,
        };
        run.Record(execution);
        if (run.Listening)
        {
            await run.EmitAsync(new AppRunEvent(AppRunEventKind.NodeFinished, node.Id, RunState.Copy(execution)));
        }
    }

    /// <summary>Runs one node with its retries, time limit and error policy, under its own span. Never throws.</summary>
    public async Task<NodeResult> ExecuteAsync(AppNode node, VariableScope scope, SpanBuilder parentSpan, string? parentId, int? index, CancellationToken ct)
    {
        var started = run.Time.GetTimestamp();
        var execution = new NodeExecution
        {
            NodeId = node.Id,
            NodeType = node.Type,
            Title = node.Title,
            Status = NodeExecutionStatus.Running,
            StartedAt = run.Time.GetUtcNow(),
            ParentId = parentId,
            Index = index,
        };
        var span = run.StartSpan(node.Id, SpanType(node.Type), null, parentSpan);
        run.WithSpan(() =>
        {
            span.SetAttribute("aiplatform.node.type", node.Type);
            if (node.Title is { Length: > 0 } title)
            {
                span.SetAttribute("aiplatform.node.title", title);
            }
        });
        if (run.Listening)
        {
            await run.EmitAsync(new AppRunEvent(AppRunEventKind.NodeStarted, node.Id, RunState.Copy(execution)));
        }

        var policy = node.OnError;
        var attempts = 1 + Math.Clamp(policy?.Retries ?? 0, 0, 5);
        var limit = TimeSpan.FromSeconds(node.TimeoutSeconds is > 0 and var own ? own : AppNodeCatalog.HasBody(node.Type) ? run.Settings.RunTimeout.TotalSeconds : run.Settings.NodeTimeout.TotalSeconds);
        NodeOutcome? outcome = null;
        NodeFailure? failure = null;
        var cancelled = false;
        EngineNodeContext? context = null;
        var overBudget = !run.Budget.TryCount();
        if (overBudget)
        {
            attempts = 0;
            execution.Attempts = 0;
            var max = run.Budget.MaxExecutions.ToString(System.Globalization.CultureInfo.InvariantCulture);
            failure = new NodeFailure($"The run made more than {max} node executions (Apps:MaxNodeExecutions); node '{node.Id}' was not run.", "Apps.Error.TooManyExecutions", [node.Id, max], node.Id);
        }

        // Nodes that wait for a body or another app hold no slot: only their inner nodes do (so nesting cannot deadlock).
        var holdsSlot = !AppNodeCatalog.HasBody(node.Type) && node.Type != AppNodeTypes.SubApp;
        for (var attempt = 1; attempt <= attempts; attempt++)
        {
            execution.Attempts = attempt;
            failure = null;
            var executor = run.Executor(node.Type);
            if (executor is null)
            {
                failure = new NodeFailure($"No executor runs '{node.Type}' nodes on this platform.", "Apps.Error.NoExecutor", [node.Type], node.Id);
                break;
            }

            if (holdsSlot)
            {
                try
                {
                    await run.Budget.Slots.WaitAsync(ct);
                }
                catch (OperationCanceledException)
                {
                    cancelled = true;
                    break;
                }
            }

            try
            {
                using var timeout = new CancellationTokenSource(limit, run.Time);
                using var nodeCts = CancellationTokenSource.CreateLinkedTokenSource(ct, timeout.Token);
                context = new EngineNodeContext(run, this, node, scope, span, nodeCts.Token);
                try
                {
                    outcome = await RunWithLimitAsync(executor, context, nodeCts.Token);
                    break;
                }
                catch (OperationCanceledException) when (ct.IsCancellationRequested)
                {
                    cancelled = true;
                    break;
                }
                catch (OperationCanceledException) when (timeout.IsCancellationRequested)
                {
                    failure = NodeFailure.Timeout(node.Id, limit);
                }
                catch (Exception e)
                {
                    failure = NodeFailure.From(e, node.Id);
                }
            }
            finally
            {
                if (holdsSlot)
                {
                    run.Budget.Slots.Release();
                }
            }

            run.WithSpan(() => span.AddEvent("attempt.failed", new Dictionary<string, string> { ["attempt"] = attempt.ToString(System.Globalization.CultureInfo.InvariantCulture), ["message"] = failure.Message }));
            if (attempt < attempts)
            {
                try
                {
                    await Task.Delay(TimeSpan.FromMilliseconds(Math.Clamp(policy?.RetryDelayMs ?? 1000, 0, 60_000)), run.Time, ct);
                }
                catch (OperationCanceledException)
                {
                    cancelled = true;
                    break;
                }
            }
        }

        execution.DurationMs = run.Time.GetElapsedTime(started).TotalMilliseconds;
        NodeResult result;
        if (outcome is not null)
        {
            execution.Status = NodeExecutionStatus.Succeeded;
            // The record keeps at most MaxRecordedChars of each; the outputs passed on downstream stay whole.
            execution.Inputs = RunState.ForRecord(outcome.Inputs);
            // End and answer nodes' outputs are the run's result (its published contract): they are kept whole.
            execution.Outputs = node.Type is AppNodeTypes.End or AppNodeTypes.Answer ? (JsonObject)outcome.Outputs.DeepClone() : (JsonObject)RunState.ForRecord(outcome.Outputs)!;
            execution.PromptTokens = outcome.PromptTokens;
            execution.CompletionTokens = outcome.CompletionTokens;
            execution.Model = outcome.Model;
            result = new NodeResult(NodeExecutionStatus.Succeeded, outcome.Outputs, outcome.Ports, null);
        }
        else if (cancelled)
        {
            execution.Status = NodeExecutionStatus.Cancelled;
            execution.Inputs = RunState.ForRecord(context?.ResolvedInputs());
            result = new NodeResult(NodeExecutionStatus.Cancelled, [], null, new NodeFailure("The run was cancelled.", "Apps.Error.RunCancelled", null, node.Id));
        }
        else
        {
            failure ??= new NodeFailure($"Node '{node.Id}' failed.", "Apps.Error.NodeFailed", [node.Id, string.Empty], node.Id);
            execution.Inputs = RunState.ForRecord(context?.ResolvedInputs());
            execution.Error = failure.Message;
            execution.ErrorKey = failure.Key;
            execution.ErrorArguments = failure.Arguments is null ? null : [.. failure.Arguments];
            if (policy is { Continue: true } && !overBudget)
            {
                var defaults = policy.DefaultOutputs?.DeepClone() as JsonObject ?? [];
                execution.Status = NodeExecutionStatus.Continued;
                execution.Outputs = (JsonObject)defaults.DeepClone();
                result = new NodeResult(NodeExecutionStatus.Continued, defaults, ContinuePorts(node), null);
            }
            else
            {
                execution.Status = NodeExecutionStatus.Failed;
                result = new NodeResult(NodeExecutionStatus.Failed, [], null, failure);
            }
        }

        run.WithSpan(() =>
        {
            span.SetInputs(execution.Inputs);
            span.SetOutputs(execution.Outputs);
            span.SetAttribute("aiplatform.node.status", execution.Status.ToString());
            if (execution.Attempts > 1)
            {
                span.SetAttribute("aiplatform.node.attempts", execution.Attempts);
            }

            if (execution.Model is not null)
            {
                span.SetAttribute("model", execution.Model);
            }

            if (execution.PromptTokens > 0 || execution.CompletionTokens > 0)
            {
                span.SetTokenUsage(execution.PromptTokens, execution.CompletionTokens);
            }

            if (execution.Error is not null)
            {
                span.RecordError(execution.ErrorKey ?? "NodeFailed", execution.Error);
            }

            span.End(execution.Status is NodeExecutionStatus.Succeeded or NodeExecutionStatus.Continued ? TraceState.Ok : TraceState.Error, execution.Error ?? (cancelled ? "Cancelled" : null));
        });
        run.Record(execution);
        if (run.Listening)
        {
            await run.EmitAsync(new AppRunEvent(AppRunEventKind.NodeFinished, node.Id, RunState.Copy(execution)));
        }
        if (result.Status == NodeExecutionStatus.Succeeded && node.Type == AppNodeTypes.Answer)
        {
            await EmitAnswerAsync(node, result.Outputs);
        }

        return result;
    }

    /// <summary>A node that continues after a failure goes on through its last port (if/else: false; switch: default).</summary>
    private IReadOnlyList<string>? ContinuePorts(AppNode node)
    {
        var ports = AppNodeCatalog.OutputPorts(node, run.Request.App.Kind);
        return ports.Count > 1 ? [ports[^1]] : null;
    }

    private async Task EmitAnswerAsync(AppNode node, JsonObject outputs)
    {
        // An answer that is a streamed LLM node's text as it is was already sent piece by piece.
        if (AppVariables.AsSingleReference(AppNodeCatalog.GetString(node.Config, "text")) is { } single && run.Streamed(single.Root))
        {
            return;
        }

        await run.EmitAsync(new AppRunEvent(AppRunEventKind.AnswerDelta, node.Id, Text: AppVariables.ToText(outputs["answer"])));
    }

    private static async Task<NodeOutcome> RunWithLimitAsync(IAppNodeExecutor executor, NodeRunContext context, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        if (executor.RunsInline)
        {
            return await executor.ExecuteAsync(context, ct);
        }

        // Off the scheduler's thread: an executor that blocks before its first await must not stall the other branches.
        var work = Task.Run(() => executor.ExecuteAsync(context, ct), CancellationToken.None);
        var stopped = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        await using (ct.Register(() => stopped.TrySetResult()))
        {
            if (await Task.WhenAny(work, stopped.Task) != work)
            {
                // The executor ignores its token: leave it behind (observing its end) rather than hang the run.
                _ = work.ContinueWith(t => t.Exception, CancellationToken.None, TaskContinuationOptions.OnlyOnFaulted, TaskScheduler.Default);
                throw new OperationCanceledException(ct);
            }
        }

        return await work;
    }

    private static string SpanType(string type) => type switch
    {
        AppNodeTypes.Llm or AppNodeTypes.Classifier or AppNodeTypes.Extractor => "LLM",
        AppNodeTypes.Knowledge => "RETRIEVER",
        AppNodeTypes.Http or AppNodeTypes.Sql or AppNodeTypes.Inference or AppNodeTypes.Code => "TOOL",
        _ => "CHAIN",
    };
}
