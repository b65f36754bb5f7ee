namespace AiPlatform.Core.Apps;

/// <summary>The node types of the workbench (<see cref="AppNode.Type"/>).</summary>
public static class AppNodeTypes
{
    public const string Start = "start";
    public const string Llm = "llm";
    public const string Knowledge = "knowledge";
    public const string Inference = "inference";
    public const string Sql = "sql";
    public const string Http = "http";
    public const string Code = "code";
    public const string Template = "template";
    public const string IfElse = "if-else";
    public const string Switch = "switch";
    public const string Classifier = "classifier";
    public const string Extractor = "extractor";
    public const string Iteration = "iteration";
    public const string Loop = "loop";
    public const string Aggregator = "aggregator";
    public const string SubApp = "sub-app";
    public const string Answer = "answer";
    public const string End = "end";

    public static IReadOnlyList<string> All { get; } =
        [Start, Llm, Knowledge, Inference, Sql, Http, Code, Template, IfElse, Switch, Classifier, Extractor, Iteration, Loop, Aggregator, SubApp, Answer, End];
}
