using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Apps.Nodes;

/// <summary>The start node: checks the run's inputs against its fields and outputs them (<c>{{start.field}}</c>).</summary>
public sealed class StartNode : IAppNodeExecutor
{
    public bool RunsInline => true;

    public string Type => AppNodeTypes.Start;

    public Task<NodeOutcome> ExecuteAsync(NodeRunContext context, CancellationToken ct)
    {
        var outputs = ValidateInputs(context.Node, context.Request.Inputs);
        return Task.FromResult(new NodeOutcome(outputs) { Inputs = context.Request.Inputs.DeepClone() });
    }

    /// <summary>
    /// The inputs as the start node's fields ask: required ones present, numbers parsed, choices among the options,
    /// defaults filled in, unknown names dropped. Every wrong field is reported at once in a <see cref="ValidationException"/>
    /// (field <c>inputs.{name}</c>; the message key is the first problem's).
    /// </summary>
    public static JsonObject ValidateInputs(AppNode start, JsonObject inputs)
    {
        var outputs = new JsonObject();
        var errors = new Dictionary<string, string[]>(StringComparer.Ordinal);
        string? key = null;
        object[] arguments = [];
        void Fail(string name, string message, string messageKey, params object[] args)
        {
            errors[$"inputs.{name}"] = [message];
            if (key is null)
            {
                key = messageKey;
                arguments = args;
            }
        }

        foreach (var (name, field) in AppNodeCatalog.NamedItems(start.Config, "fields"))
        {
            var type = AppNodeCatalog.GetString(field, "type") ?? "text";
            var label = AppNodeCatalog.GetString(field, "label") is { Length: > 0 } l ? l : name;
            var value = inputs.TryGetPropertyValue(name, out var given) ? given?.DeepClone() : null;
            if (IsMissing(value) && field["default"] is { } fallback)
            {
                value = fallback.DeepClone();
            }

            if (IsMissing(value))
            {
                if (AppNodeCatalog.GetBool(field, "required") == true)
                {
                    Fail(name, $"'{label}' is required.", "Apps.Error.InputRequired", label);
                }
                else
                {
                    outputs[name] = null;
                }

                continue;
            }

            switch (type)
            {
                case "number":
                    if (value is JsonValue n && n.GetValueKind() == JsonValueKind.Number)
                    {
                        outputs[name] = value;
                    }
                    else if (value is JsonValue s && s.GetValueKind() == JsonValueKind.String
                        && double.TryParse(s.GetValue<string>().Trim(), NumberStyles.Float, CultureInfo.InvariantCulture, out var parsed) && double.IsFinite(parsed))
                    {
                        outputs[name] = parsed;
                    }
                    else
                    {
                        Fail(name, $"'{label}' must be a number, not '{AppVariables.Clip(AppVariables.ToText(value), 80)}'.", "Apps.Error.InputNumber", label, AppVariables.Clip(AppVariables.ToText(value), 80));
                    }

                    break;
                case "select":
                    var choice = AppVariables.ToText(value);
                    var options = AppNodeCatalog.GetArray(field, "options").Select(o => AppVariables.ToText(o)).ToList();
                    if (options.Contains(choice, StringComparer.Ordinal))
                    {
                        outputs[name] = choice;
                    }
                    else
                    {
                        Fail(name, $"'{label}' must be one of: {string.Join(", ", options)}.", "Apps.Error.InputOption", label, string.Join(", ", options));
                    }

                    break;
                case "dataset-row":
                    if (value is JsonObject)
                    {
                        outputs[name] = value;
                    }
                    else
                    {
                        Fail(name, $"'{label}' must be a row (a JSON object of column values).", "Apps.Error.InputRow", label);
                    }

                    break;
                case "file":
                    if (value is JsonObject || (value is JsonValue f && f.GetValueKind() == JsonValueKind.String))
                    {
                        outputs[name] = value;
                    }
                    else
                    {
                        Fail(name, $"'{label}' must be a file.", "Apps.Error.InputFile", label);
                    }

                    break;
                default:
                    outputs[name] = value is JsonValue t && t.GetValueKind() == JsonValueKind.String ? value : AppVariables.ToText(value);
                    break;
            }
        }

        if (errors.Count > 0)
        {
            throw new ValidationException(errors) { MessageKey = key, MessageArguments = arguments };
        }

        return outputs;
    }

    private static bool IsMissing(JsonNode? value) =>
        value is null || (value is JsonValue v && (v.GetValueKind() == JsonValueKind.Null || (v.GetValueKind() == JsonValueKind.String && string.IsNullOrWhiteSpace(v.GetValue<string>()))));
}
