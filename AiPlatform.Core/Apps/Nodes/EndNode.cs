namespace AiPlatform.Core.Apps.Nodes;

/// <summary>The end node: the workflow's outputs, each a variable or a template (<c>outputs: [{name, value}]</c>).</summary>
public sealed class EndNode : IAppNodeExecutor
{
    public bool RunsInline => true;

    public string Type => AppNodeTypes.End;

    public Task<NodeOutcome> ExecuteAsync(NodeRunContext context, CancellationToken ct)
    {
        var outputs = NodeValues.EvaluateMap(context, "outputs");
        return Task.FromResult(new NodeOutcome(outputs) { Inputs = outputs.DeepClone() });
    }
}
