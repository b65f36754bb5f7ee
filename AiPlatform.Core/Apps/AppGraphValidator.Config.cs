using System.Text.Json;
using System.Text.Json.Nodes;

namespace AiPlatform.Core.Apps;

public static partial class AppGraphValidator
{
    private sealed partial class Run
    {
        private void ValidateNode(AppNode node, Dictionary<string, IReadOnlyList<NodeOutput>> visible)
        {
            var descriptor = AppNodeCatalog.Find(node.Type)!;
            var config = node.Config ?? [];
            foreach (var setting in descriptor.Settings)
            {
                ValidateSetting(node, setting, config[setting.Name]);
            }

            if (node.TimeoutSeconds is <= 0)
            {
                Add(node.Id, "Apps.Error.SettingRange", $"The time limit of node '{node.Id}' must be at least 1 second.", node.Id, "timeoutSeconds", "1", "∞");
            }

            if (node.OnError is { } policy && (policy.Retries is < 0 or > 5 || policy.RetryDelayMs is < 0 or > 60_000))
            {
                Add(node.Id, "Apps.Error.RetriesInvalid", $"Node '{node.Id}' may retry 0 to 5 times, 0 to 60000 ms apart.", node.Id);
            }

            ValidateStructure(node, config);

            foreach (var (name, value) in config)
            {
                if (SkipReferences(node.Type, name))
                {
                    continue;
                }

                foreach (var reference in AppVariables.FindReferences(value))
                {
                    // A node named "secret" (made before secrets existed) keeps its name: then {{secret.…}} means the node.
                    if (reference.Root == AppVariables.Secret && !_allIds.Contains(AppVariables.Secret))
                    {
                        CheckSecret(node, name, reference);
                        continue;
                    }

                    CheckReference(node.Id, reference, visible);
                }
            }

            switch (node.Type)
            {
                case AppNodeTypes.IfElse:
                    ValidateConditions(node, AppNodeCatalog.GetArray(config, "conditions"), visible, "conditions");
                    break;
                case AppNodeTypes.Switch:
                    foreach (var @case in AppNodeCatalog.GetArray(config, "cases").OfType<JsonObject>())
                    {
                        ValidateConditions(node, AppNodeCatalog.GetArray(@case, "conditions"), visible, "cases");
                    }

                    break;
                case AppNodeTypes.Iteration:
                case AppNodeTypes.Loop:
                    ValidateBody(node, config, visible);
                    break;
            }
        }

        /// <summary>Secrets go only into HTTP nodes' header values, by name (<c>{{secret.NAME}}</c>): nowhere they could be traced or shown.</summary>
        private void CheckSecret(AppNode node, string setting, AppVariableReference reference)
        {
            if (node.Type != AppNodeTypes.Http || setting != "headers")
            {
                Add(node.Id, "Apps.Error.SecretOutsideHeader", $"Node '{node.Id}' uses {reference}: secrets can only be sent in an HTTP node's headers.", node.Id, reference.ToString());
            }
            else if (reference.Path.Count != 1 || !AppSecretService.IsValidName(reference.Field))
            {
                Add(node.Id, "Apps.Error.UnknownVariable", $"Node '{node.Id}' uses {reference}, which does not name a secret ({{{{secret.NAME}}}}).", node.Id, reference.ToString());
            }
        }

        private static bool SkipReferences(string type, string setting) => (type, setting) switch
        {
            (AppNodeTypes.Template, "template") => true,
            (AppNodeTypes.Code, "code") => true,
            (AppNodeTypes.Iteration or AppNodeTypes.Loop, "body") => true,
            (AppNodeTypes.Iteration, "output") => true,
            (AppNodeTypes.Loop, "updates" or "condition") => true,
            _ => false,
        };

        private void ValidateSetting(AppNode node, NodeSetting setting, JsonNode? value)
        {
            var empty = value switch
            {
                null => true,
                JsonValue v when v.GetValueKind() == JsonValueKind.String => string.IsNullOrWhiteSpace(v.GetValue<string>()),
                JsonValue v when v.GetValueKind() == JsonValueKind.Null => true,
                JsonArray a => a.Count == 0,
                JsonObject o when setting.Kind == NodeSettingKind.SubGraph => o["nodes"] is not JsonArray { Count: > 0 },
                _ => false,
            };
            if (empty)
            {
                if (setting.Required)
                {
                    Add(node.Id, "Apps.Error.SettingRequired", $"Node '{node.Id}' needs the setting '{setting.Name}'.", node.Id, setting.Name);
                }

                return;
            }

            switch (setting.Kind)
            {
                case NodeSettingKind.Select when setting.Options is { } options:
                    var chosen = AppNodeCatalog.GetString(node.Config, setting.Name);
                    if (chosen is null || !options.Contains(chosen, StringComparer.OrdinalIgnoreCase))
                    {
                        Add(node.Id, "Apps.Error.SettingInvalid", $"The setting '{setting.Name}' of node '{node.Id}' must be one of: {string.Join(", ", options)}.", node.Id, setting.Name, string.Join(", ", options));
                    }

                    break;
                case NodeSettingKind.Number or NodeSettingKind.Integer:
                    if (AppNodeCatalog.GetNumber(node.Config, setting.Name) is not { } number || double.IsNaN(number) || double.IsInfinity(number))
                    {
                        Add(node.Id, "Apps.Error.SettingNumber", $"The setting '{setting.Name}' of node '{node.Id}' must be a number.", node.Id, setting.Name);
                    }

                    break;
                case NodeSettingKind.Boolean:
                    if (AppNodeCatalog.GetBool(node.Config, setting.Name) is null)
                    {
                        Add(node.Id, "Apps.Error.SettingBoolean", $"The setting '{setting.Name}' of node '{node.Id}' must be true or false.", node.Id, setting.Name);
                    }

                    break;
                case NodeSettingKind.Variable:
                    if (!AppVariables.TryParse(AppNodeCatalog.GetString(node.Config, setting.Name), out _))
                    {
                        Add(node.Id, "Apps.Error.VariableInvalid", $"The setting '{setting.Name}' of node '{node.Id}' must be one variable, such as {{{{node.field}}}}.", node.Id, setting.Name);
                    }

                    break;
                case NodeSettingKind.VariableList:
                    if (value is not JsonArray list || list.Any(i => !AppVariables.TryParse(i is JsonValue v && v.GetValueKind() == JsonValueKind.String ? v.GetValue<string>() : null, out _)))
                    {
                        Add(node.Id, "Apps.Error.VariableInvalid", $"The setting '{setting.Name}' of node '{node.Id}' must be a list of variables, such as {{{{node.field}}}}.", node.Id, setting.Name);
                    }

                    break;
                case NodeSettingKind.KnowledgeBases or NodeSettingKind.Datasets:
                    if (value is not JsonArray ids || ids.Any(i => i is not JsonValue v || v.GetValueKind() != JsonValueKind.String || !Guid.TryParse(v.GetValue<string>(), out _)))
                    {
                        Add(node.Id, "Apps.Error.SettingInvalid", $"The setting '{setting.Name}' of node '{node.Id}' must be a list of ids.", node.Id, setting.Name, "ids");
                    }

                    break;
            }
        }

        private void ValidateStructure(AppNode node, JsonObject config)
        {
            switch (node.Type)
            {
                case AppNodeTypes.Start:
                    ValidateNames(node, "fields", requireValue: false);
                    foreach (var (name, field) in AppNodeCatalog.NamedItems(config, "fields"))
                    {
                        var type = AppNodeCatalog.GetString(field, "type") ?? "text";
                        if (!AppNodeCatalog.StartFieldTypes.Contains(type))
                        {
                            Add(node.Id, "Apps.Error.FieldTypeUnknown", $"The input '{name}' of node '{node.Id}' has an unknown type '{type}'.", node.Id, name, type);
                        }
                        else if (type == "select" && AppNodeCatalog.GetArray(field, "options").Count == 0)
                        {
                            Add(node.Id, "Apps.Error.FieldOptionsMissing", $"The input '{name}' of node '{node.Id}' is a choice without options.", node.Id, name);
                        }
                    }

                    break;
                case AppNodeTypes.End:
                    ValidateNames(node, "outputs", requireValue: true);
                    break;
                case AppNodeTypes.Template when checkTemplate is not null && AppNodeCatalog.GetString(config, "template") is { Length: > 0 } liquid && checkTemplate(liquid) is { } error:
                    Add(node.Id, "Apps.Error.TemplateInvalid", $"The template of node '{node.Id}' is not valid Liquid: {error}", error);
                    ValidateNames(node, "variables", requireValue: true);
                    break;
                case AppNodeTypes.Template:
                case AppNodeTypes.Code when config["inputs"] is not null:
                    ValidateNames(node, node.Type == AppNodeTypes.Template ? "variables" : "inputs", requireValue: true);
                    if (node.Type == AppNodeTypes.Code)
                    {
                        ValidateTypedNames(node, "outputs");
                    }

                    break;
                case AppNodeTypes.Code:
                    ValidateTypedNames(node, "outputs");
                    break;
                case AppNodeTypes.Sql:
                    ValidateNames(node, "parameters", requireValue: false);
                    break;
                case AppNodeTypes.Extractor:
                    ValidateTypedNames(node, "parameters");
                    break;
                case AppNodeTypes.Loop:
                    ValidateTypedNames(node, "variables");
                    if (AppNodeCatalog.GetInt(config, "maxIterations") is < 1)
                    {
                        Add(node.Id, "Apps.Error.SettingRange", $"The setting 'maxIterations' of node '{node.Id}' must be at least 1.", node.Id, "maxIterations", "1", "∞");
                    }

                    break;
                case AppNodeTypes.Iteration:
                    if (AppNodeCatalog.GetInt(config, "parallelism") is < 1)
                    {
                        Add(node.Id, "Apps.Error.SettingRange", $"The setting 'parallelism' of node '{node.Id}' must be at least 1.", node.Id, "parallelism", "1", "∞");
                    }

                    break;
                case AppNodeTypes.Classifier:
                    if (AppNodeCatalog.GetArray(config, "classes").Any(c => c is not JsonObject o || string.IsNullOrWhiteSpace(AppNodeCatalog.GetString(o, "name"))))
                    {
                        Add(node.Id, "Apps.Error.ClassNameMissing", $"Every class of node '{node.Id}' needs a name.", node.Id);
                    }

                    break;
                case AppNodeTypes.Switch:
                    if (AppNodeCatalog.GetArray(config, "cases").Any(c => c is not JsonObject o || AppNodeCatalog.GetArray(o, "conditions").Count == 0))
                    {
                        Add(node.Id, "Apps.Error.CaseEmpty", $"Every case of node '{node.Id}' needs at least one condition.", node.Id);
                    }

                    break;
            }
        }

        private void ValidateNames(AppNode node, string setting, bool requireValue)
        {
            var names = new HashSet<string>(StringComparer.Ordinal);
            foreach (var item in AppNodeCatalog.GetArray(node.Config, setting))
            {
                var name = item is JsonObject o ? AppNodeCatalog.GetString(o, "name")?.Trim() : null;
                if (!IsValidFieldName(name))
                {
                    Add(node.Id, "Apps.Error.FieldNameInvalid", $"The name '{name}' in '{setting}' of node '{node.Id}' is not valid: use letters, digits and '_', starting with a letter.", node.Id, setting, name ?? string.Empty);
                }
                else if (!names.Add(name!))
                {
                    Add(node.Id, "Apps.Error.FieldNameDuplicate", $"The name '{name}' appears twice in '{setting}' of node '{node.Id}'.", node.Id, setting, name!);
                }
                else if (requireValue && string.IsNullOrWhiteSpace(AppNodeCatalog.GetString((JsonObject)item!, "value")))
                {
                    Add(node.Id, "Apps.Error.FieldValueMissing", $"'{name}' in '{setting}' of node '{node.Id}' has no value.", node.Id, setting, name!);
                }
            }
        }

        private void ValidateTypedNames(AppNode node, string setting)
        {
            ValidateNames(node, setting, requireValue: false);
            foreach (var (name, item) in AppNodeCatalog.NamedItems(node.Config, setting))
            {
                var type = AppNodeCatalog.GetString(item, "type") ?? "string";
                if (!AppNodeCatalog.ValueTypeNames.Contains(type))
                {
                    Add(node.Id, "Apps.Error.ValueTypeUnknown", $"'{name}' in '{setting}' of node '{node.Id}' has an unknown type '{type}'.", node.Id, name, type);
                }
            }
        }
    }
}
