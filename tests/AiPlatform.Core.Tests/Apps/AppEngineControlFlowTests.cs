using System.Text.Json.Nodes;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Common;
using static AiPlatform.Core.Tests.Apps.AppTestKit;

namespace AiPlatform.Core.Tests.Apps;

/// <summary>The engine's branches, iterations, loops and parallel paths.</summary>
public sealed class AppEngineControlFlowTests
{
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
