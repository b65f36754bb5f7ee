using System.Text.Json.Nodes;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Tracing;
using AiPlatform.Infrastructure.Tests.Builders;

namespace AiPlatform.Infrastructure.Tests.Apps.Scripting;

/// <summary>The engine as the platform wires it: real Jint and Fluid nodes, the trace written to the run user's traces.</summary>
public sealed class AppEngineSandboxTests(SqliteServicesFixture fixture) : IClassFixture<SqliteServicesFixture>
{
    private static AppGraph Graph(string code) => new()
    {
        Nodes =
        [
            new AppNode { Id = "start", Type = AppNodeTypes.Start, Config = new JsonObject { ["fields"] = new JsonArray(new JsonObject { ["name"] = "words", ["type"] = "text", ["required"] = true }) } },
            new AppNode
            {
                Id = "count",
                Type = AppNodeTypes.Code,
                Config = new JsonObject
                {
                    ["code"] = code,
                    ["inputs"] = new JsonArray(new JsonObject { ["name"] = "text", ["value"] = "{{start.words}}" }),
                    ["outputs"] = new JsonArray(new JsonObject { ["name"] = "words", ["type"] = "array[string]" }),
                },
            },
            new AppNode
            {
                Id = "report",
                Type = AppNodeTypes.Template,
                Config = new JsonObject
                {
                    ["template"] = "{{ words | size }} words: {% for w in words %}{{ w | upcase }}{% unless forloop.last %}, {% endunless %}{% endfor %}",
                    ["variables"] = new JsonArray(new JsonObject { ["name"] = "words", ["value"] = "{{count.words}}" }),
                },
            },
            new AppNode { Id = "end", Type = AppNodeTypes.End, Config = new JsonObject { ["outputs"] = new JsonArray(new JsonObject { ["name"] = "report", ["value"] = "{{report.text}}" }) } },
        ],
        Edges = [new() { Source = "start", Target = "count" }, new() { Source = "count", Target = "report" }, new() { Source = "report", Target = "end" }],
    };

    private AppRunRequest Request(AppGraph graph, string words) =>
        new(new App { Slug = "sandbox-app", Name = "Sandbox", Kind = AppKind.Workflow }, graph, null, new JsonObject { ["words"] = words }, fixture.Admin, AppRunSources.Draft);

    [Fact]
    public async Task Code_and_template_nodes_run_in_their_sandboxes_and_the_run_is_traced()
    {
        var engine = fixture.Get<IAppEngine>();

        var result = await engine.RunAsync(Request(Graph("function main(inputs) { return { words: inputs.text.split(' ') }; }"), "red green blue"), null, CancellationToken.None);

        result.Status.ShouldBe(AppRunStatus.Succeeded, result.Error);
        result.Outputs["report"]!.GetValue<string>().ShouldBe("3 words: RED, GREEN, BLUE");
        var traces = fixture.Get<ITraceStore>();
        await Eventually.UntilAsync(async () => await traces.FindSpansAsync(result.TraceId!, CancellationToken.None) is not null, "the app run's trace");
        var spans = (await traces.FindSpansAsync(result.TraceId!, CancellationToken.None))!;
        spans.ShouldContain("RED, GREEN, BLUE");
        spans.ShouldContain("\"count\"");
    }

    [Fact]
    public async Task A_code_node_that_loops_forever_fails_the_run_naming_it()
    {
        var engine = fixture.Get<IAppEngine>();

        var result = await engine.RunAsync(Request(Graph("function main(inputs) { for (;;) { } }"), "x"), null, CancellationToken.None);

        result.Status.ShouldBe(AppRunStatus.Failed);
        result.ErrorNodeId.ShouldBe("count");
        result.ErrorKey.ShouldBe("Apps.Error.CodeTimeout");
    }
}
