using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Chat;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Apps.Nodes;

/// <summary>
/// The question classifier: a platform model (through the gateway, like the LLM node) picks one of the node's classes
/// ({name, description}) for the query, answering under a JSON schema whose only value is one of the class names. The
/// run goes on through that class's port (<c>class-N</c>). Outputs <c>class</c> (its name) and <c>classIndex</c>.
/// </summary>
public sealed class ClassifierNode(GatewayService gateway) : IAppNodeExecutor
{
    public const int MaxClasses = 50;

    public string Type => AppNodeTypes.Classifier;

    public async Task<NodeOutcome> ExecuteAsync(NodeRunContext context, CancellationToken ct)
    {
        var node = context.Node;
        var model = ServiceNodeConfig.RequiredText(node, "model");
        var classes = new List<(string Name, string? Description)>();
        foreach (var item in ServiceNodeConfig.Objects(node, "classes"))
        {
            var name = item["name"] is JsonValue n && n.GetValueKind() == JsonValueKind.String ? n.GetValue<string>().Trim() : string.Empty;
            var description = item["description"] is JsonValue d && d.GetValueKind() == JsonValueKind.String ? d.GetValue<string>().Trim() : null;
            if (name.Length == 0 || classes.Any(c => c.Name.Equals(name, StringComparison.OrdinalIgnoreCase)))
            {
                throw Classes(node.Id);
            }

            classes.Add((name, description));
        }

        if (classes.Count == 0 || classes.Count > MaxClasses)
        {
            throw Classes(node.Id);
        }

        var query = context.Render(ServiceNodeConfig.Text(node, "query")).Trim();
        if (query.Length == 0)
        {
            throw ServiceNodeConfig.Required(node, "query");
        }

        var system = new StringBuilder("Classify the user's text into exactly one of these classes. Answer with JSON {\"class\": \"<class name>\"} and nothing else.\nClasses:\n");
        foreach (var (name, description) in classes)
        {
            system.Append("- ").Append(name);
            if (!string.IsNullOrEmpty(description))
            {
                system.Append(": ").Append(description);
            }

            system.Append('\n');
        }

        var instructions = context.Render(ServiceNodeConfig.Text(node, "instructions"));
        if (!string.IsNullOrWhiteSpace(instructions))
        {
            system.Append("\nInstructions: ").Append(instructions.Trim());
        }

        var schema = new JsonObject
        {
            ["type"] = "object",
            ["properties"] = new JsonObject { ["class"] = new JsonObject { ["type"] = "string", ["enum"] = new JsonArray([.. classes.Select(c => (JsonNode)c.Name)]) } },
            ["required"] = new JsonArray("class"),
            ["additionalProperties"] = false,
        };
        var messages = new JsonArray(LlmCall.Message("system", system.ToString()), LlmCall.Message("user", query));
        var reply = await LlmCall.CompleteAsync(gateway, context, new LlmAsk(model, messages, 0, 64, LlmCall.SchemaFormat("classification", schema)), null, ct);
        var index = Pick(reply.Text, classes.Select(c => c.Name).ToList());
        if (index < 0)
        {
            var excerpt = ServiceNodeConfig.Excerpt(reply.Text);
            throw new ValidationException("class", $"Node '{node.Id}': the model chose none of the classes (it answered: {excerpt}).") { MessageKey = "Apps.Error.ClassifierNoClass", MessageArguments = [node.Id, excerpt] };
        }

        var inputs = new JsonObject { ["model"] = model, ["query"] = query, ["classes"] = new JsonArray([.. classes.Select(c => (JsonNode)c.Name)]), ["instructions"] = instructions };
        var outputs = new JsonObject { ["class"] = classes[index].Name, ["classIndex"] = index };
        return new NodeOutcome(outputs)
        {
            Ports = ["class-" + index.ToString(CultureInfo.InvariantCulture)],
            Inputs = inputs,
            PromptTokens = reply.PromptTokens,
            CompletionTokens = reply.CompletionTokens,
            Model = reply.Model,
        };
    }

    /// <summary>The class the answer names: its <c>class</c> field, else the answer itself, else the one class name it contains.</summary>
    internal static int Pick(string answer, IReadOnlyList<string> names)
    {
        var text = answer.Trim();
        try
        {
            if (JsonNode.Parse(text) is JsonObject o && o["class"] is JsonValue v && v.GetValueKind() == JsonValueKind.String)
            {
                text = v.GetValue<string>().Trim();
            }
        }
        catch (JsonException)
        {
            // A provider that ignores response_format answers in words: look for a class name in them.
        }

        var exact = names.ToList().FindIndex(n => n.Equals(text, StringComparison.OrdinalIgnoreCase));
        if (exact >= 0)
        {
            return exact;
        }

        var mentioned = names.Select((n, i) => (n, i)).Where(c => text.Contains(c.n, StringComparison.OrdinalIgnoreCase)).ToList();
        return mentioned.Count == 1 ? mentioned[0].i : -1;
    }

    private static ValidationException Classes(string nodeId) =>
        new("classes", $"Node '{nodeId}': give 1 to {MaxClasses} classes, each with its own name.") { MessageKey = "Apps.Error.ClassifierClasses", MessageArguments = [nodeId, MaxClasses] };
}
