using System.Text.Json.Nodes;
using AiPlatform.Core.Apps;

namespace AiPlatform.Core.Tests.Apps;

public sealed class AppNodeCatalogTests
{
    [Fact]
    public void Every_node_type_has_one_descriptor_in_a_known_group()
    {
        AppNodeCatalog.All.Select(d => d.Type).ShouldBe(AppNodeTypes.All);
        AppNodeCatalog.All.ShouldAllBe(d => AppNodeCatalog.Groups.Contains(d.Group));
        AppNodeCatalog.All.Where(d => !d.HasInput).Select(d => d.Type).ShouldBe([AppNodeTypes.Start]);
        AppNodeCatalog.All.ShouldAllBe(d => d.Settings.Select(s => s.Name).Distinct().Count() == d.Settings.Count);
        AppNodeCatalog.Find("nope").ShouldBeNull();
    }

    [Fact]
    public void Ports_follow_the_node_settings()
    {
        var @switch = AppNodeCatalog.NewNode(AppNodeTypes.Switch, "sw");
        ((JsonArray)@switch.Config["cases"]!).Add(new JsonObject { ["conditions"] = new JsonArray() });
        AppNodeCatalog.OutputPorts(@switch).ShouldBe(["case-0", "case-1", "default"]);

        var classifier = AppNodeCatalog.NewNode(AppNodeTypes.Classifier, "cl");
        AppNodeCatalog.OutputPorts(classifier).ShouldBe(["class-0", "class-1"]);
        AppNodeCatalog.OutputPorts(AppNodeCatalog.NewNode(AppNodeTypes.IfElse, "i")).ShouldBe(["true", "false"]);
        AppNodeCatalog.OutputPorts(AppNodeCatalog.NewNode(AppNodeTypes.Answer, "a"), AppKind.Workflow).ShouldBeEmpty();
        AppNodeCatalog.OutputPorts(AppNodeCatalog.NewNode(AppNodeTypes.Answer, "a"), AppKind.Chat).ShouldBe(["out"]);
        AppNodeCatalog.OutputPorts(AppNodeCatalog.NewNode(AppNodeTypes.End, "e")).ShouldBeEmpty();
    }

    [Fact]
    public void Outputs_follow_the_node_settings()
    {
        var start = AppNodeCatalog.NewNode(AppNodeTypes.Start, "start");
        start.Config["fields"] = new JsonArray(new JsonObject { ["name"] = "n", ["type"] = "number" }, new JsonObject { ["name"] = "row", ["type"] = "dataset-row" });
        AppNodeCatalog.Outputs(start).ShouldBe([new NodeOutput("n", AppValueType.Number), new NodeOutput("row", AppValueType.Object)]);

        var extractor = AppNodeCatalog.NewNode(AppNodeTypes.Extractor, "ex");
        extractor.Config["parameters"] = new JsonArray(new JsonObject { ["name"] = "city", ["type"] = "string" }, new JsonObject { ["name"] = "days", ["type"] = "number" });
        AppNodeCatalog.Outputs(extractor).Select(o => o.Name).ShouldBe(["city", "days", "json"]);

        var llm = AppNodeCatalog.NewNode(AppNodeTypes.Llm, "llm1");
        AppNodeCatalog.Outputs(llm).Select(o => o.Name).ShouldBe(["text", "usage"]);
        llm.Config["jsonSchema"] = new JsonObject { ["type"] = "object" };
        AppNodeCatalog.Outputs(llm).Select(o => o.Name).ShouldBe(["text", "json", "usage"]);

        var code = AppNodeCatalog.NewNode(AppNodeTypes.Code, "c");
        code.Config["outputs"] = new JsonArray(new JsonObject { ["name"] = "total", ["type"] = "number" });
        AppNodeCatalog.Outputs(code).ShouldBe([new NodeOutput("result", AppValueType.Any), new NodeOutput("total", AppValueType.Number)]);

        var end = AppNodeCatalog.NewNode(AppNodeTypes.End, "end");
        AppNodeCatalog.Outputs(end).Select(o => o.Name).ShouldBe(["result"]);

        var iteration = AppNodeCatalog.NewNode(AppNodeTypes.Iteration, "iter");
        var body = new AppGraph { Nodes = [new AppNode { Id = "t", Type = AppNodeTypes.Template }] };
        iteration.Config["body"] = JsonNode.Parse(body.ToJson());
        iteration.Config["output"] = "{{t.text}}";
        AppNodeCatalog.Outputs(iteration).ShouldBe([new NodeOutput("results", AppValueType.ArrayString)]);

        var loop = AppNodeCatalog.NewNode(AppNodeTypes.Loop, "loop");
        loop.Config["variables"] = new JsonArray(new JsonObject { ["name"] = "acc", ["type"] = "array[string]" });
        AppNodeCatalog.Outputs(loop).ShouldBe([new NodeOutput("index", AppValueType.Number), new NodeOutput("acc", AppValueType.ArrayString)]);
    }

    [Fact]
    public void New_nodes_carry_the_descriptor_defaults()
    {
        var http = AppNodeCatalog.NewNode(AppNodeTypes.Http, "h", 10, 20);
        http.X.ShouldBe(10);
        http.Config["method"]!.GetValue<string>().ShouldBe("GET");
        http.Config["timeoutSeconds"]!.GetValue<int>().ShouldBe(30);
        Should.Throw<Core.Common.ValidationException>(() => AppNodeCatalog.NewNode("nope", "x")).MessageKey.ShouldBe("Apps.Error.NodeTypeUnknown");
    }
}
