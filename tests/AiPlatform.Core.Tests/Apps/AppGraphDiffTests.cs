using System.Text.Json.Nodes;
using AiPlatform.Core.Apps;

namespace AiPlatform.Core.Tests.Apps;

/// <summary>The version diff: nodes added, removed and changed (with the settings that changed), edges added and removed.</summary>
public sealed class AppGraphDiffTests
{
    [Fact]
    public void Added_removed_and_changed_nodes_and_edges_are_reported_and_a_move_on_the_canvas_is_not_a_change()
    {
        var before = new AppGraph
        {
            Nodes =
            [
                Node("start", AppNodeTypes.Start),
                Node("llm1", AppNodeTypes.Llm, new JsonObject { ["model"] = "tiny", ["temperature"] = 0.2, ["system"] = "Be short." }),
                Node("old", AppNodeTypes.Template, new JsonObject { ["template"] = "x" }),
                Node("end", AppNodeTypes.End),
            ],
            Edges = [Edge("start", "llm1"), Edge("llm1", "old"), Edge("old", "end")],
        };
        var after = before.Clone();
        after.Nodes.RemoveAll(n => n.Id == "old");
        after.Find("llm1")!.Config["temperature"] = 0.7;
        after.Find("llm1")!.Config.Remove("system");
        after.Find("llm1")!.OnError = new NodeErrorPolicy { Retries = 2 };
        after.Find("end")!.X = 999;
        after.Nodes.Add(Node("tpl", AppNodeTypes.Template, new JsonObject { ["template"] = "{{llm1.text}}" }));
        after.Edges = [Edge("start", "llm1"), Edge("llm1", "tpl"), Edge("tpl", "end")];

        var diff = AppGraphDiff.Compare(before, after);

        diff.AddedNodes.Select(n => (n.Id, n.Type)).ShouldBe([("tpl", AppNodeTypes.Template)]);
        diff.RemovedNodes.Select(n => n.Id).ShouldBe(["old"]);
        diff.ChangedNodes.Single().ShouldSatisfyAllConditions(
            c => c.Id.ShouldBe("llm1"),
            c => c.Settings.ShouldBe(["system", "temperature", "onError"]));
        diff.AddedEdges.Select(e => $"{e.Source}->{e.Target}").ShouldBe(["llm1->tpl", "tpl->end"]);
        diff.RemovedEdges.Select(e => $"{e.Source}->{e.Target}").ShouldBe(["llm1->old", "old->end"]);
        diff.IsEmpty.ShouldBeFalse();
    }

    [Fact]
    public void Equal_graphs_differ_in_nothing_and_a_different_port_is_a_different_edge()
    {
        var graph = new AppGraph
        {
            Nodes = [Node("start", AppNodeTypes.Start), Node("branch", AppNodeTypes.IfElse, new JsonObject { ["conditions"] = new JsonArray(new JsonObject { ["variable"] = "{{start.q}}", ["operator"] = "not-empty" }) }), Node("end", AppNodeTypes.End)],
            Edges = [Edge("start", "branch"), new AppEdge { Source = "branch", SourcePort = "true", Target = "end" }],
        };

        AppGraphDiff.Compare(graph, graph.Clone()).IsEmpty.ShouldBeTrue();

        var flipped = graph.Clone();
        flipped.Edges[1].SourcePort = "false";
        flipped.Find("branch")!.Title = "Has a question?";
        var diff = AppGraphDiff.Compare(graph, flipped);
        diff.AddedEdges.Single().SourcePort.ShouldBe("false");
        diff.RemovedEdges.Single().SourcePort.ShouldBe("true");
        diff.ChangedNodes.Single().Settings.ShouldBe(["title"]);
    }

    private static AppNode Node(string id, string type, JsonObject? config = null) => new() { Id = id, Type = type, Config = config ?? [] };

    private static AppEdge Edge(string source, string target) => new() { Source = source, Target = target };
}
