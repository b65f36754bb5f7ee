using System.Text.Json.Nodes;

namespace AiPlatform.Core.Apps.Nodes;

/// <summary>The if/else node: its conditions (joined by <c>and</c>/<c>or</c>) choose the <c>true</c> or the <c>false</c> port.</summary>
public sealed class IfElseNode : IAppNodeExecutor
{
    public bool RunsInline => true;

    public string Type => AppNodeTypes.IfElse;

    public Task<NodeOutcome> ExecuteAsync(NodeRunContext context, CancellationToken ct)
    {
        var config = context.Node.Config;
        var inputs = new JsonArray();
        var holds = Conditions.Evaluate(context.Node.Id, AppNodeCatalog.GetArray(config, "conditions"), AppNodeCatalog.GetString(config, "logic"), context.Resolve, context.Render, inputs);
        return Task.FromResult(new NodeOutcome(new JsonObject { ["result"] = holds })
        {
            Ports = [holds ? AppNodeCatalog.TruePort : AppNodeCatalog.FalsePort],
            Inputs = inputs,
        });
    }
}
