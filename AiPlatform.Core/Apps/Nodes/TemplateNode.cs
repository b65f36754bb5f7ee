using System.Text.Json.Nodes;

namespace AiPlatform.Core.Apps.Nodes;

/// <summary>The template node: a Liquid template over its declared variables (<c>variables: [{name, value}]</c>) → <c>text</c>.</summary>
public sealed class TemplateNode(ITemplateRenderer renderer) : IAppNodeExecutor
{
    public string Type => AppNodeTypes.Template;

    public async Task<NodeOutcome> ExecuteAsync(NodeRunContext context, CancellationToken ct)
    {
        var model = NodeValues.EvaluateMap(context, "variables");
        var template = AppNodeCatalog.GetString(context.Node.Config, "template") ?? string.Empty;
        var text = await renderer.RenderAsync(template, model, ct);
        return new NodeOutcome(new JsonObject { ["text"] = text }) { Inputs = model.DeepClone() };
    }
}
