using System.Diagnostics;
using System.Text.Json.Nodes;
using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Common;
using static AiPlatform.Core.Tests.Apps.AppTestKit;

namespace AiPlatform.Core.Tests.Apps;

public sealed class AppEngineTests
{
    private static AppNode Template(string id, string template, params (string Name, string Value)[] variables) => Node(id, AppNodeTypes.Template, new JsonObject
    {
        ["template"] = template,
        ["variables"] = new JsonArray([.. variables.Select(v => (JsonNode)new JsonObject { ["name"] = v.Name, ["value"] = v.Value })]),
    });

    [Fact]
    public async Task Start_template_end_runs_and_returns_the_outputs_with_one_span_per_node()
    {
        var graph = Graph([Start("name"), Template("t1", "Hello {{ who }}!", ("who", "{{start.name}}")), End(("greeting", "{{t1.text}}"), ("echo", "{{ start.name }} again"))],
            Edge("start", "t1"), Edge("t1", "end"));
        var (engine, sink) = Engine();

        var result = await engine.RunAsync(Request(graph, new JsonObject { ["name"] = "Ada" }), null, CancellationToken.None);

        result.Status.ShouldBe(AppRunStatus.Succeeded, result.Error);
        result.Outputs["greeting"]!.GetValue<string>().ShouldBe("Hello Ada!");
        result.Outputs["echo"]!.GetValue<string>().ShouldBe("Ada again");
        result.Nodes.Select(n => n.NodeId).ShouldBe(["start", "t1", "end"]);
        result.Nodes.ShouldAllBe(n => n.Status == NodeExecutionStatus.Succeeded);
        var trace = sink.Traces.ShouldHaveSingleItem();
        trace.TraceId.ShouldBe(result.TraceId);
        trace.Root.Name.ShouldBe("app:test-app");
        trace.Root.SpanType.ShouldBe("CHAIN");
        trace.Spans.Where(s => s != trace.Root).Select(s => s.Name).ShouldBe(["start", "t1", "end"]);
        trace.Spans.ShouldAllBe(s => s.EndNanos != null);
        trace.ToSpansJson().ShouldContain("Hello Ada!");
    }

    [Fact]
    public async Task A_failing_node_is_retried_and_then_succeeds()
    {
        var calls = 0;
        var flaky = new FuncExecutor(AppNodeTypes.Code, (_, _) => ++calls < 3
            ? throw new ValidationException("x", "flaky") { MessageKey = "Test.Flaky" }
            : Task.FromResult(new NodeOutcome(new JsonObject { ["result"] = "ok" })));
        var graph = Graph([Start(), Code("c1").With(n => n.OnError = new NodeErrorPolicy { Retries = 2, RetryDelayMs = 10 }), End(("r", "{{c1.result}}"))], Edge("start", "c1"), Edge("c1", "end"));
        var (engine, sink) = Engine(null, flaky);

        var result = await engine.RunAsync(Request(graph), null, CancellationToken.None);

        result.Status.ShouldBe(AppRunStatus.Succeeded, result.Error);
        result.Outputs["r"]!.GetValue<string>().ShouldBe("ok");
        result.Nodes.Single(n => n.NodeId == "c1").Attempts.ShouldBe(3);
        sink.Traces.Single().Spans.Count(s => s.Name == "c1").ShouldBe(1);
    }

    [Fact]
    public async Task A_node_that_keeps_failing_stops_the_run_naming_the_node_and_the_reason()
    {
        var calls = 0;
        var broken = new FuncExecutor(AppNodeTypes.Code, (_, _) =>
        {
            calls++;
            throw new ValidationException("url", "The host is not allowed.") { MessageKey = "Test.HostRefused", MessageArguments = ["example.org"] };
        });
        var graph = Graph([Start(), Code("c1").With(n => n.OnError = new NodeErrorPolicy { Retries = 1, RetryDelayMs = 0 }), Code("c2"), End(("r", "{{c2.result}}"))],
            Edge("start", "c1"), Edge("c1", "c2"), Edge("c2", "end"));
        var (engine, sink) = Engine(null, broken);

        var result = await engine.RunAsync(Request(graph), null, CancellationToken.None);

        result.Status.ShouldBe(AppRunStatus.Failed);
        result.ErrorNodeId.ShouldBe("c1");
        result.Error.ShouldBe("The host is not allowed.");
        result.ErrorKey.ShouldBe("Test.HostRefused");
        result.ErrorArguments.ShouldBe(["example.org"]);
        calls.ShouldBe(2);
        result.Nodes.ShouldNotContain(n => n.NodeId == "c2" || n.NodeId == "end");
        var span = sink.Traces.Single().Spans.Single(s => s.Name == "c1");
        span.State.ShouldBe(TraceStateError);
        sink.Traces.Single().State.ShouldBe(TraceStateError);
    }

    private static readonly AiPlatform.Core.Tracing.TraceState TraceStateError = AiPlatform.Core.Tracing.TraceState.Error;

    [Fact]
    public async Task The_continue_policy_goes_on_with_the_default_outputs()
    {
        var broken = new FuncExecutor(AppNodeTypes.Code, (_, _) => throw new InvalidOperationException("boom"));
        var graph = Graph([Start(), Code("c1").With(n => n.OnError = new NodeErrorPolicy { Continue = true, DefaultOutputs = new JsonObject { ["result"] = "fallback" } }), End(("r", "{{c1.result}}"))],
            Edge("start", "c1"), Edge("c1", "end"));
        var (engine, _) = Engine(null, broken);

        var result = await engine.RunAsync(Request(graph), null, CancellationToken.None);

        result.Status.ShouldBe(AppRunStatus.Succeeded, result.Error);
        result.Outputs["r"]!.GetValue<string>().ShouldBe("fallback");
        var c1 = result.Nodes.Single(n => n.NodeId == "c1");
        c1.Status.ShouldBe(NodeExecutionStatus.Continued);
        c1.Error!.ShouldContain("boom");
        c1.ErrorKey.ShouldBe("Apps.Error.NodeFailed");
    }

    [Fact]
    public async Task A_node_that_hangs_and_ignores_cancellation_is_stopped_by_its_time_limit()
    {
        var hang = new FuncExecutor(AppNodeTypes.Code, async (_, _) =>
        {
            await Task.Delay(Timeout.Infinite, CancellationToken.None);
            return new NodeOutcome([]);
        });
        var graph = Graph([Start(), Code("slow").With(n => n.TimeoutSeconds = 1), End(("r", "{{slow.result}}"))], Edge("start", "slow"), Edge("slow", "end"));
        var (engine, _) = Engine(null, hang);
        var watch = Stopwatch.StartNew();

        var result = await engine.RunAsync(Request(graph), null, CancellationToken.None);

        watch.Elapsed.ShouldBeLessThan(TimeSpan.FromSeconds(10));
        result.Status.ShouldBe(AppRunStatus.Failed);
        result.ErrorNodeId.ShouldBe("slow");
        result.ErrorKey.ShouldBe("Apps.Error.NodeTimeout");
        result.ErrorArguments.ShouldBe(["slow", "1"]);
    }

    [Fact]
    public async Task The_run_time_limit_stops_a_run_whose_nodes_have_longer_limits()
    {
        var hang = new FuncExecutor(AppNodeTypes.Code, async (_, ct) =>
        {
            await Task.Delay(Timeout.Infinite, ct);
            return new NodeOutcome([]);
        });
        var graph = Graph([Start(), Code("slow"), End(("r", "{{slow.result}}"))], Edge("start", "slow"), Edge("slow", "end"));
        var (engine, _) = Engine(new AppSettings { RunTimeoutSeconds = 1, NodeTimeoutSeconds = 60 }, hang);

        var result = await engine.RunAsync(Request(graph), null, CancellationToken.None);

        result.Status.ShouldBe(AppRunStatus.Failed);
        result.ErrorKey.ShouldBe("Apps.Error.RunTimeout");
        result.ErrorNodeId.ShouldBe("slow");
    }

    [Fact]
    public async Task Cancelling_a_run_ends_it_as_cancelled()
    {
        var started = new TaskCompletionSource();
        var hang = new FuncExecutor(AppNodeTypes.Code, async (_, ct) =>
        {
            started.TrySetResult();
            await Task.Delay(Timeout.Infinite, ct);
            return new NodeOutcome([]);
        });
        var graph = Graph([Start(), Code("slow"), End(("r", "{{slow.result}}"))], Edge("start", "slow"), Edge("slow", "end"));
        var (engine, sink) = Engine(null, hang);
        using var cts = new CancellationTokenSource();

        var run = engine.RunAsync(Request(graph), null, cts.Token);
        await started.Task.WaitAsync(TimeSpan.FromSeconds(10));
        await cts.CancelAsync();
        var result = await run.WaitAsync(TimeSpan.FromSeconds(10));

        result.Status.ShouldBe(AppRunStatus.Cancelled);
        result.ErrorKey.ShouldBe("Apps.Error.RunCancelled");
        result.Nodes.Single(n => n.NodeId == "slow").Status.ShouldBe(NodeExecutionStatus.Cancelled);
        result.Nodes.ShouldNotContain(n => n.NodeId == "end");
        sink.Traces.ShouldHaveSingleItem();
    }

    [Fact]
    public async Task A_token_cancelled_before_the_run_throws()
    {
        var (engine, _) = Engine();
        await Should.ThrowAsync<OperationCanceledException>(() => engine.RunAsync(Request(Graph([Start(), End()], Edge("start", "end"))), null, new CancellationToken(true)));
    }

    [Fact]
    public async Task An_invalid_graph_fails_before_any_node_runs()
    {
        var code = EchoCode();
        var graph = Graph([Start(), Code("a", ("x", "{{b.result}}")), Code("b", ("x", "{{a.result}}")), End()], Edge("start", "a"), Edge("a", "b"), Edge("b", "a"), Edge("b", "end"));
        var (engine, _) = Engine(null, code);

        var result = await engine.RunAsync(Request(graph), null, CancellationToken.None);

        result.Status.ShouldBe(AppRunStatus.Failed);
        result.ErrorKey.ShouldBe("Apps.Error.Cycle");
        code.Ran.ShouldBeEmpty();
    }

    [Fact]
    public async Task Nodes_run_with_the_rights_of_the_run_user()
    {
        CallerIdentity? seen = null;
        var probe = new FuncExecutor(AppNodeTypes.Code, (_, _) =>
        {
            seen = ActingCaller.Current;
            return Task.FromResult(new NodeOutcome(new JsonObject { ["result"] = 1 }));
        });
        var (engine, _) = Engine(null, probe);

        await engine.RunAsync(Request(Graph([Start(), Code("c1"), End(("r", "{{c1.result}}"))], Edge("start", "c1"), Edge("c1", "end"))), null, CancellationToken.None);

        seen.ShouldBe(Publisher);
        ActingCaller.Current.ShouldBeNull();
    }

    [Fact]
    public async Task A_chat_app_answers_and_reports_events_without_repeating_a_streamed_answer()
    {
        var llm = new FuncExecutor(AppNodeTypes.Llm, async (context, _) =>
        {
            if (context.Streaming)
            {
                await context.EmitAsync(new AppRunEvent(AppRunEventKind.AnswerDelta, Text: "Hel"));
                await context.EmitAsync(new AppRunEvent(AppRunEventKind.AnswerDelta, Text: "lo"));
            }

            return new NodeOutcome(new JsonObject { ["text"] = "Hello" }) { PromptTokens = 7, CompletionTokens = 2, Model = "tiny" };
        });
        var graph = Graph([Start(), Node("llm1", AppNodeTypes.Llm, new JsonObject { ["model"] = "tiny", ["prompt"] = "{{sys.query}}" }), Node("answer", AppNodeTypes.Answer, new JsonObject { ["text"] = "{{llm1.text}}" })],
            Edge("start", "llm1"), Edge("llm1", "answer"));
        var (engine, sink) = Engine(null, llm);
        var events = new List<AppRunEvent>();

        var result = await engine.RunAsync(Request(graph, kind: AppKind.Chat, query: "hi"), e => { events.Add(e); return ValueTask.CompletedTask; }, CancellationToken.None);

        result.Status.ShouldBe(AppRunStatus.Succeeded, result.Error);
        result.Answer.ShouldBe("Hello");
        result.PromptTokens.ShouldBe(7);
        result.CompletionTokens.ShouldBe(2);
        events.Where(e => e.Kind == AppRunEventKind.AnswerDelta).Select(e => e.Text).ShouldBe(["Hel", "lo"]);
        events.Where(e => e.Kind == AppRunEventKind.AnswerDelta).ShouldAllBe(e => e.NodeId == "llm1");
        events.Where(e => e.Kind == AppRunEventKind.NodeStarted).Select(e => e.NodeId).ShouldBe(["start", "llm1", "answer"]);
        events.Where(e => e.Kind == AppRunEventKind.NodeFinished).Select(e => e.Node!.Status).ShouldAllBe(s => s == NodeExecutionStatus.Succeeded);
        sink.Traces.Single().TokenUsage.ShouldBe((7L, 2L));

        var composed = Graph([Start(), Node("llm1", AppNodeTypes.Llm, new JsonObject { ["model"] = "tiny", ["prompt"] = "{{sys.query}}" }), Node("answer", AppNodeTypes.Answer, new JsonObject { ["text"] = "Bot: {{llm1.text}}" })],
            Edge("start", "llm1"), Edge("llm1", "answer"));
        events.Clear();
        var second = await engine.RunAsync(Request(composed, kind: AppKind.Chat, query: "hi"), e => { events.Add(e); return ValueTask.CompletedTask; }, CancellationToken.None);
        second.Answer.ShouldBe("Bot: Hello");
        events.Where(e => e.Kind == AppRunEventKind.AnswerDelta).Select(e => e.Text).ShouldBe(["Bot: Hello"]);
    }

    [Fact]
    public async Task Run_node_runs_one_node_with_given_variables()
    {
        var graph = Graph([Start("name"), Template("t1", "Hi {{ who }}, {{ n }}", ("who", "{{start.name}}"), ("n", "{{llm1.text}}")), End(("r", "{{t1.text}}"))], Edge("start", "t1"), Edge("t1", "end"));
        var (engine, sink) = Engine();

        var execution = await engine.RunNodeAsync(Request(graph), "t1", new JsonObject { ["start"] = new JsonObject { ["name"] = "Bo" }, ["llm1"] = new JsonObject { ["text"] = "ok" } }, CancellationToken.None);

        execution.Status.ShouldBe(NodeExecutionStatus.Succeeded, execution.Error);
        execution.Outputs!["text"]!.GetValue<string>().ShouldBe("Hi Bo, ok");
        sink.Traces.ShouldHaveSingleItem().Spans.Count.ShouldBe(2);

        var missing = await engine.RunNodeAsync(Request(graph), "t1", new JsonObject { ["start"] = new JsonObject { ["name"] = "Bo" } }, CancellationToken.None);
        missing.Status.ShouldBe(NodeExecutionStatus.Failed);
        missing.ErrorKey.ShouldBe("Apps.Error.UnknownVariable");

        await Should.ThrowAsync<ValidationException>(() => engine.RunNodeAsync(Request(graph), "nope", [], CancellationToken.None));
    }

    [Fact]
    public async Task Start_input_problems_fail_the_run_at_the_start_node()
    {
        var start = Node("start", AppNodeTypes.Start, new JsonObject { ["fields"] = new JsonArray(new JsonObject { ["name"] = "n", ["type"] = "number", ["required"] = true }) });
        var (engine, _) = Engine();

        var result = await engine.RunAsync(Request(Graph([start, End(("n", "{{start.n}}"))], Edge("start", "end")), new JsonObject { ["n"] = "many" }), null, CancellationToken.None);

        result.Status.ShouldBe(AppRunStatus.Failed);
        result.ErrorNodeId.ShouldBe("start");
        result.ErrorKey.ShouldBe("Apps.Error.InputNumber");
    }

    [Fact]
    public async Task A_node_without_an_executor_fails_clearly()
    {
        var graph = Graph([Start(), Node("h", AppNodeTypes.Http, new JsonObject { ["method"] = "GET", ["url"] = "https://example.org" }), End(("s", "{{h.status}}"))], Edge("start", "h"), Edge("h", "end"));
        var (engine, _) = Engine();

        var result = await engine.RunAsync(Request(graph), null, CancellationToken.None);

        result.Status.ShouldBe(AppRunStatus.Failed);
        result.ErrorKey.ShouldBe("Apps.Error.NoExecutor");
        result.ErrorNodeId.ShouldBe("h");
    }
}
