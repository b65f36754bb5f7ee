using System.Text.Json.Nodes;
using AiPlatform.Core.Apps;

namespace AiPlatform.Web.Tests.Apps;

/// <summary>Small graphs the page tests run: start → code → end, and one whose code node throws.</summary>
internal static class AppGraphs
{
    /// <summary>A workflow that greets the <c>name</c> it is given: <c>{"greeting": "Hello {name}!"}</c>.</summary>
    public static AppGraph Greeter() => new()
    {
        Nodes =
        [
            new AppNode
            {
                Id = "start", Type = AppNodeTypes.Start, X = 80, Y = 200,
                Config = new JsonObject { ["fields"] = new JsonArray(new JsonObject { ["name"] = "name", ["type"] = "text", ["required"] = true, ["label"] = "Name" }) },
            },
            new AppNode
            {
                Id = "code1", Type = AppNodeTypes.Code, X = 340, Y = 200,
                Config = new JsonObject
                {
                    ["code"] = "function main(inputs) { return { text: 'Hello ' + inputs.name + '!' }; }",
                    ["inputs"] = new JsonArray(new JsonObject { ["name"] = "name", ["value"] = "{{start.name}}" }),
                    ["outputs"] = new JsonArray(new JsonObject { ["name"] = "text", ["type"] = "string" }),
                },
            },
            new AppNode
            {
                Id = "end", Type = AppNodeTypes.End, X = 600, Y = 200,
                Config = new JsonObject { ["outputs"] = new JsonArray(new JsonObject { ["name"] = "greeting", ["value"] = "{{code1.text}}" }) },
            },
        ],
        Edges = [new AppEdge { Source = "start", Target = "code1" }, new AppEdge { Source = "code1", Target = "end" }],
    };

    /// <summary>A workflow whose code node throws, so the run fails at <c>code1</c>.</summary>
    public static AppGraph Failing() => new()
    {
        Nodes =
        [
            new AppNode { Id = "start", Type = AppNodeTypes.Start, X = 80, Y = 200 },
            new AppNode
            {
                Id = "code1", Type = AppNodeTypes.Code, X = 340, Y = 200,
                Config = new JsonObject { ["code"] = "function main(inputs) { throw new Error('no invoices today'); }", ["inputs"] = new JsonArray(), ["outputs"] = new JsonArray() },
            },
            new AppNode
            {
                Id = "end", Type = AppNodeTypes.End, X = 600, Y = 200,
                Config = new JsonObject { ["outputs"] = new JsonArray(new JsonObject { ["name"] = "result", ["value"] = "{{code1.result}}" }) },
            },
        ],
        Edges = [new AppEdge { Source = "start", Target = "code1" }, new AppEdge { Source = "code1", Target = "end" }],
    };

    /// <summary>A chat app that answers with what it was asked.</summary>
    public static AppGraph Echo() => new()
    {
        Nodes =
        [
            new AppNode { Id = "start", Type = AppNodeTypes.Start, X = 80, Y = 200 },
            new AppNode { Id = "answer", Type = AppNodeTypes.Answer, X = 400, Y = 200, Config = new JsonObject { ["text"] = "You said: {{sys.query}}" } },
        ],
        Edges = [new AppEdge { Source = "start", Target = "answer" }],
    };
}
