using System.Text.Json.Nodes;

namespace AiPlatform.Core.Apps.Nodes;

/// <summary>The answer node of a chat app: its text template, rendered, is the turn's answer (<c>{{answer.answer}}</c>).</summary>
public sealed class AnswerNode : IAppNodeExecutor
{
    public bool RunsInline => true;

    public string Type => AppNodeTypes.Answer;

    public Task<NodeOutcome> ExecuteAsync(NodeRunContext context, CancellationToken ct)
    {
        var template = AppNodeCatalog.GetString(context.Node.Config, "text");
        var text = context.Render(template);
        return Task.FromResult(new NodeOutcome(new JsonObject { ["answer"] = text }) { Inputs = new JsonObject { ["text"] = template } });
    }
}
