using System.Text.Json.Nodes;
using K = AiPlatform.Core.Apps.NodeSettingKind;
using T = AiPlatform.Core.Apps.AppValueType;

namespace AiPlatform.Core.Apps;

/// <summary>
/// The descriptors of every node type (palette, side panel, validation), and the ports and outputs of a given node
/// (switch cases, classifier classes, the start node's fields, extractor parameters are per node).
/// </summary>
public static partial class AppNodeCatalog
{
    /// <summary>The input port of every node but start.</summary>
    public const string InputPort = "in";

    /// <summary>The output port of most nodes.</summary>
    public const string OutPort = "out";

    public const string TruePort = "true";
    public const string FalsePort = "false";
    public const string DefaultPort = "default";

    /// <summary>The palette's groups, in order.</summary>
    public static IReadOnlyList<string> Groups { get; } = ["input", "llm", "knowledge", "data", "logic", "transform", "output"];

    /// <summary>The operators of if/else, switch and loop conditions.</summary>
    public static IReadOnlyList<string> Operators { get; } =
        ["equals", "not-equals", "contains", "not-contains", "starts-with", "ends-with", "empty", "not-empty", "gt", "gte", "lt", "lte", "is-true", "is-false"];

    /// <summary>Operators that take no comparison value.</summary>
    public static IReadOnlyList<string> UnaryOperators { get; } = ["empty", "not-empty", "is-true", "is-false"];

    /// <summary>Operators that compare numbers.</summary>
    public static IReadOnlyList<string> NumberOperators { get; } = ["gt", "gte", "lt", "lte"];

    /// <summary>The start node's field types.</summary>
    public static IReadOnlyList<string> StartFieldTypes { get; } = ["text", "number", "select", "file", "dataset-row"];

    /// <summary>The type names of code outputs, extractor parameters and loop variables.</summary>
    public static IReadOnlyList<string> ValueTypeNames { get; } = ["string", "number", "boolean", "object", "array[string]", "array[number]", "array[object]", "any"];

    public static IReadOnlyList<string> LogicOptions { get; } = ["and", "or"];

    public static IReadOnlyList<string> HttpMethods { get; } = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD"];

    public static IReadOnlyList<string> RetrievalModes { get; } = ["hybrid", "vector", "keyword"];

    /// <summary>Every node type's descriptor, in the order of <see cref="AppNodeTypes.All"/>.</summary>
    public static IReadOnlyList<AppNodeDescriptor> All { get; } =
    [
        new(AppNodeTypes.Start, "input", false, [OutPort],
            [new("fields", K.InputSchema, Default: new JsonArray())],
            []),
        new(AppNodeTypes.Llm, "llm", true, [OutPort],
            [
                new("model", K.LlmModel, Required: true),
                new("systemPrompt", K.Template),
                new("prompt", K.Template, Required: true),
                new("temperature", K.Number, Default: 0.7),
                new("maxTokens", K.Integer, Default: 1024),
                new("jsonSchema", K.Json),
                new("stream", K.Boolean, Default: true),
                new("memory", K.Boolean, Default: false),
            ],
            [new("text", T.String), new("json", T.Object), new("usage", T.Object)]),
        new(AppNodeTypes.Knowledge, "knowledge", true, [OutPort],
            [
                new("knowledgeBases", K.KnowledgeBases, Required: true),
                new("query", K.Template, Required: true),
                new("topK", K.Integer, Default: 5),
                new("threshold", K.Number, Default: 0.0),
                new("mode", K.Select, Default: "hybrid", Options: RetrievalModes),
            ],
            [new("chunks", T.ArrayObject), new("text", T.String)]),
        new(AppNodeTypes.Inference, "data", true, [OutPort],
            [
                new("endpoint", K.Endpoint, Required: true),
                new("version", K.Text),
                new("inputs", K.Template, Required: true),
            ],
            [new("outputs", T.Object), new("predictions", T.ArrayObject)]),
        new(AppNodeTypes.Sql, "data", true, [OutPort],
            [
                new("datasets", K.Datasets, Required: true),
                new("sql", K.Template, Required: true),
                new("parameters", K.OutputMap, Default: new JsonArray()),
            ],
            [new("rows", T.ArrayObject), new("columns", T.ArrayString), new("rowCount", T.Number)]),
        new(AppNodeTypes.Http, "data", true, [OutPort],
            [
                new("method", K.Select, Required: true, Default: "GET", Options: HttpMethods),
                new("url", K.Template, Required: true),
                new("headers", K.Json, Default: new JsonObject()),
                new("body", K.Template),
                new("timeoutSeconds", K.Integer, Default: 30),
            ],
            [new("status", T.Number), new("body", T.String), new("json", T.Any), new("headers", T.Object)]),
        new(AppNodeTypes.Code, "transform", true, [OutPort],
            [
                new("code", K.Code, Required: true, Default: "function main(inputs) {\n  return { result: inputs };\n}\n"),
                new("inputs", K.OutputMap, Default: new JsonArray()),
                new("outputs", K.Parameters, Default: new JsonArray()),
            ],
            [new("result", T.Any)]),
        new(AppNodeTypes.Template, "transform", true, [OutPort],
            [
                new("template", K.Template, Required: true),
                new("variables", K.OutputMap, Default: new JsonArray()),
            ],
            [new("text", T.String)]),
        new(AppNodeTypes.IfElse, "logic", true, [TruePort, FalsePort],
            [
                new("conditions", K.Conditions, Required: true),
                new("logic", K.Select, Default: "and", Options: LogicOptions),
            ],
            [new("result", T.Boolean)]),
        new(AppNodeTypes.Switch, "logic", true, [DefaultPort],
            [new("cases", K.Conditions, Required: true)],
            [new("case", T.String)]),
        new(AppNodeTypes.Classifier, "llm", true, [],
            [
                new("model", K.LlmModel, Required: true),
                new("query", K.Template, Required: true),
                new("classes", K.Classes, Required: true),
                new("instructions", K.Template),
            ],
            [new("class", T.String), new("classIndex", T.Number)]),
        new(AppNodeTypes.Extractor, "llm", true, [OutPort],
            [
                new("model", K.LlmModel, Required: true),
                new("query", K.Template, Required: true),
                new("parameters", K.Parameters, Required: true),
                new("instructions", K.Template),
            ],
            [new("json", T.Object)]),
        new(AppNodeTypes.Iteration, "logic", true, [OutPort],
            [
                new("items", K.Variable, Required: true, VariableType: T.ArrayObject),
                new("parallelism", K.Integer, Default: 1),
                new("body", K.SubGraph, Required: true, Default: JsonNode.Parse(AppGraph.EmptyJson)),
                new("output", K.Variable, Required: true),
            ],
            [new("results", T.Any)]),
        new(AppNodeTypes.Loop, "logic", true, [OutPort],
            [
                new("maxIterations", K.Integer, Required: true, Default: 10),
                new("condition", K.Conditions),
                new("logic", K.Select, Default: "and", Options: LogicOptions),
                new("variables", K.Parameters, Default: new JsonArray()),
                new("body", K.SubGraph, Required: true, Default: JsonNode.Parse(AppGraph.EmptyJson)),
                new("updates", K.OutputMap, Default: new JsonArray()),
            ],
            [new("index", T.Number)]),
        new(AppNodeTypes.Aggregator, "transform", true, [OutPort],
            [new("variables", K.VariableList, Required: true)],
            [new("value", T.Any)]),
        new(AppNodeTypes.SubApp, "logic", true, [OutPort],
            [
                new("app", K.App, Required: true),
                new("inputs", K.Json, Default: new JsonObject()),
                new("query", K.Template),
            ],
            [new("outputs", T.Object), new("answer", T.String)]),
        new(AppNodeTypes.Answer, "output", true, [],
            [new("text", K.Template, Required: true)],
            [new("answer", T.String)]),
        new(AppNodeTypes.End, "output", true, [],
            [new("outputs", K.OutputMap, Default: new JsonArray())],
            []),
    ];

    private static readonly Dictionary<string, AppNodeDescriptor> ByType = All.ToDictionary(d => d.Type, StringComparer.Ordinal);

    /// <summary>The descriptor of a type, or null for an unknown type.</summary>
    public static AppNodeDescriptor? Find(string? type) => type is not null && ByType.TryGetValue(type, out var d) ? d : null;

    /// <summary>The descriptor of a type; an unknown type is a <see cref="Common.ValidationException"/> (<c>Apps.Error.NodeTypeUnknown</c>).</summary>
    public static AppNodeDescriptor Get(string type) =>
        Find(type) ?? throw new Common.ValidationException("type", $"There is no node type '{type}'.") { MessageKey = "Apps.Error.NodeTypeUnknown", MessageArguments = ["?", type] };

    /// <summary>End and answer: a path of the graph may stop there.</summary>
    public static bool IsTerminal(string type) => type is AppNodeTypes.End or AppNodeTypes.Answer;

    /// <summary>Iteration and loop: nodes with a body graph.</summary>
    public static bool HasBody(string type) => type is AppNodeTypes.Iteration or AppNodeTypes.Loop;

    /// <summary>Whether a node type may appear in an app of the kind: workflows end in end nodes, chat apps answer.</summary>
    public static bool AllowedIn(string type, AppKind kind) => kind switch
    {
        AppKind.Workflow => type != AppNodeTypes.Answer,
        _ => type != AppNodeTypes.End,
    };

    /// <summary>The output ports of a node: switch has <c>case-0</c>… and <c>default</c>, the classifier <c>class-0</c>…, a chat app's answer <c>out</c>.</summary>
    public static IReadOnlyList<string> OutputPorts(AppNode node, AppKind kind = AppKind.Workflow) => node.Type switch
    {
        AppNodeTypes.Switch => [.. Enumerable.Range(0, GetArray(node.Config, "cases").Count).Select(i => $"case-{i}"), DefaultPort],
        AppNodeTypes.Classifier => [.. Enumerable.Range(0, Math.Max(1, GetArray(node.Config, "classes").Count)).Select(i => $"class-{i}")],
        AppNodeTypes.Answer => kind == AppKind.Chat ? [OutPort] : [],
        _ => Find(node.Type)?.OutputPorts ?? [],
    };

    /// <summary>The fields a node outputs (<c>{{id.field}}</c>), with their types, for the variable picker and the validator.</summary>
    public static IReadOnlyList<NodeOutput> Outputs(AppNode node)
    {
        var config = node.Config;
        switch (node.Type)
        {
            case AppNodeTypes.Start:
                return [.. NamedItems(config, "fields").Select(f => new NodeOutput(f.Name, StartFieldType(GetString(f.Item, "type"))))];
            case AppNodeTypes.Llm:
                return config["jsonSchema"] is JsonObject
                    ? [new("text", T.String), new("json", T.Object), new("usage", T.Object)]
                    : [new("text", T.String), new("usage", T.Object)];
            case AppNodeTypes.Extractor:
                return [.. NamedItems(config, "parameters").Select(p => new NodeOutput(p.Name, ParseValueType(GetString(p.Item, "type")) ?? T.Any)), new("json", T.Object)];
            case AppNodeTypes.Code:
                return [new("result", T.Any), .. NamedItems(config, "outputs").Where(o => o.Name != "result").Select(o => new NodeOutput(o.Name, ParseValueType(GetString(o.Item, "type")) ?? T.Any))];
            case AppNodeTypes.End:
                return [.. NamedItems(config, "outputs").Select(o => new NodeOutput(o.Name, T.Any))];
            case AppNodeTypes.Loop:
                return [new("index", T.Number), .. NamedItems(config, "variables").Where(v => v.Name != "index").Select(v => new NodeOutput(v.Name, ParseValueType(GetString(v.Item, "type")) ?? T.Any))];
            case AppNodeTypes.Iteration:
                return [new("results", IterationResultsType(node))];
            default:
                return Find(node.Type)?.Outputs ?? [];
        }
    }

    /// <summary>The variables a body's nodes see of their iteration (<c>item</c>, <c>index</c>) or loop (<c>index</c> and its variables).</summary>
    public static IReadOnlyList<NodeOutput> BodyScope(AppNode node) => node.Type switch
    {
        AppNodeTypes.Iteration => [new("item", T.Any), new("index", T.Number)],
        AppNodeTypes.Loop => Outputs(node),
        _ => [],
    };

    /// <summary>A new node of a type with sensible settings, at the given place (chat apps' nodes start from the user's question).</summary>
    public static AppNode NewNode(string type, string id, double x = 0, double y = 0, AppKind kind = AppKind.Workflow)
    {
        var descriptor = Get(type);
        var config = new JsonObject();
        foreach (var setting in descriptor.Settings.Where(s => s.Default is not null))
        {
            config[setting.Name] = setting.Default!.DeepClone();
        }

        switch (type)
        {
            case AppNodeTypes.Start when kind == AppKind.Workflow:
                config["fields"] = new JsonArray(new JsonObject { ["name"] = "query", ["type"] = "text", ["required"] = true, ["label"] = "Query" });
                break;
            case AppNodeTypes.Llm when kind == AppKind.Chat:
                config["prompt"] = "{{sys.query}}";
                config["memory"] = true;
                break;
            case AppNodeTypes.Knowledge or AppNodeTypes.Classifier or AppNodeTypes.Extractor when kind == AppKind.Chat:
                config["query"] = "{{sys.query}}";
                break;
            case AppNodeTypes.IfElse:
                config["conditions"] = new JsonArray(new JsonObject { ["variable"] = string.Empty, ["operator"] = "equals", ["value"] = string.Empty });
                break;
            case AppNodeTypes.Switch:
                config["cases"] = new JsonArray(new JsonObject
                {
                    ["conditions"] = new JsonArray(new JsonObject { ["variable"] = string.Empty, ["operator"] = "equals", ["value"] = string.Empty }),
                    ["logic"] = "and",
                });
                break;
            case AppNodeTypes.Classifier:
                config["classes"] = new JsonArray(new JsonObject { ["name"] = "A", ["description"] = string.Empty }, new JsonObject { ["name"] = "B", ["description"] = string.Empty });
                break;
            case AppNodeTypes.Template:
                config["template"] = "{{ text }}";
                config["variables"] = new JsonArray(new JsonObject { ["name"] = "text", ["value"] = string.Empty });
                break;
            case AppNodeTypes.Answer:
                config["text"] = string.Empty;
                break;
            case AppNodeTypes.End:
                config["outputs"] = new JsonArray(new JsonObject { ["name"] = "result", ["value"] = string.Empty });
                break;
        }

        return new AppNode { Id = id, Type = type, X = x, Y = y, Config = config };
    }

    /// <summary>The value type named by <see cref="ValueTypeNames"/> (also <c>text</c>, <c>file</c>); null for an unknown name.</summary>
    public static AppValueType? ParseValueType(string? name) => name?.Trim().ToLowerInvariant() switch
    {
        "string" or "text" => T.String,
        "number" or "integer" => T.Number,
        "boolean" or "bool" => T.Boolean,
        "object" => T.Object,
        "array[string]" => T.ArrayString,
        "array[number]" => T.ArrayNumber,
        "array[object]" => T.ArrayObject,
        "file" => T.File,
        "any" => T.Any,
        _ => null,
    };

    /// <summary>The type of a start field's value.</summary>
    public static AppValueType StartFieldType(string? fieldType) => fieldType switch
    {
        "number" => T.Number,
        "file" => T.File,
        "dataset-row" => T.Object,
        _ => T.String,
    };

    /// <summary>Whether a value of type <paramref name="actual"/> may go where <paramref name="expected"/> is asked for.</summary>
    public static bool Compatible(AppValueType expected, AppValueType actual) =>
        expected == T.Any || actual == T.Any || expected == actual
        || (expected == T.ArrayObject && actual is T.ArrayString or T.ArrayNumber)
        || (expected == T.String && actual == T.Number);

    public static bool IsArray(AppValueType type) => type is T.ArrayObject or T.ArrayNumber or T.ArrayString;

    private static AppValueType IterationResultsType(AppNode node)
    {
        if (!AppVariables.TryParse(GetString(node.Config, "output"), out var reference) || reference.Path.Count != 1)
        {
            return T.Any;
        }

        AppGraph? body;
        try
        {
            body = Body(node);
        }
        catch (Common.ValidationException)
        {
            return T.Any;
        }

        var inner = body?.Find(reference.Root);
        var type = inner is null ? null : Outputs(inner).FirstOrDefault(o => o.Name == reference.Path[0])?.Type;
        return type switch
        {
            T.String => T.ArrayString,
            T.Number => T.ArrayNumber,
            T.Object => T.ArrayObject,
            _ => T.Any,
        };
    }
}
