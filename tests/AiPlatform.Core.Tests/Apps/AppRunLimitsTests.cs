using System.Text.Json.Nodes;
using AiPlatform.Core.Apps;
using static AiPlatform.Core.Tests.Apps.AppTestKit;

namespace AiPlatform.Core.Tests.Apps;

/// <summary>Run-wide limits: one parallel budget, an execution cap, bounded records.</summary>
public sealed class AppRunLimitsTests
{
    private static AppNode ListNode() => Node("list", AppNodeTypes.Code, new JsonObject { ["code"] = "x", ["inputs"] = new JsonArray(new JsonObject { ["name"] = "items", ["value"] = "{{start.items}}" }) });

    private static AppNode ItemsStart() => Node("start", AppNodeTypes.Start, new JsonObject { ["fields"] = new JsonArray(new JsonObject { ["name"] = "items", ["type"] = "dataset-row" }) });

    private static AppNode Iteration(string id, string items, AppGraph body, string output, int parallelism) =>
        Node(id, AppNodeTypes.Iteration, new JsonObject { ["items"] = items, ["parallelism"] = parallelism, ["body"] = BodyJson(body), ["output"] = output });

    [Fact]
    public async Task Nested_iterations_share_one_run_wide_parallel_budget()
    {
        var running = 0;
        var peak = 0;
        var work = EchoCode(async (context, _, ct) =>
        {
            if (context.Node.Id != "work")
            {
                return;
            }

            var now = Interlocked.Increment(ref running);
            int current;
            while ((current = Volatile.Read(ref peak)) < now && Interlocked.CompareExchange(ref peak, now, current) != current)
            {
            }

            await Task.Delay(40, ct);
            Interlocked.Decrement(ref running);
        });
        var inner = Iteration("inner", "{{outer.item}}", Graph([Code("work", ("n", "{{inner.item}}"))]), "{{work.n}}", 3);
        var outer = Iteration("outer", "{{list.items.items}}", Graph([inner]), "{{inner.results}}", 3);
        var graph = Graph([ItemsStart(), ListNode(), outer, End(("results", "{{outer.results}}"))], Edge("start", "list"), Edge("list", "outer"), Edge("outer", "end"));
        var (engine, _) = Engine(new AppSettings { MaxParallelism = 3 }, work);
        var items = new JsonArray([.. Enumerable.Range(0, 4).Select(i => (JsonNode)new JsonArray([.. Enumerable.Range(0, 4).Select(j => (JsonNode)(i * 10 + j))]))]);

        var result = await engine.RunAsync(Request(graph, new JsonObject { ["items"] = new JsonObject { ["items"] = items } }), null, CancellationToken.None);

        result.Status.ShouldBe(AppRunStatus.Succeeded, result.Error);
        result.Outputs["results"]!.AsArray()[3]!.AsArray().Select(n => n.Num()).ShouldBe([30, 31, 32, 33]);
        result.Nodes.Count(n => n.NodeId == "work").ShouldBe(16);
        peak.ShouldBeGreaterThan(1);
        // Without the run-wide budget, 3 outer items × 3 inner items ran at once (9).
        peak.ShouldBeLessThanOrEqualTo(3);
    }

    [Fact]
    public async Task A_run_past_the_node_execution_cap_fails_naming_the_node()
    {
        var code = EchoCode();
        var iteration = Iteration("iter", "{{list.items.items}}", Graph([Code("step", ("n", "{{iter.item}}"))]), "{{step.n}}", 1);
        var graph = Graph([ItemsStart(), ListNode(), iteration, End(("results", "{{iter.results}}"))], Edge("start", "list"), Edge("list", "iter"), Edge("iter", "end"));
        var (engine, _) = Engine(new AppSettings { MaxNodeExecutions = 10 }, code);

        var result = await engine.RunAsync(Request(graph, new JsonObject { ["items"] = new JsonObject { ["items"] = new JsonArray([.. Enumerable.Range(0, 50).Select(i => (JsonNode)i)]) } }), null, CancellationToken.None);

        result.Status.ShouldBe(AppRunStatus.Failed);
        result.ErrorKey.ShouldBe("Apps.Error.TooManyExecutions");
        result.ErrorArguments.ShouldBe(["step", "10"]);
        result.Error.ShouldNotBeNull().ShouldContain("more than 10 node executions");
        // start, list, iter and 7 items ran; the 8th item's node was refused; nothing after it ran.
        code.Ran.Count(id => id == "step").ShouldBe(7);
        result.Nodes.Single(n => n.ErrorKey == "Apps.Error.TooManyExecutions").Index.ShouldBe(7);
        result.Nodes.ShouldNotContain(n => n.NodeId == "end");
    }

    [Fact]
    public async Task A_huge_output_is_truncated_in_the_record_but_passed_on_whole()
    {
        var huge = new string('x', 200_000);
        var graph = Graph([Start("text"), Code("c1", ("x", "{{start.text}}")), Code("c2", ("y", "{{c1.x}}")), End(("v", "{{c2.y}}"))], Edge("start", "c1"), Edge("c1", "c2"), Edge("c2", "end"));
        var (engine, _) = Engine(null, EchoCode());

        var result = await engine.RunAsync(Request(graph, new JsonObject { ["text"] = huge }), null, CancellationToken.None);

        result.Status.ShouldBe(AppRunStatus.Succeeded, result.Error);
        result.Outputs["v"]!.GetValue<string>().ShouldBe(huge);
        var c1 = result.Nodes.Single(n => n.NodeId == "c1");
        c1.Outputs!["truncated"]!.GetValue<bool>().ShouldBeTrue();
        c1.Outputs["preview"]!.GetValue<string>().Length.ShouldBeLessThan(5000);
        c1.Inputs!["truncated"]!.GetValue<bool>().ShouldBeTrue();
        result.Nodes.Single(n => n.NodeId == "c2").Outputs!["truncated"]!.GetValue<bool>().ShouldBeTrue();
        result.Nodes.Single(n => n.NodeId == "end").Outputs!["v"]!.GetValue<string>().ShouldBe(huge);
    }
}
