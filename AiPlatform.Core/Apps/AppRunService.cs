using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Apps;

/// <summary>What a run is given: the start node's inputs, a chat app's question and conversation.</summary>
public sealed record AppRunInput(JsonObject? Inputs, string? Query = null, Guid? ConversationId = null)
{
    /// <summary>A chat app's earlier turns given by the caller (the OpenAI gateway's messages) when there is no conversation to load them from.</summary>
    public IReadOnlyList<AppChatTurn>? History { get; init; }
}

/// <summary>
/// Runs apps and records each run (<see cref="AppRun"/>). The draft and single nodes run with the caller's rights
/// (Write); a published version runs for anyone with Read, with the rights of the user who published it, loaded fresh
/// at every run (a disabled or deleted publisher fails the run; a grant they lost fails the node that needed it).
/// Runs are cancelled through <see cref="AppRunRegistry"/>. A caller with only Read sees only their own runs (runs hold
/// other users' inputs); Write and above see all of the app's runs.
/// </summary>
public sealed class AppRunService(AccessService access, ICurrentUser currentUser, AuditRecorder audit, IAuditStore auditLog, AppService apps, IAppStore store, IAppEngine engine, AppRunRegistry registry, AppRunRecorder recorder, TimeProvider time, AppMetrics metrics, AppRunLimiter limiter)
{
    /// <summary>How many earlier turns of a conversation a chat run gets as memory.</summary>
    public const int HistoryTurns = 10;

    public const int MaxQueryLength = 20_000;

    /// <summary>How <see cref="AppRun.NodesJson"/> is written: camelCase, statuses by name.</summary>
    public static readonly JsonSerializerOptions NodesJson = new(AppGraph.JsonOptions) { Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter() } };

    /// <summary>Runs the draft (Write) with the caller's rights.</summary>
    public async Task<AppRun> RunDraftAsync(Guid id, AppRunInput input, Func<AppRunEvent, ValueTask>? onEvent, CancellationToken ct)
    {
        var (app, _) = await apps.RequireAsync(id, PermissionLevel.Write, ct);
        var caller = await CallerAsync(ct);
        var graph = AppGraph.FromJson(app.DraftJson);
        var issues = AppGraphValidator.Validate(graph, app.Kind);
        if (issues.Count > 0)
        {
            throw AppVersionService.Invalid(issues);
        }

        return await RunAsync(app, graph, null, caller, caller, AppRunSources.Draft, input, onEvent, ct);
    }

    /// <summary>Runs the published version (Read) with its publisher's rights; <paramref name="source"/> is <see cref="AppRunSources.Api"/> or <see cref="AppRunSources.Page"/>.</summary>
    public async Task<AppRun> RunPublishedAsync(string slug, AppRunInput input, string source, Func<AppRunEvent, ValueTask>? onEvent, CancellationToken ct)
    {
        var (app, level) = await apps.RequireBySlugAsync(slug, PermissionLevel.Read, ct);
        var caller = await CallerAsync(ct);
        var version = await apps.RequirePublishedVersionAsync(app, ct);
        var graph = AppGraph.FromJson(version.GraphJson);
        if (caller.ReadOnly && await AppWrites.FindWriterAsync(graph, store, ct) is { } found)
        {
            // Below Write the caller cannot see the graph: name only this app's node, not the sub-app behind it.
            var writer = level >= PermissionLevel.Write ? found : found.Split(" → ")[0];
            throw new ForbiddenException($"A read-only token cannot run this app: its node '{writer}' sends requests that may change data.") { MessageKey = "Apps.Error.ReadOnlyWrites", MessageArguments = [writer] };
        }

        var publisher = await PublisherAsync(app, ct);
        if (level >= PermissionLevel.Write)
        {
            return await RunAsync(app, graph, version, caller, publisher, source, input, onEvent, ct);
        }

        // Below Write the caller gets the app's outputs, not what its nodes read and wrote on the publisher's behalf.
        Func<AppRunEvent, ValueTask>? redacted = onEvent is null ? null : e => onEvent(e.Node is null ? e : e with { Node = Redacted(e.Node) });
        return Redacted(await RunAsync(app, graph, version, caller, publisher, source, input, redacted, ct));
    }

    /// <summary>
    /// The run as a caller below Write on the app may see it: each node only with its id, type, title, status and duration
    /// (no inputs, outputs or errors), and an error whose text may carry a provider's or another node's details replaced by
    /// "node X failed".
    /// </summary>
    public static AppRun Redacted(AppRun run)
    {
        var nodes = new JsonArray();
        if (JsonNode.Parse(run.NodesJson) is JsonArray recorded)
        {
            foreach (var node in recorded.OfType<JsonObject>())
            {
                var shown = new JsonObject();
                foreach (var name in (string[])["nodeId", "nodeType", "title", "status", "durationMs"])
                {
                    if (node[name] is { } value)
                    {
                        shown[name] = value.DeepClone();
                    }
                }

                nodes.Add(shown);
            }
        }

        var copy = run.Copy();
        copy.NodesJson = nodes.ToJsonString();
        if (run.Error is not null && (run.ErrorKey is null || DetailedErrors.Contains(run.ErrorKey)))
        {
            copy.Error = run.ErrorNodeId is { } node ? $"Node '{node}' failed." : "The run failed.";
            copy.ErrorKey = run.ErrorNodeId is null ? "Apps.Error.RunFailedHidden" : "Apps.Error.NodeFailedHidden";
            copy.ErrorArguments = run.ErrorNodeId is null ? null : JsonSerializer.Serialize(new[] { run.ErrorNodeId });
        }

        return copy;
    }

    /// <summary>A node execution as a caller below Write may see it (streamed): id, type, title, status and duration.</summary>
    public static NodeExecution Redacted(NodeExecution node) =>
        new() { NodeId = node.NodeId, NodeType = node.NodeType, Title = node.Title, Status = node.Status, DurationMs = node.DurationMs, Attempts = node.Attempts };

    /// <summary>Error keys whose text carries an exception's message, a provider's answer or an inner node's error.</summary>
    private static readonly HashSet<string> DetailedErrors = new(StringComparer.Ordinal)
    {
        "Apps.Error.NodeFailed", "Apps.Error.SubAppFailed", "Apps.Error.IterationFailed", "Apps.Error.LoopFailed", "Apps.Error.CodeFailed", "Apps.Error.HttpFailed",
        "Apps.Error.SecretHost", "Apps.Error.SecretMissing",
    };


    /// <summary>Runs one node of the draft (Write) with <paramref name="variables"/> standing in for its upstream nodes' outputs.</summary>
    public async Task<AppRun> RunNodeAsync(Guid id, string nodeId, JsonObject? variables, CancellationToken ct)
    {
        var (app, _) = await apps.RequireAsync(id, PermissionLevel.Write, ct);
        var caller = await CallerAsync(ct);
        var graph = AppGraph.FromJson(app.DraftJson);
        var node = FindNode(graph, nodeId) ?? throw new NotFoundException("Node", nodeId);
        var inputs = variables ?? [];
        using var slot = limiter.Enter(caller.Id);
        var run = NewRun(app, null, caller, caller, AppRunSources.Node, inputs, null, null);
        await ExecuteAsync(app, run, caller, async token =>
        {
            var execution = await engine.RunNodeAsync(Request(app, graph, null, caller, caller, run, inputs, null, []), node.Id, (JsonObject)inputs.DeepClone(), token);
            run.Status = execution.Status switch
            {
                NodeExecutionStatus.Succeeded or NodeExecutionStatus.Continued or NodeExecutionStatus.Skipped => AppRunStatus.Succeeded,
                NodeExecutionStatus.Cancelled => AppRunStatus.Cancelled,
                _ => AppRunStatus.Failed,
            };
            run.OutputsJson = (execution.Outputs ?? []).ToJsonString();
            run.NodesJson = JsonSerializer.Serialize(new[] { execution }, NodesJson);
            run.PromptTokens = execution.PromptTokens;
            run.CompletionTokens = execution.CompletionTokens;
            if (run.Status == AppRunStatus.Failed)
            {
                SetError(run, execution.Error, execution.ErrorKey, execution.ErrorArguments, node.Id);
            }

            return [execution];
        }, ct);
        return run;
    }

    /// <summary>The app's runs, newest first: all of them for Write and above, only the caller's own for Read.</summary>
    public async Task<PagedResult<AppRun>> ListAsync(Guid id, int? version, Guid? conversationId, bool draftOnly, PageRequest page, CancellationToken ct)
    {
        var (app, level) = await apps.RequireAsync(id, PermissionLevel.Read, ct);
        var onlyOwn = level < PermissionLevel.Write ? (await access.RequireContextAsync(ct)).UserId : (Guid?)null;
        await recorder.WaitForAppAsync(app.Id, ct);
        var runs = await store.ListRunsAsync(app.Id, version, conversationId, draftOnly, onlyOwn, page, ct);
        return level < PermissionLevel.Write ? runs with { Items = [.. runs.Items.Select(Redacted)] } : runs;
    }

    /// <summary>One run (404 for a Read grantee when it is someone else's); below Write <see cref="Redacted(AppRun)"/>.</summary>
    public async Task<AppRun> GetAsync(Guid id, Guid runId, CancellationToken ct)
    {
        var (run, level) = await FindAsync(id, runId, ct);
        return level >= PermissionLevel.Write ? run : Redacted(run);
    }

    private async Task<(AppRun Run, PermissionLevel Level)> FindAsync(Guid id, Guid runId, CancellationToken ct)
    {
        var (app, level) = await apps.RequireAsync(id, PermissionLevel.Read, ct);
        // A run going on here may not be stored yet (AppRunRecorder); what it is now is fresher anyway.
        AppRun? run;
        if (registry.TryGet(runId, out var live))
        {
            run = live.Copy();
        }
        else
        {
            await recorder.WaitForRunAsync(runId, ct);
            run = await store.FindRunAsync(runId, ct);
        }

        var context = await access.RequireContextAsync(ct);
        return run is not null && run.AppId == app.Id && (level >= PermissionLevel.Write || run.CallerId == context.UserId)
            ? (run, level)
            : throw new NotFoundException("App run", runId);
    }

    /// <summary>Cancels a run going on in this process (its caller, or Write on the app); 409 when it is not running here.</summary>
    public async Task<AppRun> CancelAsync(Guid id, Guid runId, CancellationToken ct)
    {
        var (run, level) = await FindAsync(id, runId, ct);
        if (run.Status != AppRunStatus.Running || !registry.TryCancel(runId))
        {
            throw new ConflictException("The run is not running (any more).") { MessageKey = "Apps.Error.RunNotRunning" };
        }

        await auditLog.AddAsync(await audit.EntryAsync("app.run.cancel", SecurableTypes.App, run.AppId, new { runId = run.Id, run.CallerId }, ct), ct);
        return level >= PermissionLevel.Write ? run : Redacted(run);
    }

    // i18/keys
    /// <summary>
    /// Runs the published version for an API key (checked by <see cref="AppKeyService"/>): as the publisher, recorded with
    /// the key's creator as caller and the key's id; a disabled or deleted creator cannot use their keys.
    /// </summary>
    public async Task<AppRun> RunWithKeyAsync(App app, AppApiKey key, AppRunInput input, string source, Func<AppRunEvent, ValueTask>? onEvent, CancellationToken ct)
    {
        var creator = await access.FindActiveUserAsync(key.CreatedBy, ct);
        if (creator is null)
        {
            throw new ForbiddenException("The user who created this key is disabled or deleted.") { MessageKey = "Apps.Keys.Error.CreatorInactive" };
        }

        var version = await apps.RequirePublishedVersionAsync(app, ct);
        var publisher = await PublisherAsync(app, ct);
        // A key's caller is an outside consumer: it gets the app's outputs, never what the nodes read and wrote (as below Write).
        Func<AppRunEvent, ValueTask>? redacted = onEvent is null ? null : e => onEvent(e.Node is null ? e : e with { Node = Redacted(e.Node) });
        return Redacted(await RunAsync(app, AppGraph.FromJson(version.GraphJson), version, new CallerIdentity(creator.UserId, creator.UserName), publisher, source, input, redacted, ct, key.Id));
    }

    // end i18/keys
    private async Task<AppRun> RunAsync(App app, AppGraph graph, AppVersion? version, CallerIdentity caller, CallerIdentity runAs, string source, AppRunInput input, Func<AppRunEvent, ValueTask>? onEvent, CancellationToken ct, Guid? apiKeyId = null)
    {
        var inputs = input.Inputs ?? [];
        var query = input.Query?.Trim();
        if (query is { Length: > MaxQueryLength })
        {
            throw new ValidationException("query", $"A question has at most {MaxQueryLength} characters.") { MessageKey = "Apps.Error.QueryLength", MessageArguments = [MaxQueryLength] };
        }

        Guid? conversation = null;
        IReadOnlyList<AppChatTurn> history = [];
        if (app.Kind == AppKind.Chat)
        {
            if (string.IsNullOrEmpty(query))
            {
                throw new ValidationException("query", "A chat app needs a question.") { MessageKey = "Apps.Error.QueryRequired" };
            }

            conversation = input.ConversationId ?? Guid.CreateVersion7(time.GetUtcNow());
            history = input.ConversationId is { } c ? await HistoryAsync(app, c, caller, ct) : input.History ?? [];
        }

        using var slot = source == AppRunSources.Evaluation ? default : limiter.Enter(apiKeyId ?? caller.Id);
        var run = NewRun(app, version, caller, runAs, source, inputs, query, conversation);
        run.ApiKeyId = apiKeyId;
        await ExecuteAsync(app, run, runAs, async token =>
        {
            var result = await engine.RunAsync(Request(app, graph, version, caller, runAs, run, inputs, query, history), onEvent, token);
            run.Status = result.Status;
            run.OutputsJson = result.Outputs.ToJsonString();
            run.Answer = result.Answer;
            run.NodesJson = JsonSerializer.Serialize(result.Nodes, NodesJson);
            run.TraceId = result.TraceId;
            run.PromptTokens = result.PromptTokens;
            run.CompletionTokens = result.CompletionTokens;
            SetError(run, result.Error, result.ErrorKey, result.ErrorArguments, result.ErrorNodeId);
            return result.Nodes;
        }, ct);
        return run;
    }

    /// <summary>
    /// Stores the run, runs <paramref name="body"/> with <paramref name="runAs"/>'s rights and a token the registry can cancel, then records
    /// how the run ended: cancelled, or failed with the error when the engine threw (the error is then passed on).
    /// </summary>
    private async Task ExecuteAsync(App app, AppRun run, CallerIdentity runAs, Func<CancellationToken, Task<IReadOnlyList<NodeExecution>>> body, CancellationToken ct)
    {
        // Registered before the run can be seen: whoever sees it Running can cancel it.
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(ct);
        registry.Register(run.Id, cancel, run);
        AppRunRecorder.Recording recording;
        try
        {
            recording = await recorder.BeginAsync(run);
        }
        catch
        {
            registry.Remove(run.Id);
            throw;
        }

        using (recording)
        {
            System.Runtime.ExceptionServices.ExceptionDispatchInfo? failure = null;
            IReadOnlyList<NodeExecution>? nodes = null;
            try
            {
                using (ActingCaller.Begin(runAs))
                {
                    nodes = await body(cancel.Token);
                }
            }
            catch (OperationCanceledException) when (cancel.IsCancellationRequested)
            {
                run.Status = AppRunStatus.Cancelled;
            }
            catch (Exception e)
            {
                run.Status = AppRunStatus.Failed;
                SetError(run, e.Message, (e as PlatformException)?.MessageKey, (e as PlatformException)?.MessageArguments.Select(a => Convert.ToString(a, System.Globalization.CultureInfo.InvariantCulture) ?? string.Empty).ToList(), null);
                failure = System.Runtime.ExceptionServices.ExceptionDispatchInfo.Capture(e);
            }

            try
            {
                await FinishAsync(app, run, recording, nodes);
            }
            finally
            {
                // Only now: until its end is queued, the run is found here; then reads wait for its record (AppRunRecorder).
                registry.Remove(run.Id);
            }

            failure?.Throw();
        }
    }

    /// <summary>The caller's earlier answered turns of a conversation, oldest first; someone else's conversation is refused.</summary>
    private async Task<IReadOnlyList<AppChatTurn>> HistoryAsync(App app, Guid conversation, CallerIdentity caller, CancellationToken ct)
    {
        await recorder.WaitForAppAsync(app.Id, ct);
        var runs = (await store.ListRunsAsync(app.Id, null, conversation, false, null, new PageRequest(0, HistoryTurns * 3), ct)).Items;
        if (runs.Any(r => r.CallerId != caller.Id))
        {
            throw new ForbiddenException("This conversation is someone else's; start a new one.") { MessageKey = "Apps.Error.ConversationNotYours" };
        }

        return [.. runs.Where(r => r.Status == AppRunStatus.Succeeded && r.Query is not null && r.Answer is not null)
            .Take(HistoryTurns).Reverse().Select(r => new AppChatTurn(r.Query!, r.Answer!))];
    }

    /// <summary>A node of the graph or of an iteration's or loop's body.</summary>
    private static AppNode? FindNode(AppGraph graph, string nodeId) =>
        graph.Find(nodeId) ?? graph.Nodes.Where(n => AppNodeCatalog.HasBody(n.Type)).Select(n => AppNodeCatalog.Body(n) is { } body ? FindNode(body, nodeId) : null).FirstOrDefault(n => n is not null);

    private AppRun NewRun(App app, AppVersion? version, CallerIdentity caller, CallerIdentity runAs, string source, JsonObject inputs, string? query, Guid? conversation)
    {
        var now = time.GetUtcNow();
        return new AppRun
        {
            Id = Guid.CreateVersion7(now),
            AppId = app.Id,
            VersionId = version?.Id,
            VersionNumber = version?.Number,
            Source = source,
            CallerId = caller.Id,
            RunAsId = runAs.Id,
            ConversationId = conversation,
            Status = AppRunStatus.Running,
            InputsJson = RecordedInputs(inputs),
            Query = query,
            StartedAt = now,
        };
    }

    private static AppRunRequest Request(App app, AppGraph graph, AppVersion? version, CallerIdentity caller, CallerIdentity runAs, AppRun run, JsonObject inputs, string? query, IReadOnlyList<AppChatTurn> history) =>
        new(app, graph, version, (JsonObject)inputs.DeepClone(), runAs, run.Source) { Query = query, ConversationId = run.ConversationId, History = history, RunId = run.Id, Caller = caller };

    private static void SetError(AppRun run, string? error, string? key, IReadOnlyList<string>? arguments, string? nodeId)
    {
        run.Error = error is { Length: > 4000 } ? error[..4000] : error;
        run.ErrorKey = key;
        run.ErrorArguments = arguments is { Count: > 0 } ? JsonSerializer.Serialize(arguments) : null;
        run.ErrorNodeId = nodeId;
    }

    private async Task FinishAsync(App app, AppRun run, AppRunRecorder.Recording recording, IReadOnlyList<NodeExecution>? nodes)
    {
        var now = time.GetUtcNow();
        run.EndedAt = now;
        run.DurationMs = (now - run.StartedAt).TotalMilliseconds;
        // Queued, not awaited until written: a run that was cancelled (or whose client went away) is still recorded as it ended.
        await recording.EndAsync();

        // i18/mon: Prometheus metrics of the ended run (AiPlatform.Apps).
        metrics.RunEnded(app.Slug, run, nodes);
    }

    private async Task<CallerIdentity> CallerAsync(CancellationToken ct)
    {
        var context = await access.RequireContextAsync(ct);
        return new CallerIdentity(context.UserId, context.UserName, (await currentUser.GetAsync(ct))?.ReadOnly == true);
    }

    // i18/eval: a version's run for an evaluation.
    /// <summary>
    /// Runs a given version for an evaluation, like a published run (source <see cref="AppRunSources.Evaluation"/>,
    /// recorded with <paramref name="caller"/> as its caller) with <paramref name="publisher"/>'s rights; the evaluation
    /// service checked Write on the app and resolved the version's publisher.
    /// </summary>
    internal Task<AppRun> RunVersionForEvaluationAsync(App app, AppGraph graph, AppVersion version, CallerIdentity caller, CallerIdentity publisher, AppRunInput input, CancellationToken ct) =>
        RunAsync(app, graph, version, caller, publisher, AppRunSources.Evaluation, input, null, ct);
    // end i18/eval

    /// <summary>The publisher, loaded now: a disabled or deleted one fails the run (<c>Apps.Error.PublisherInactive</c>).</summary>
    private async Task<CallerIdentity> PublisherAsync(App app, CancellationToken ct)
    {
        var publisher = app.PublishedBy is { } id ? await access.FindActiveUserAsync(id, ct) : null;
        return publisher is not null
            ? new CallerIdentity(publisher.UserId, publisher.UserName)
            : throw new ConflictException($"The app '{app.Slug}' cannot run: the user who published it is disabled or deleted; someone with Manage must publish it again.")
            {
                MessageKey = "Apps.Error.PublisherInactive",
                MessageArguments = [app.Slug],
            };
    }

    /// <summary>The inputs as the run's record keeps them: each as node values are kept (a file's bytes beyond 64 K characters become a preview).</summary>
    private static string RecordedInputs(JsonObject inputs)
    {
        var json = inputs.ToJsonString();
        return json.Length <= Runtime.RunState.MaxRecordedChars
            ? json
            : new JsonObject([.. inputs.Select(i => KeyValuePair.Create(i.Key, Runtime.RunState.ForRecord(i.Value)))]).ToJsonString();
    }
}
