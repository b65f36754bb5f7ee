using System.Text.Json.Nodes;
using AiPlatform.Core.Apps;
using static AiPlatform.Core.Tests.Apps.AppTestKit;

namespace AiPlatform.Core.Tests.Apps;

public sealed class AppGraphValidatorTests
{
    /// <summary>start(q) → c1 (code over {{start.q}}) → end(r = {{c1.result}}): valid.</summary>
    private static AppGraph Valid() => Graph([Start("q"), Code("c1", ("x", "{{start.q}}")), End(("r", "{{c1.result}}"))], Edge("start", "c1"), Edge("c1", "end"));

    private static IReadOnlyList<AppGraphProblem> Check(AppGraph graph, AppKind kind = AppKind.Workflow) => AppGraphValidator.Validate(graph, kind);

    private static AppGraphProblem Single(AppGraph graph, string key, AppKind kind = AppKind.Workflow)
    {
        var problems = Check(graph, kind);
        var matching = problems.Where(p => p.Key == key).ToList();
        matching.Count.ShouldBe(1, $"{key} in: {string.Join(" | ", problems.Select(p => p.Key + ": " + p.Message))}");
        return matching[0];
    }

    [Fact]
    public void A_valid_workflow_and_a_valid_chat_app_have_no_problems()
    {
        Check(Valid()).ShouldBeEmpty();
        var chat = Graph([Start(), Node("llm1", AppNodeTypes.Llm, new JsonObject { ["model"] = "m", ["prompt"] = "{{sys.query}} {{sys.history}}" }), Node("answer", AppNodeTypes.Answer, new JsonObject { ["text"] = "{{llm1.text}}" })],
            Edge("start", "llm1"), Edge("llm1", "answer"));
        Check(chat, AppKind.Chat).ShouldBeEmpty();
    }

    [Fact]
    public void Node_ids_must_be_well_formed_and_unique()
    {
        var graph = Valid();
        graph.Nodes.Add(Code("1bad"));
        graph.Nodes.Add(Code("c1"));
        graph.Nodes.Add(Code("sys"));

        Check(graph).Where(p => p.Key == "Apps.Error.NodeIdInvalid").Select(p => p.NodeId).ShouldBe(["1bad", "sys"]);
        Single(graph, "Apps.Error.NodeIdDuplicate").NodeId.ShouldBe("c1");
    }

    [Fact]
    public void Unknown_types_and_types_of_the_other_kind_of_app_are_refused()
    {
        var graph = Valid();
        graph.Nodes.Add(Node("x", "teleport"));
        graph.Edges.Add(Edge("c1", "x"));
        Single(graph, "Apps.Error.NodeTypeUnknown").Arguments.ShouldBe(["x", "teleport"]);

        var answerInWorkflow = Valid();
        answerInWorkflow.Nodes.Add(Node("a", AppNodeTypes.Answer, new JsonObject { ["text"] = "hi" }));
        answerInWorkflow.Edges.Add(Edge("c1", "a"));
        Single(answerInWorkflow, "Apps.Error.NodeNotAllowed").NodeId.ShouldBe("a");
    }

    [Fact]
    public void Exactly_one_start_is_needed()
    {
        var none = Graph([Code("c1"), End()], Edge("c1", "end"));
        Single(none, "Apps.Error.StartMissing").NodeId.ShouldBeNull();

        var two = Valid();
        two.Nodes.Add(Node("start2", AppNodeTypes.Start));
        two.Edges.Add(Edge("start2", "c1"));
        Single(two, "Apps.Error.StartDuplicate").NodeId.ShouldBe("start2");
    }

    [Fact]
    public void An_end_or_answer_must_exist_and_be_reachable()
    {
        Single(Graph([Start(), Code("c1")], Edge("start", "c1")), "Apps.Error.EndMissing");
        Single(Graph([Start(), Code("c1")], Edge("start", "c1")), "Apps.Error.AnswerMissing", AppKind.Chat);

        var unreachable = Graph([Start(), Code("c1"), Code("c2"), End()], Edge("start", "c1"), Edge("c2", "end"));
        Single(unreachable, "Apps.Error.EndUnreachable");
    }

    [Fact]
    public void Edges_must_join_existing_nodes_and_ports_once()
    {
        var graph = Valid();
        graph.Edges.Add(Edge("ghost", "end"));
        graph.Edges.Add(Edge("c1", "end", "true"));
        graph.Edges.Add(Edge("c1", "start"));
        graph.Edges.Add(Edge("start", "c1"));

        Single(graph, "Apps.Error.EdgeUnknownNode").Edge!.Source.ShouldBe("ghost");
        Check(graph).Where(p => p.Key == "Apps.Error.EdgeUnknownPort").Select(p => p.Arguments[0]).ShouldBe(["c1", "start"]);
        Single(graph, "Apps.Error.EdgeDuplicate").Arguments.ShouldBe(["start", "out", "c1"]);
    }

    [Fact]
    public void Nodes_without_an_input_and_ports_that_lead_nowhere_are_reported()
    {
        var graph = Valid();
        graph.Nodes.Add(Code("lonely"));
        Single(graph, "Apps.Error.NodeUnconnected").NodeId.ShouldBe("lonely");

        var branch = Graph([Start("q"), IfElse("if1", "{{start.q}}", "equals", "x"), End(("r", "{{start.q}}"))], Edge("start", "if1"), Edge("if1", "end", "true"));
        var port = Single(branch, "Apps.Error.PortUnconnected");
        port.NodeId.ShouldBe("if1");
        port.Arguments.ShouldBe(["if1", "false"]);
    }

    [Fact]
    public void Cycles_are_refused_naming_their_nodes()
    {
        var graph = Graph([Start(), Code("a"), Code("b"), Code("c"), End()], Edge("start", "a"), Edge("a", "b"), Edge("b", "c"), Edge("c", "a"), Edge("c", "end"));

        var cycle = Single(graph, "Apps.Error.Cycle");
        cycle.NodeId.ShouldBe("a");
        cycle.Arguments.ShouldBe(["a, b, c"]);
    }

    [Fact]
    public void References_must_name_upstream_nodes_and_their_outputs()
    {
        var graph = Graph([Start("q"), Code("c1", ("x", "{{c2.result}}"), ("y", "{{ghost.text}}"), ("z", "{{start.nope}}")), Code("c2"), End(("r", "{{c1.result}}"))],
            Edge("start", "c1"), Edge("c1", "c2"), Edge("c2", "end"));

        Single(graph, "Apps.Error.VariableNotUpstream").Arguments.ShouldBe(["c1", "{{c2.result}}", "c2"]);
        Single(graph, "Apps.Error.UnknownVariable").Arguments.ShouldBe(["c1", "{{ghost.text}}"]);
        Single(graph, "Apps.Error.UnknownField").Arguments.Take(3).ShouldBe(["c1", "{{start.nope}}", "nope"]);
    }

    [Fact]
    public void Chat_system_variables_are_refused_in_workflows()
    {
        var graph = Graph([Start(), Code("c1", ("q", "{{sys.query}}"), ("u", "{{sys.user}}")), End(("r", "{{c1.result}}"))], Edge("start", "c1"), Edge("c1", "end"));

        Single(graph, "Apps.Error.SysVariableChatOnly").Arguments.ShouldBe(["c1", "{{sys.query}}"]);
    }

    [Fact]
    public void Conditions_are_checked_for_operators_types_and_numbers()
    {
        var start = Node("start", AppNodeTypes.Start, new JsonObject { ["fields"] = new JsonArray(new JsonObject { ["name"] = "q", ["type"] = "text" }, new JsonObject { ["name"] = "n", ["type"] = "number" }) });
        AppGraph With(string variable, string op, string value) =>
            Graph([start, IfElse("if1", variable, op, value), End(("r", "{{start.q}}"))], Edge("start", "if1"), Edge("if1", "end", "true"), Edge("if1", "end", "false"));

        Check(With("{{start.n}}", "gt", "5")).ShouldBeEmpty();
        Single(With("{{start.q}}", "gt", "5"), "Apps.Error.OperatorType").Arguments.ShouldBe(["if1", "{{start.q}}", "gt", "string"]);
        Single(With("{{start.n}}", "gte", "five"), "Apps.Error.ConditionValueNumber");
        Single(With("{{start.q}}", "is-true", ""), "Apps.Error.OperatorType");
        Single(With("{{start.q}}", "like", "x"), "Apps.Error.OperatorUnknown");
        Single(With("plain text", "equals", "x"), "Apps.Error.ConditionVariable");
    }

    [Fact]
    public void Required_and_malformed_settings_are_reported()
    {
        var graph = Graph([Start("q"), Node("llm1", AppNodeTypes.Llm, new JsonObject { ["prompt"] = "{{start.q}}", ["temperature"] = "hot" }),
                Node("h", AppNodeTypes.Http, new JsonObject { ["method"] = "TELEPORT", ["url"] = "https://x" }), End(("r", "{{llm1.text}}"))],
            Edge("start", "llm1"), Edge("llm1", "h"), Edge("h", "end"));

        Single(graph, "Apps.Error.SettingRequired").Arguments.ShouldBe(["llm1", "model"]);
        Single(graph, "Apps.Error.SettingNumber").Arguments.ShouldBe(["llm1", "temperature"]);
        Single(graph, "Apps.Error.SettingInvalid").Arguments[1].ShouldBe("method");
    }

    [Fact]
    public void Start_fields_and_end_outputs_need_good_unique_names()
    {
        var start = Node("start", AppNodeTypes.Start, new JsonObject
        {
            ["fields"] = new JsonArray(
                new JsonObject { ["name"] = "a b", ["type"] = "text" },
                new JsonObject { ["name"] = "q", ["type"] = "text" },
                new JsonObject { ["name"] = "q", ["type"] = "text" },
                new JsonObject { ["name"] = "f", ["type"] = "video" },
                new JsonObject { ["name"] = "s", ["type"] = "select" }),
        });
        var graph = Graph([start, End(("r", "{{start.q}}"), ("r", "{{start.q}}"))], Edge("start", "end"));

        Single(graph, "Apps.Error.FieldNameInvalid").Arguments.ShouldBe(["start", "fields", "a b"]);
        Check(graph).Where(p => p.Key == "Apps.Error.FieldNameDuplicate").Select(p => p.NodeId).ShouldBe(["start", "end"]);
        Single(graph, "Apps.Error.FieldTypeUnknown").Arguments.ShouldBe(["start", "f", "video"]);
        Single(graph, "Apps.Error.FieldOptionsMissing").Arguments.ShouldBe(["start", "s"]);
    }

    [Fact]
    public void Iteration_items_must_be_a_list_and_its_body_is_checked_in_its_scope()
    {
        var start = Node("start", AppNodeTypes.Start, new JsonObject { ["fields"] = new JsonArray(new JsonObject { ["name"] = "q", ["type"] = "text" }) });
        AppGraph With(string items, AppGraph body, string output) => Graph(
            [start, Code("list", ("x", "{{start.q}}")),
             Node("iter", AppNodeTypes.Iteration, new JsonObject { ["items"] = items, ["body"] = BodyJson(body), ["output"] = output }),
             End(("r", "{{iter.results}}"))],
            Edge("start", "list"), Edge("list", "iter"), Edge("iter", "end"));
        var goodBody = Graph([Code("b1", ("item", "{{iter.item}}"), ("i", "{{iter.index}}"), ("outer", "{{list.result}}"), ("q", "{{start.q}}")), Code("b2", ("v", "{{b1.result}}"))], Edge("b1", "b2"));

        Check(With("{{list.result}}", goodBody, "{{b2.result}}")).ShouldBeEmpty();

        var mismatch = Single(With("{{start.q}}", goodBody, "{{b2.result}}"), "Apps.Error.TypeMismatch");
        mismatch.Arguments.ShouldBe(["iter", "items", "array", "string"]);

        var badBody = Graph([Code("b1", ("v", "{{b2.result}}"), ("w", "{{iter.nope}}")), Code("b2"), Node("fin", AppNodeTypes.End)], Edge("b1", "b2"));
        var problems = Check(With("{{list.result}}", badBody, "{{list.result}}"));
        problems.ShouldContain(p => p.Key == "Apps.Error.VariableNotUpstream" && p.NodeId == "b1");
        problems.ShouldContain(p => p.Key == "Apps.Error.UnknownField" && p.NodeId == "b1");
        problems.ShouldContain(p => p.Key == "Apps.Error.NodeNotAllowedInBody" && p.NodeId == "fin");
        problems.ShouldContain(p => p.Key == "Apps.Error.OutputNotInBody" && p.NodeId == "iter");
    }

    [Fact]
    public void A_body_cannot_reach_nodes_after_its_iteration_and_body_ids_are_unique_in_the_app()
    {
        var body = Graph([Code("c1", ("late", "{{after.result}}"))]);
        var graph = Graph(
            [Start(), Node("iter", AppNodeTypes.Iteration, new JsonObject { ["items"] = "{{sys.user}}", ["body"] = BodyJson(body), ["output"] = "{{c1.result}}" }), Code("after"), End(("r", "{{after.result}}"))],
            Edge("start", "iter"), Edge("iter", "after"), Edge("after", "end"));

        var problems = Check(graph);

        problems.ShouldContain(p => p.Key == "Apps.Error.TypeMismatch" && p.NodeId == "iter");
        problems.ShouldContain(p => p.Key == "Apps.Error.VariableNotUpstream" && p.NodeId == "c1");

        var clash = Graph([Start(), Node("iter", AppNodeTypes.Iteration, new JsonObject { ["items"] = "{{sys.history}}", ["body"] = BodyJson(Graph([Code("start")])), ["output"] = "{{start.result}}" }), Node("answer", AppNodeTypes.Answer, new JsonObject { ["text"] = "x" })],
            Edge("start", "iter"), Edge("iter", "answer"));
        Check(clash, AppKind.Chat).ShouldContain(p => p.Key == "Apps.Error.NodeIdDuplicate" && p.NodeId == "start");
    }

    [Fact]
    public void Loop_updates_must_name_its_variables_and_its_condition_sees_the_body()
    {
        var body = Graph([Code("inc", ("n", "{{loop.count}}"))]);
        AppGraph With(string update, string conditionVariable) => Graph(
            [Start(), Node("loop", AppNodeTypes.Loop, new JsonObject
            {
                ["maxIterations"] = 3,
                ["variables"] = new JsonArray(new JsonObject { ["name"] = "count", ["type"] = "number", ["initial"] = 0 }),
                ["body"] = BodyJson(body),
                ["updates"] = new JsonArray(new JsonObject { ["name"] = update, ["value"] = "{{inc.n}}" }),
                ["condition"] = new JsonArray(new JsonObject { ["variable"] = conditionVariable, ["operator"] = "gt", ["value"] = "2" }),
            }), End(("r", "{{loop.count}}"), ("i", "{{loop.index}}"))],
            Edge("start", "loop"), Edge("loop", "end"));

        Check(With("count", "{{loop.count}}")).ShouldBeEmpty();
        Single(With("total", "{{loop.count}}"), "Apps.Error.LoopVariableUnknown").Arguments.ShouldBe(["loop", "total"]);
        Single(With("count", "{{ghost.n}}"), "Apps.Error.UnknownVariable");
    }

    [Fact]
    public void Template_liquid_is_checked_when_a_checker_is_given()
    {
        var graph = Graph([Start("q"), Node("t1", AppNodeTypes.Template, new JsonObject
            {
                ["template"] = "{% if %}",
                ["variables"] = new JsonArray(new JsonObject { ["name"] = "q", ["value"] = "{{start.q}}" }),
            }), End(("r", "{{t1.text}}"))],
            Edge("start", "t1"), Edge("t1", "end"));

        Check(graph).ShouldBeEmpty();
        var problem = AppGraphValidator.Validate(graph, AppKind.Workflow, t => t.Contains("{% if %}", StringComparison.Ordinal) ? "if needs a condition" : null).ShouldHaveSingleItem();
        problem.Key.ShouldBe("Apps.Error.TemplateInvalid");
        problem.NodeId.ShouldBe("t1");
        problem.Arguments.ShouldBe(["if needs a condition"]);
    }

    [Fact]
    public void New_chat_nodes_start_from_the_question()
    {
        var chat = Graph([AppNodeCatalog.NewNode(AppNodeTypes.Start, "start", kind: AppKind.Chat), AppNodeCatalog.NewNode(AppNodeTypes.Llm, "llm1", kind: AppKind.Chat).With(n => n.Config["model"] = "m"),
                Node("answer", AppNodeTypes.Answer, new JsonObject { ["text"] = "{{llm1.text}}" })],
            Edge("start", "llm1"), Edge("llm1", "answer"));

        Check(chat, AppKind.Chat).ShouldBeEmpty();
        chat.Find("llm1")!.Config["prompt"]!.GetValue<string>().ShouldBe("{{sys.query}}");
    }

    [Fact]
    public void Every_new_node_from_the_catalog_validates_except_for_settings_only_the_author_can_give()
    {
        var needsAuthor = new Dictionary<string, string[]>
        {
            [AppNodeTypes.Llm] = ["model", "prompt"],
            [AppNodeTypes.Knowledge] = ["knowledgeBases", "query"],
            [AppNodeTypes.Inference] = ["endpoint", "inputs"],
            [AppNodeTypes.Sql] = ["datasets", "sql"],
            [AppNodeTypes.Http] = ["url"],
            [AppNodeTypes.Classifier] = ["model", "query"],
            [AppNodeTypes.Extractor] = ["model", "query", "parameters"],
            [AppNodeTypes.Iteration] = ["items", "body", "output"],
            [AppNodeTypes.Loop] = ["body"],
            [AppNodeTypes.Aggregator] = ["variables"],
            [AppNodeTypes.SubApp] = ["app"],
            [AppNodeTypes.Answer] = ["text"],
            [AppNodeTypes.Template] = [],
        };
        foreach (var type in AppNodeTypes.All.Except([AppNodeTypes.Start, AppNodeTypes.End, AppNodeTypes.IfElse, AppNodeTypes.Switch]))
        {
            var kind = type == AppNodeTypes.Answer ? AppKind.Chat : AppKind.Workflow;
            var node = AppNodeCatalog.NewNode(type, "n1", kind: kind);
            var terminal = kind == AppKind.Chat ? Node("ans", AppNodeTypes.Answer, new JsonObject { ["text"] = "ok" }) : End();
            var nodes = type == AppNodeTypes.Answer ? new List<AppNode> { AppNodeCatalog.NewNode(AppNodeTypes.Start, "start", kind: kind), node } : [AppNodeCatalog.NewNode(AppNodeTypes.Start, "start"), node, terminal];
            var edges = new List<AppEdge> { Edge("start", "n1") };
            if (!AppNodeCatalog.IsTerminal(type))
            {
                edges.AddRange(AppNodeCatalog.OutputPorts(node, kind).Select(port => Edge("n1", terminal.Id, port)));
            }

            var graph = Graph(nodes, [.. edges]);

            var problems = Check(graph, kind);

            var missing = needsAuthor.GetValueOrDefault(type, []);
            problems.Where(p => p.Key == "Apps.Error.SettingRequired").Select(p => p.Arguments[1]).Order().ShouldBe(missing.Order(), type);
            problems.Where(p => p.Key is not ("Apps.Error.SettingRequired" or "Apps.Error.VariableInvalid" or "Apps.Error.FieldValueMissing")).ShouldBeEmpty(type + ": " + string.Join(" | ", problems.Select(p => p.Message)));
        }
    }
}
