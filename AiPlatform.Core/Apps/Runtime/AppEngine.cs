using System.Text.Json.Nodes;
using AiPlatform.Core.Access;
using AiPlatform.Core.Common;
using AiPlatform.Core.Tracing;
using Microsoft.Extensions.Logging;

namespace AiPlatform.Core.Apps.Runtime;

/// <summary>
/// Runs apps: checks the graph, runs it with the rights of <see cref="AppRunRequest.RunAs"/> (<see cref="ActingCaller"/>)
/// under the run's time limit, records one trace span per node execution and hands the trace to the platform's traces.
/// </summary>
public sealed class AppEngine(IEnumerable<IAppNodeExecutor> executors, AppSettings settings, IAppTraceSink traces, TimeProvider time, ILogger<AppEngine> logger) : IAppEngine
{
    private const string TooManyExecutions = "Apps.Error.TooManyExecutions";

    /// <summary>Versions whose graph passed the checks: a version never changes (nor does a published app's kind), so it is checked once per process.</summary>
    private static readonly System.Collections.Concurrent.ConcurrentDictionary<Guid, bool> ValidVersions = new();

    private readonly Dictionary<string, IAppNodeExecutor> _executors = executors.GroupBy(e => e.Type, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last(), StringComparer.Ordinal);

    public async Task<AppRunResult> RunAsync(AppRunRequest request, Func<AppRunEvent, ValueTask>? onEvent, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        request = request.Budget is null ? request with { Budget = new AppRunBudget(settings) } : request;
        using var acting = ActingCaller.Begin(request.RunAs);
        var trace = StartTrace(request, new { inputs = request.Inputs, query = request.Query, conversation_id = request.ConversationId });
        var run = new RunState(request, trace, _executors, settings, time, onEvent, logger);
        var problems = request.Version is { } checkedVersion && ValidVersions.ContainsKey(checkedVersion.Id) ? [] : AppGraphValidator.Validate(request.Graph, request.App.Kind);
        if (problems.Count == 0 && request.Version is { } valid)
        {
            if (ValidVersions.Count > 4096)
            {
                ValidVersions.Clear();
            }

            ValidVersions[valid.Id] = true;
        }

        NodeFailure? failure = null;
        var status = AppRunStatus.Succeeded;
        if (problems is [var problem, ..])
        {
            failure = new NodeFailure(problem.Message, problem.Key, problem.Arguments, problem.NodeId);
        }
        else if (request.Depth > settings.MaxSubAppDepth)
        {
            failure = new NodeFailure($"Apps call apps more than {settings.MaxSubAppDepth} deep.", "Apps.Error.SubAppDepth", [settings.MaxSubAppDepth.ToString(System.Globalization.CultureInfo.InvariantCulture)]);
        }
        else
        {
            foreach (var answer in request.Graph.Nodes.Where(n => n.Type == AppNodeTypes.Answer))
            {
                if (AppVariables.AsSingleReference(AppNodeCatalog.GetString(answer.Config, "text")) is { Field: "text" } single
                    && request.Graph.Find(single.Root) is { Type: AppNodeTypes.Llm } llm && AppNodeCatalog.GetBool(llm.Config, "stream") != false)
                {
                    run.StreamTargets.Add(llm.Id);
                }
            }

            using var limit = new CancellationTokenSource(settings.RunTimeout, time);
            using var runCts = CancellationTokenSource.CreateLinkedTokenSource(ct, limit.Token);
            var scope = new VariableScope(null, run.VariablesGate);
            scope.Set(AppVariables.System, SystemVariables(request));
            var outcome = await new GraphScheduler(run).RunAsync(request.Graph, scope, trace.Root, null, null, runCts.Token);
            (status, failure) = outcome.Status switch
            {
                GraphStatus.Succeeded => (AppRunStatus.Succeeded, null),
                GraphStatus.Failed => (AppRunStatus.Failed, outcome.Failure),
                _ when ct.IsCancellationRequested => (AppRunStatus.Cancelled, new NodeFailure("The run was cancelled.", "Apps.Error.RunCancelled", null, RunningNode(run))),
                _ => (AppRunStatus.Failed, new NodeFailure($"The run took longer than {settings.RunTimeout.TotalSeconds:0} s.", "Apps.Error.RunTimeout", [settings.RunTimeout.TotalSeconds.ToString("0", System.Globalization.CultureInfo.InvariantCulture)], RunningNode(run))),
            };
        }

        if (failure is not null && status == AppRunStatus.Succeeded)
        {
            status = AppRunStatus.Failed;
        }

        var executions = run.Executions();
        if (status == AppRunStatus.Failed && run.Budget.Executions > run.Budget.MaxExecutions && failure?.Key != TooManyExecutions)
        {
            // Say why the run really stopped, not only which iteration or sub-app the refused node was in.
            var max = run.Budget.MaxExecutions.ToString(System.Globalization.CultureInfo.InvariantCulture);
            var refused = executions.FirstOrDefault(e => e.ErrorKey == TooManyExecutions)?.NodeId ?? failure?.NodeId ?? string.Empty;
            failure = new NodeFailure($"The run made more than {max} node executions (Apps:MaxNodeExecutions); node '{refused}' was not run.", TooManyExecutions, [refused, max], failure?.NodeId);
        }

        var top = executions.Where(e => e.ParentId is null).ToList();
        var outputs = new JsonObject();
        foreach (var end in top.Where(e => e.NodeType == AppNodeTypes.End && e.Outputs is not null))
        {
            foreach (var (name, value) in end.Outputs!)
            {
                outputs[name] = value?.DeepClone();
            }
        }

        var answers = top.Where(e => e.NodeType == AppNodeTypes.Answer && e.Status == NodeExecutionStatus.Succeeded).Select(e => AppVariables.ToText(e.Outputs?["answer"])).ToList();
        var answerText = answers.Count == 0 ? null : string.Join("\n\n", answers);
        if (request.App.Kind == AppKind.Chat && answerText is not null)
        {
            outputs["answer"] = answerText;
        }

        var result = new AppRunResult(status, outputs, answerText, executions, failure?.Message, failure?.Key, failure?.Arguments, failure?.NodeId, trace.TraceId,
            executions.Sum(e => e.PromptTokens), executions.Sum(e => e.CompletionTokens));
        EndTrace(trace, result);
        Submit(request.RunAs, trace);
        return result;
    }

    public async Task<NodeExecution> RunNodeAsync(AppRunRequest request, string nodeId, JsonObject variables, CancellationToken ct)
    {
        ct.ThrowIfCancellationRequested();
        var node = FindNode(request.Graph, nodeId)
            ?? throw new ValidationException("nodeId", $"The app has no node '{nodeId}'.") { MessageKey = "Apps.Error.NodeNotFound", MessageArguments = [nodeId] };
        request = request.Budget is null ? request with { Budget = new AppRunBudget(settings) } : request;
        using var acting = ActingCaller.Begin(request.RunAs);
        var trace = StartTrace(request, new { node = nodeId, variables });
        var run = new RunState(request, trace, _executors, settings, time, null, logger);
        var scope = new VariableScope(null, run.VariablesGate);
        scope.Set(AppVariables.System, SystemVariables(request));
        foreach (var (name, value) in variables)
        {
            if (name != AppVariables.System)
            {
                scope.Set(name, value?.DeepClone());
            }
        }

        using var limit = new CancellationTokenSource(settings.RunTimeout, time);
        using var runCts = CancellationTokenSource.CreateLinkedTokenSource(ct, limit.Token);
        var scheduler = new GraphScheduler(run);
        await scheduler.ExecuteAsync(node, scope, trace.Root, null, null, runCts.Token);
        var execution = run.Executions().Last(e => e.NodeId == nodeId && e.ParentId is null);
        var status = execution.Status switch
        {
            NodeExecutionStatus.Succeeded or NodeExecutionStatus.Continued => AppRunStatus.Succeeded,
            NodeExecutionStatus.Cancelled => AppRunStatus.Cancelled,
            _ => AppRunStatus.Failed,
        };
        EndTrace(trace, new AppRunResult(status, execution.Outputs ?? [], null, [execution], execution.Error, execution.ErrorKey, execution.ErrorArguments, nodeId, trace.TraceId, execution.PromptTokens, execution.CompletionTokens));
        Submit(request.RunAs, trace);
        return execution;
    }

    private TraceBuilder StartTrace(AppRunRequest request, object inputs)
    {
        var trace = new TraceBuilder($"app:{request.App.Slug}", "CHAIN", inputs, time);
        trace.Metadata["aiplatform.app"] = request.App.Slug;
        trace.Metadata["aiplatform.appRun"] = request.RunId.ToString();
        trace.Tags["aiplatform.app"] = request.App.Slug;
        trace.Tags["aiplatform.appRunSource"] = request.Source;
        if (request.Version is { } version)
        {
            trace.Metadata["aiplatform.appVersion"] = version.Number.ToString(System.Globalization.CultureInfo.InvariantCulture);
        }

        if (request.ConversationId is { } conversation)
        {
            trace.Metadata["aiplatform.conversation"] = conversation.ToString();
        }

        trace.RequestPreview = TraceBuilder.Preview(request.Query ?? request.Inputs.ToJsonString(AppVariables.TextJson));
        return trace;
    }

    private static void EndTrace(TraceBuilder trace, AppRunResult result)
    {
        if (result.Error is not null)
        {
            trace.Root.RecordError(result.ErrorKey ?? result.Status.ToString(), result.ErrorNodeId is null ? result.Error : $"{result.ErrorNodeId}: {result.Error}");
        }

        var response = result.Answer ?? result.Outputs.ToJsonString(AppVariables.TextJson);
        trace.ResponsePreview = TraceBuilder.Preview(response);
        trace.End(new { outputs = result.Outputs, answer = result.Answer, status = result.Status.ToString(), error = result.Error, error_node = result.ErrorNodeId },
            result.Status == AppRunStatus.Succeeded ? TraceState.Ok : TraceState.Error, result.Error);
    }

    private void Submit(CallerIdentity owner, TraceBuilder trace)
    {
        try
        {
            traces.Submit(owner, trace);
        }
        catch (Exception e)
        {
            logger.LogWarning(e, "Could not submit the trace {TraceId} of an app run", trace.TraceId);
        }
    }

    /// <summary>The <c>sys</c> variables: <c>user</c> and <c>user_id</c> are the caller (who asked for the run), <c>publisher</c> the user it acts as.</summary>
    private static JsonObject SystemVariables(AppRunRequest request)
    {
        var caller = request.Caller ?? request.RunAs;
        return new()
        {
            ["query"] = request.Query,
            ["conversation_id"] = request.ConversationId?.ToString(),
            ["user"] = caller.UserName,
            ["user_id"] = caller.Id.ToString(),
            ["publisher"] = request.RunAs.UserName,
            ["history"] = new JsonArray([.. request.History.Select(t => (JsonNode)new JsonObject { ["query"] = t.Query, ["answer"] = t.Answer })]),
        };
    }

    private static string? RunningNode(RunState run) =>
        run.Executions().Where(e => e.Status == NodeExecutionStatus.Cancelled).OrderBy(e => e.ParentId is null ? 1 : 0).Select(e => e.NodeId).FirstOrDefault();

    private static AppNode? FindNode(AppGraph graph, string id)
    {
        if (graph.Find(id) is { } found)
        {
            return found;
        }

        foreach (var node in graph.Nodes.Where(n => AppNodeCatalog.HasBody(n.Type)))
        {
            AppGraph? body;
            try
            {
                body = AppNodeCatalog.Body(node);
            }
            catch (ValidationException)
            {
                continue;
            }

            if (body is not null && FindNode(body, id) is { } inner)
            {
                return inner;
            }
        }

        return null;
    }
}
