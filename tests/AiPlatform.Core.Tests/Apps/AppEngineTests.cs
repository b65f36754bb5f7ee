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
    public async Task If_else_takes_one_branch_and_skips_the_nodes_only_the_other_leads_to()
    {
        var start = Node("start", AppNodeTypes.Start, new JsonObject { ["fields"] = new JsonArray(new JsonObject { ["name"] = "n", ["type"] = "number" }) });
        var aggregate = Node("agg", AppNodeTypes.Aggregator, new JsonObject { ["variables"] = new JsonArray("{{big.result}}", "{{small2.result}}") });
        var graph = Graph(
            [start, IfElse("if1", "{{start.n}}", "gt", "5"), Code("big", ("size", "big")), Code("small1", ("size", "small")), Code("small2", ("size", "{{small1.size}}")), aggregate, End(("value", "{{agg.value.size}}"))],
            Edge("start", "if1"), Edge("if1", "big", "true"), Edge("if1", "small1", "false"), Edge("small1", "small2"), Edge("big", "agg"), Edge("small2", "agg"), Edge("agg", "end"));
        var code = EchoCode();
        var (engine, _) = Engine(null, code);

        var big = await engine.RunAsync(Request(graph, new JsonObject { ["n"] = "7" }), null, CancellationToken.None);
        big.Status.ShouldBe(AppRunStatus.Succeeded, big.Error);
        big.Outputs["value"]!.GetValue<string>().ShouldBe("big");
        big.Nodes.Single(n => n.NodeId == "small1").Status.ShouldBe(NodeExecutionStatus.Skipped);
        big.Nodes.Single(n => n.NodeId == "small2").Status.ShouldBe(NodeExecutionStatus.Skipped);
        big.Nodes.Single(n => n.NodeId == "if1").Outputs!["result"]!.GetValue<bool>().ShouldBeTrue();

        var small = await engine.RunAsync(Request(graph, new JsonObject { ["n"] = 2 }), null, CancellationToken.None);
        small.Status.ShouldBe(AppRunStatus.Succeeded, small.Error);
        small.Outputs["value"]!.GetValue<string>().ShouldBe("small");
        small.Nodes.Single(n => n.NodeId == "big").Status.ShouldBe(NodeExecutionStatus.Skipped);
        code.Ran.Count(id => id == "big").ShouldBe(1);
    }

    [Fact]
    public async Task Switch_goes_through_the_first_matching_case_or_default()
    {
        var @switch = Node("sw", AppNodeTypes.Switch, new JsonObject
        {
            ["cases"] = new JsonArray(
                new JsonObject { ["conditions"] = new JsonArray(new JsonObject { ["variable"] = "{{start.q}}", ["operator"] = "starts-with", ["value"] = "a" }) },
                new JsonObject { ["conditions"] = new JsonArray(new JsonObject { ["variable"] = "{{start.q}}", ["operator"] = "contains", ["value"] = "b" }) }),
        });
        var graph = Graph([Start("q"), @switch, Code("c0", ("v", "zero")), Code("c1", ("v", "one")), Code("d", ("v", "default")),
                Node("agg", AppNodeTypes.Aggregator, new JsonObject { ["variables"] = new JsonArray("{{c0.v}}", "{{c1.v}}", "{{d.v}}") }), End(("v", "{{agg.value}}"))],
            Edge("start", "sw"), Edge("sw", "c0", "case-0"), Edge("sw", "c1", "case-1"), Edge("sw", "d", "default"), Edge("c0", "agg"), Edge("c1", "agg"), Edge("d", "agg"), Edge("agg", "end"));
        var (engine, _) = Engine(null, EchoCode());

        (await engine.RunAsync(Request(graph, new JsonObject { ["q"] = "abc" }), null, CancellationToken.None)).Outputs["v"]!.GetValue<string>().ShouldBe("zero");
        (await engine.RunAsync(Request(graph, new JsonObject { ["q"] = "xbx" }), null, CancellationToken.None)).Outputs["v"]!.GetValue<string>().ShouldBe("one");
        (await engine.RunAsync(Request(graph, new JsonObject { ["q"] = "zzz" }), null, CancellationToken.None)).Outputs["v"]!.GetValue<string>().ShouldBe("default");
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
    public async Task Iteration_keeps_the_items_order_and_runs_at_most_parallelism_items_at_once()
    {
        var running = 0;
        var peak = 0;
        var slowDouble = EchoCode(async (context, inputs, ct) =>
        {
            if (context.Node.Id != "double")
            {
                return;
            }

            var now = Interlocked.Increment(ref running);
            InterlockedMax(ref peak, now);
            await Task.Delay(TimeSpan.FromMilliseconds(40 * (6 - inputs["n"].Num())), ct);
            Interlocked.Decrement(ref running);
        });
        var body = Graph([Code("double", ("n", "{{iter.item}}"), ("i", "{{iter.index}}"))]);
        var iteration = Node("iter", AppNodeTypes.Iteration, new JsonObject { ["items"] = "{{list.items.items}}", ["parallelism"] = 3, ["body"] = BodyJson(body), ["output"] = "{{double.n}}" });
        var list = Node("list", AppNodeTypes.Code, new JsonObject { ["code"] = "x", ["inputs"] = new JsonArray(new JsonObject { ["name"] = "items", ["value"] = "{{start.items}}" }) });
        var start = Node("start", AppNodeTypes.Start, new JsonObject { ["fields"] = new JsonArray(new JsonObject { ["name"] = "items", ["type"] = "dataset-row" }) });
        var graph = Graph([start, list, iteration, End(("results", "{{iter.results}}"))], Edge("start", "list"), Edge("list", "iter"), Edge("iter", "end"));
        var (engine, sink) = Engine(null, slowDouble);

        var result = await engine.RunAsync(Request(graph, new JsonObject { ["items"] = new JsonObject { ["items"] = new JsonArray(1, 2, 3, 4, 5) } }), null, CancellationToken.None);

        result.Status.ShouldBe(AppRunStatus.Succeeded, result.Error);
        result.Outputs["results"]!.AsArray().Select(n => n.Num()).ShouldBe([1, 2, 3, 4, 5]);
        peak.ShouldBeGreaterThan(1);
        peak.ShouldBeLessThanOrEqualTo(3);
        var inner = result.Nodes.Where(n => n.NodeId == "double").ToList();
        inner.Count.ShouldBe(5);
        inner.ShouldAllBe(n => n.ParentId == "iter");
        inner.Select(n => n.Index!.Value).Order().ShouldBe([0, 1, 2, 3, 4]);
        var trace = sink.Traces.Single();
        var iterSpan = trace.Spans.Single(s => s.Name == "iter");
        var itemSpans = trace.Spans.Where(s => s.Parent == iterSpan).ToList();
        itemSpans.Select(s => s.Name).Order().ShouldBe(["iter[0]", "iter[1]", "iter[2]", "iter[3]", "iter[4]"]);
        trace.Spans.Where(s => s.Name == "double").ShouldAllBe(s => itemSpans.Contains(s.Parent!));
    }

    [Fact]
    public async Task A_failing_item_fails_the_iteration_naming_the_item_and_the_inner_node()
    {
        var failOnThree = EchoCode((context, inputs, _) => context.Node.Id == "check" && inputs["n"].Num() == 3 ? throw new ValidationException("n", "three is bad") { MessageKey = "Test.Three" } : Task.CompletedTask);
        var body = Graph([Code("check", ("n", "{{iter.item}}"))]);
        var iteration = Node("iter", AppNodeTypes.Iteration, new JsonObject { ["items"] = "{{list.items.items}}", ["body"] = BodyJson(body), ["output"] = "{{check.n}}" });
        var list = Node("list", AppNodeTypes.Code, new JsonObject { ["code"] = "x", ["inputs"] = new JsonArray(new JsonObject { ["name"] = "items", ["value"] = "{{start.items}}" }) });
        var start = Node("start", AppNodeTypes.Start, new JsonObject { ["fields"] = new JsonArray(new JsonObject { ["name"] = "items", ["type"] = "dataset-row" }) });
        var graph = Graph([start, list, iteration, End(("results", "{{iter.results}}"))], Edge("start", "list"), Edge("list", "iter"), Edge("iter", "end"));
        var (engine, _) = Engine(null, failOnThree);

        var result = await engine.RunAsync(Request(graph, new JsonObject { ["items"] = new JsonObject { ["items"] = new JsonArray(1, 2, 3, 4) } }), null, CancellationToken.None);

        result.Status.ShouldBe(AppRunStatus.Failed);
        result.ErrorNodeId.ShouldBe("iter");
        result.ErrorKey.ShouldBe("Apps.Error.IterationFailed");
        result.ErrorArguments.ShouldBe(["iter", "2", "check", "three is bad"]);
        result.Nodes.Single(n => n.NodeId == "check" && n.Index == 2).Status.ShouldBe(NodeExecutionStatus.Failed);
        result.Nodes.ShouldNotContain(n => n.NodeId == "check" && n.Index == 3, string.Join("; ", result.Nodes.Select(n => $"{n.NodeId}[{n.Index}] {n.Status} {n.Error}")));
    }

    [Fact]
    public async Task Iteration_over_something_that_is_not_a_list_fails_clearly()
    {
        var body = Graph([Code("check", ("n", "{{iter.item}}"))]);
        var iteration = Node("iter", AppNodeTypes.Iteration, new JsonObject { ["items"] = "{{list.result.items}}", ["body"] = BodyJson(body), ["output"] = "{{check.n}}" });
        var list = Code("list", ("items", "{{start.items}}"));
        var graph = Graph([Start("items"), list, iteration, End(("results", "{{iter.results}}"))], Edge("start", "list"), Edge("list", "iter"), Edge("iter", "end"));
        var (engine, _) = Engine(null, EchoCode());

        var result = await engine.RunAsync(Request(graph, new JsonObject { ["items"] = "not a list" }), null, CancellationToken.None);

        result.Status.ShouldBe(AppRunStatus.Failed);
        result.ErrorKey.ShouldBe("Apps.Error.ItemsNotArray");
        result.ErrorNodeId.ShouldBe("iter");
    }

    [Fact]
    public async Task Loop_stops_at_its_maximum_or_when_its_condition_holds()
    {
        var body = Graph([Code("inc", ("next", "{{loop.count}}"))]);
        var increment = EchoCode((_, inputs, _) =>
        {
            inputs["next"] = inputs["next"].Num() + 1;
            return Task.CompletedTask;
        });
        AppNode Loop(JsonArray condition) => Node("loop", AppNodeTypes.Loop, new JsonObject
        {
            ["maxIterations"] = 5,
            ["variables"] = new JsonArray(new JsonObject { ["name"] = "count", ["type"] = "number", ["initial"] = "{{start.from}}" }),
            ["body"] = BodyJson(body),
            ["updates"] = new JsonArray(new JsonObject { ["name"] = "count", ["value"] = "{{inc.next}}" }),
            ["condition"] = condition,
        });
        var (engine, _) = Engine(null, increment);

        var bounded = await engine.RunAsync(Request(Graph([Start("from"), Loop([]), End(("count", "{{loop.count}}"), ("rounds", "{{loop.index}}"))], Edge("start", "loop"), Edge("loop", "end")), new JsonObject { ["from"] = "10" }), null, CancellationToken.None);
        bounded.Status.ShouldBe(AppRunStatus.Succeeded, bounded.Error);
        bounded.Outputs["count"].Num().ShouldBe(15);
        bounded.Outputs["rounds"].Num().ShouldBe(5);
        bounded.Nodes.Count(n => n.NodeId == "inc").ShouldBe(5);

        var until = await engine.RunAsync(Request(Graph([Start("from"), Loop(new JsonArray(new JsonObject { ["variable"] = "{{loop.count}}", ["operator"] = "gte", ["value"] = "12" })), End(("count", "{{loop.count}}"), ("rounds", "{{loop.index}}"))], Edge("start", "loop"), Edge("loop", "end")), new JsonObject { ["from"] = "10" }), null, CancellationToken.None);
        until.Status.ShouldBe(AppRunStatus.Succeeded, until.Error);
        until.Outputs["count"].Num().ShouldBe(12);
        until.Outputs["rounds"].Num().ShouldBe(2);
    }

    [Fact]
    public async Task Loop_rounds_are_capped_by_the_platform_maximum()
    {
        var body = Graph([Code("noop", ("i", "{{loop.index}}"))]);
        var loop = Node("loop", AppNodeTypes.Loop, new JsonObject { ["maxIterations"] = 1000, ["body"] = BodyJson(body) });
        var (engine, _) = Engine(new AppSettings { MaxIterations = 3 }, EchoCode());

        var result = await engine.RunAsync(Request(Graph([Start(), loop, End(("rounds", "{{loop.index}}"))], Edge("start", "loop"), Edge("loop", "end"))), null, CancellationToken.None);

        result.Status.ShouldBe(AppRunStatus.Succeeded, result.Error);
        result.Outputs["rounds"].Num().ShouldBe(3);
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

    [Fact]
    public async Task Independent_branches_run_at_the_same_time_and_a_failure_in_one_cancels_the_other()
    {
        var bothStarted = new TaskCompletionSource(TaskCreationOptions.RunContinuationsAsynchronously);
        var started = 0;
        var parallel = new FuncExecutor(AppNodeTypes.Code, async (context, ct) =>
        {
            if (Interlocked.Increment(ref started) == 2)
            {
                bothStarted.TrySetResult();
            }

            await bothStarted.Task.WaitAsync(TimeSpan.FromSeconds(10), ct);
            if (context.Node.Id == "bad")
            {
                throw new ValidationException("x", "bad branch") { MessageKey = "Test.Bad" };
            }

            await Task.Delay(Timeout.Infinite, ct);
            return new NodeOutcome([]);
        });
        var graph = Graph([Start(), Code("bad"), Code("slow"), End(("a", "{{bad.result}}"), ("b", "{{slow.result}}"))],
            Edge("start", "bad"), Edge("start", "slow"), Edge("bad", "end"), Edge("slow", "end"));
        var (engine, _) = Engine(null, parallel);
        var events = new List<AppRunEvent>();

        var result = await engine.RunAsync(Request(graph), e => { lock (events) { events.Add(e); } return ValueTask.CompletedTask; }, CancellationToken.None).WaitAsync(TimeSpan.FromSeconds(20));

        result.Status.ShouldBe(AppRunStatus.Failed);
        result.ErrorNodeId.ShouldBe("bad");
        result.Nodes.Single(n => n.NodeId == "slow").Status.ShouldBe(NodeExecutionStatus.Cancelled);
        events.Count(e => e.Kind == AppRunEventKind.NodeFinished).ShouldBe(3);
    }

    [Fact]
    public async Task Skipped_nodes_are_reported_as_finished_events()
    {
        var graph = Graph([Start("q"), IfElse("if1", "{{start.q}}", "equals", "yes"), Code("a", ("v", "A")), Code("b", ("v", "B")),
                Node("agg", AppNodeTypes.Aggregator, new JsonObject { ["variables"] = new JsonArray("{{a.v}}", "{{b.v}}") }), End(("v", "{{agg.value}}"))],
            Edge("start", "if1"), Edge("if1", "a", "true"), Edge("if1", "b", "false"), Edge("a", "agg"), Edge("b", "agg"), Edge("agg", "end"));
        var (engine, _) = Engine(null, EchoCode());
        var events = new List<AppRunEvent>();

        var result = await engine.RunAsync(Request(graph, new JsonObject { ["q"] = "no" }), e => { events.Add(e); return ValueTask.CompletedTask; }, CancellationToken.None);

        result.Outputs["v"]!.GetValue<string>().ShouldBe("B");
        var skipped = events.Single(e => e.Kind == AppRunEventKind.NodeFinished && e.NodeId == "a");
        skipped.Node!.Status.ShouldBe(NodeExecutionStatus.Skipped);
        events.ShouldNotContain(e => e.Kind == AppRunEventKind.NodeStarted && e.NodeId == "a");
    }

    [Fact]
    public async Task A_failing_loop_round_fails_the_loop_naming_the_round()
    {
        var body = Graph([Code("step", ("i", "{{loop.index}}"))]);
        var failOnTwo = EchoCode((context, inputs, _) => context.Node.Id == "step" && inputs["i"].Num() == 2 ? throw new ValidationException("i", "round two") : Task.CompletedTask);
        var loop = Node("loop", AppNodeTypes.Loop, new JsonObject { ["maxIterations"] = 5, ["body"] = BodyJson(body) });
        var (engine, _) = Engine(null, failOnTwo);

        var result = await engine.RunAsync(Request(Graph([Start(), loop, End(("r", "{{loop.index}}"))], Edge("start", "loop"), Edge("loop", "end"))), null, CancellationToken.None);

        result.Status.ShouldBe(AppRunStatus.Failed);
        result.ErrorNodeId.ShouldBe("loop");
        result.ErrorKey.ShouldBe("Apps.Error.LoopFailed");
        result.ErrorArguments.ShouldBe(["loop", "2", "step", "round two"]);
        result.Nodes.Count(n => n.NodeId == "step").ShouldBe(3);
    }

    private static void InterlockedMax(ref int target, int value)
    {
        int current;
        while ((current = Volatile.Read(ref target)) < value && Interlocked.CompareExchange(ref target, value, current) != current)
        {
        }
    }
}

internal static class AppNodeTestExtensions
{
    public static AppNode With(this AppNode node, Action<AppNode> change)
    {
        change(node);
        return node;
    }
}
