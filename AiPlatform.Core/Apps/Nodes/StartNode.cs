using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Apps.Nodes;

/// <summary>
/// The start node: checks the run's inputs against its fields and outputs them (<c>{{start.field}}</c>). A file field
/// comes out as <c>{name, contentType, size, text, base64}</c>: <c>text</c> is the file's text when it is UTF-8 text,
/// <c>base64</c> its bytes when it was sent as bytes. Documents (PDF, Word) are not parsed here: their parsers have no
/// bound on what a small compressed file expands to, and this runs for anyone who may run the app.
/// </summary>
public sealed class StartNode : IAppNodeExecutor
{
    /// <summary>The largest file a file field takes (decoded bytes, or characters of text).</summary>
    public const int MaxFileBytes = 1_000_000;

    private static readonly UTF8Encoding StrictUtf8 = new(false, throwOnInvalidBytes: true);

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
                    if (File(value!, out var problem, out var problemKey) is { } file)
                    {
                        outputs[name] = file;
                    }
                    else
                    {
                        Fail(name, $"'{label}' {problem}", problemKey, label);
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

    /// <summary>
    /// A file field's value as the node outputs it: a string is the file's text; an object has <c>text</c> or
    /// <c>base64</c> (bytes), and optionally <c>name</c> and <c>contentType</c>. Bytes that are UTF-8 text get their
    /// <c>text</c> too. The size is counted here, never taken from the caller.
    /// </summary>
    private static JsonObject? File(JsonNode value, out string problem, out string problemKey)
    {
        problem = "must be a file: its text, or an object with text or base64 and optionally name and contentType.";
        problemKey = "Apps.Error.InputFile";
        string? name = null, contentType = null, text = null, base64 = null;
        if (value is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            text = v.GetValue<string>();
        }
        else if (value is JsonObject o)
        {
            if (!OptionalString(o, "name", out name) || !OptionalString(o, "contentType", out contentType) || !OptionalString(o, "text", out text) || !OptionalString(o, "base64", out base64)
                || (text is null) == (base64 is null))
            {
                return null;
            }
        }
        else
        {
            return null;
        }

        int size;
        if (base64 is not null)
        {
            if (base64.Length > ((MaxFileBytes + 2) / 3 * 4) + 4)
            {
                problem = $"is larger than {MaxFileBytes:N0} bytes.";
                problemKey = "Apps.Error.InputFileTooLarge";
                return null;
            }

            var bytes = new byte[base64.Length * 3 / 4 + 3];
            if (!Convert.TryFromBase64String(base64, bytes, out size))
            {
                problem = "is not valid base64.";
                return null;
            }

            if (size <= MaxFileBytes && !IsDocument(name) && !LooksBinary(bytes.AsSpan(0, size)))
            {
                try
                {
                    text = StrictUtf8.GetString(bytes, 0, size).TrimStart('\uFEFF');
                }
                catch (DecoderFallbackException)
                {
                    // Not UTF-8: bytes for a code or HTTP node.
                }
            }
        }
        else
        {
            size = Encoding.UTF8.GetByteCount(text!);
        }

        if (size > MaxFileBytes)
        {
            problem = $"is larger than {MaxFileBytes:N0} bytes.";
            problemKey = "Apps.Error.InputFileTooLarge";
            return null;
        }

        return new JsonObject { ["name"] = name, ["contentType"] = contentType ?? (base64 is null ? "text/plain" : "application/octet-stream"), ["size"] = size, ["text"] = text, ["base64"] = base64 };
    }

    private static bool LooksBinary(ReadOnlySpan<byte> bytes) => bytes.IndexOf((byte)0) >= 0;

    /// <summary>Document formats whose bytes are not their text even when they happen to decode as UTF-8.</summary>
    private static bool IsDocument(string? name) =>
        Path.GetExtension(name ?? string.Empty).ToLowerInvariant() is ".pdf" or ".docx" or ".xlsx" or ".pptx";

    private static bool OptionalString(JsonObject o, string key, out string? value)
    {
        value = null;
        if (!o.TryGetPropertyValue(key, out var node) || node is null)
        {
            return true;
        }

        if (node is JsonValue v && v.GetValueKind() == JsonValueKind.String)
        {
            value = v.GetValue<string>();
            return true;
        }

        return false;
    }

    private static bool IsMissing(JsonNode? value) =>
        value is null || (value is JsonValue v && (v.GetValueKind() == JsonValueKind.Null || (v.GetValueKind() == JsonValueKind.String && string.IsNullOrWhiteSpace(v.GetValue<string>()))));
}
