using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AiPlatform.Core.Access;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Apps.Nodes;
using AiPlatform.Core.Apps.Runtime;
using AiPlatform.Core.Tracing;
using Microsoft.Extensions.Logging.Abstractions;

namespace AiPlatform.Core.Tests.Apps;

/// <summary>Builds graphs, engines with stand-in executors, and captures traces for the app engine's tests.</summary>
internal static partial class AppTestKit
{
    public static readonly CallerIdentity Publisher = new(Guid.NewGuid(), "publisher");

    public static AppNode Node(string id, string type, JsonObject? config = null, Action<AppNode>? configure = null)
    {
        var node = new AppNode { Id = id, Type = type, Config = config ?? [] };
        configure?.Invoke(node);
        return node;
    }

    public static AppNode Start(params string[] fields) => Node("start", AppNodeTypes.Start, new JsonObject
    {
        ["fields"] = new JsonArray([.. fields.Select(f => (JsonNode)new JsonObject { ["name"] = f, ["type"] = "text" })]),
    });

    public static AppNode End(params (string Name, string Value)[] outputs) => Node("end", AppNodeTypes.End, new JsonObject
    {
        ["outputs"] = new JsonArray([.. outputs.Select(o => (JsonNode)new JsonObject { ["name"] = o.Name, ["value"] = o.Value })]),
    });

    /// <summary>A code node (run by a stand-in executor in engine tests) whose inputs are the given templates.</summary>
    public static AppNode Code(string id, params (string Name, string Value)[] inputs) => Node(id, AppNodeTypes.Code, new JsonObject
    {
        ["code"] = "function main(inputs) { return inputs; }",
        ["inputs"] = new JsonArray([.. inputs.Select(o => (JsonNode)new JsonObject { ["name"] = o.Name, ["value"] = o.Value })]),
    });

    public static AppNode IfElse(string id, string variable, string op, string value) => Node(id, AppNodeTypes.IfElse, new JsonObject
    {
        ["conditions"] = new JsonArray(new JsonObject { ["variable"] = variable, ["operator"] = op, ["value"] = value }),
        ["logic"] = "and",
    });

    public static double Num(this JsonNode? value) => AppVariables.ToNumber(value!.AsValue());

    public static AppEdge Edge(string source, string target, string port = "out") => new() { Source = source, Target = target, SourcePort = port };

    public static AppGraph Graph(IEnumerable<AppNode> nodes, params AppEdge[] edges) => new() { Nodes = [.. nodes], Edges = [.. edges] };

    public static JsonObject BodyJson(AppGraph body) => (JsonObject)JsonNode.Parse(body.ToJson())!;

    public static AppRunRequest Request(AppGraph graph, JsonObject? inputs = null, AppKind kind = AppKind.Workflow, string? query = null) =>
        new(new App { Slug = "test-app", Name = "Test app", Kind = kind }, graph, null, inputs ?? [], Publisher, AppRunSources.Draft) { Query = query };

    public static (AppEngine Engine, TraceSink Traces) Engine(AppSettings? settings = null, params IAppNodeExecutor[] overrides)
    {
        settings ??= new AppSettings();
        var sink = new TraceSink();
        IAppNodeExecutor[] builtIn =
        [
            new StartNode(), new EndNode(), new AnswerNode(), new TemplateNode(new SimpleTemplateRenderer()), new IfElseNode(), new SwitchNode(),
            new IterationNode(settings), new LoopNode(settings), new AggregatorNode(),
        ];
        return (new AppEngine([.. builtIn, .. overrides], settings, sink, TimeProvider.System, NullLogger<AppEngine>.Instance), sink);
    }

    /// <summary>An executor whose behaviour the test gives (it stands in for LLM, HTTP and code nodes).</summary>
    public sealed class FuncExecutor(string type, Func<NodeRunContext, CancellationToken, Task<NodeOutcome>> run) : IAppNodeExecutor
    {
        public string Type => type;

        public ConcurrentBag<string> Ran { get; } = [];

        public Task<NodeOutcome> ExecuteAsync(NodeRunContext context, CancellationToken ct)
        {
            Ran.Add(context.Node.Id);
            return run(context, ct);
        }
    }

    /// <summary>A code executor that outputs its evaluated inputs as fields (and as <c>result</c>).</summary>
    public static FuncExecutor EchoCode(Func<NodeRunContext, JsonObject, CancellationToken, Task>? before = null) => new(AppNodeTypes.Code, async (context, ct) =>
    {
        var inputs = NodeValues.EvaluateMap(context, "inputs");
        if (before is not null)
        {
            await before(context, inputs, ct);
        }

        var outputs = (JsonObject)inputs.DeepClone();
        outputs["result"] = inputs.DeepClone();
        return new NodeOutcome(outputs) { Inputs = inputs };
    });

    public sealed class TraceSink : IAppTraceSink
    {
        public ConcurrentQueue<TraceBuilder> Traces { get; } = new();

        public void Submit(CallerIdentity owner, TraceBuilder trace) => Traces.Enqueue(trace);
    }

    /// <summary>Replaces <c>{{ name }}</c> with the model's value: enough Liquid for the engine's tests (Fluid is tested in Infrastructure).</summary>
    public sealed partial class SimpleTemplateRenderer : ITemplateRenderer
    {
        public Task<string> RenderAsync(string template, JsonObject model, CancellationToken ct) =>
            Task.FromResult(Placeholder().Replace(template, m => AppVariables.ToText(model[m.Groups[1].Value])));

        public string? Check(string template) => null;

        [GeneratedRegex(@"\{\{\s*(\w+)\s*\}\}")]
        private static partial Regex Placeholder();
    }
}
