using System.Text.Json.Nodes;

namespace AiPlatform.Core.Apps.Nodes;

/// <summary>The switch node: the first case whose conditions hold chooses its port <c>case-N</c>; none, the <c>default</c> port.</summary>
public sealed class SwitchNode : IAppNodeExecutor
{
    public bool RunsInline => true;

    public string Type => AppNodeTypes.Switch;

    public Task<NodeOutcome> ExecuteAsync(NodeRunContext context, CancellationToken ct)
    {
        var inputs = new JsonArray();
        var port = AppNodeCatalog.DefaultPort;
        var cases = AppNodeCatalog.GetArray(context.Node.Config, "cases");
        for (var i = 0; i < cases.Count; i++)
        {
            if (cases[i] is not JsonObject @case)
            {
                continue;
            }

            var checks = new JsonArray();
            var holds = Conditions.Evaluate(context.Node.Id, AppNodeCatalog.GetArray(@case, "conditions"), AppNodeCatalog.GetString(@case, "logic"), context.Resolve, context.Render, checks);
            inputs.Add(new JsonObject { ["case"] = $"case-{i}", ["conditions"] = checks, ["result"] = holds });
            if (holds)
            {
                port = $"case-{i}";
                break;
            }
        }

        return Task.FromResult(new NodeOutcome(new JsonObject { ["case"] = port }) { Ports = [port], Inputs = inputs });
    }
}
