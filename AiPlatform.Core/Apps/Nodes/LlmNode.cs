using System.Text.Json.Nodes;
using AiPlatform.Core.Chat;

namespace AiPlatform.Core.Apps.Nodes;

/// <summary>
/// The LLM node: a platform model (through the gateway, with the run-as user's rights, allowance and usage), system and
/// user prompt templates, temperature, max tokens, an optional JSON schema for the answer (parsed into <c>json</c>),
/// the answer streamed piece by piece when the run streams, and in chat apps the conversation's earlier turns as memory.
/// Outputs <c>text</c>, <c>json</c> (with a schema) and <c>usage</c>.
/// </summary>
public sealed class LlmNode(GatewayService gateway) : IAppNodeExecutor
{
    public const double MaxTemperature = 2;

    public const int MaxTokensLimit = 128_000;

    public string Type => AppNodeTypes.Llm;

    public async Task<NodeOutcome> ExecuteAsync(NodeRunContext context, CancellationToken ct)
    {
        var node = context.Node;
        var model = ServiceNodeConfig.RequiredText(node, "model");
        var temperature = ServiceNodeConfig.Number(node, "temperature");
        if (temperature is < 0 or > MaxTemperature)
        {
            throw ServiceNodeConfig.Invalid(node, "temperature", temperature.Value.ToString(System.Globalization.CultureInfo.InvariantCulture));
        }

        var maxTokens = ServiceNodeConfig.Integer(node, "maxTokens", 1, MaxTokensLimit);
        var schema = ServiceNodeConfig.Object(node, "jsonSchema");
        var stream = ServiceNodeConfig.Flag(node, "stream", true) && context.Streaming;
        var memory = ServiceNodeConfig.Flag(node, "memory", false) && context.Request.App.Kind == AppKind.Chat;

        var messages = new JsonArray();
        var system = context.Render(ServiceNodeConfig.Text(node, "systemPrompt"));
        if (!string.IsNullOrWhiteSpace(system))
        {
            messages.Add(LlmCall.Message("system", system));
        }

        if (memory)
        {
            foreach (var turn in context.Request.History)
            {
                messages.Add(LlmCall.Message("user", turn.Query));
                messages.Add(LlmCall.Message("assistant", turn.Answer));
            }
        }

        var prompt = context.Render(ServiceNodeConfig.Text(node, "prompt"));
        if (string.IsNullOrWhiteSpace(prompt))
        {
            throw ServiceNodeConfig.Required(node, "prompt");
        }

        messages.Add(LlmCall.Message("user", prompt));
        var inputs = new JsonObject
        {
            ["model"] = model,
            ["messages"] = messages.DeepClone(),
            ["temperature"] = temperature,
            ["maxTokens"] = maxTokens,
            ["jsonSchema"] = schema?.DeepClone(),
            ["stream"] = stream,
        };

        Func<string, ValueTask>? onDelta = stream ? piece => context.EmitAsync(new AppRunEvent(AppRunEventKind.AnswerDelta, node.Id, Text: piece)) : null;
        var reply = await LlmCall.CompleteAsync(gateway, context, new LlmAsk(model, messages, temperature, maxTokens, schema is null ? null : LlmCall.SchemaFormat("output", schema)), onDelta, ct);
        var outputs = new JsonObject { ["text"] = reply.Text, ["usage"] = reply.Usage };
        if (schema is not null)
        {
            outputs["json"] = LlmCall.ParseJson(node.Id, reply.Text);
        }

        return new NodeOutcome(outputs) { Inputs = inputs, PromptTokens = reply.PromptTokens, CompletionTokens = reply.CompletionTokens, Model = reply.Model };
    }
}
