using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Apps;
using AiPlatform.Core.Common;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;
using YamlDotNet.RepresentationModel;

namespace AiPlatform.Infrastructure.Apps;

/// <summary>
/// The app export file as YAML: <c>format</c>, <c>name</c>, <c>slug</c>, <c>description</c>, <c>kind</c> and the
/// <c>graph</c> (nodes and edges as in the draft's JSON). Strings that YAML would read as something else are quoted,
/// multi-line strings (prompts, code) are written as literal blocks, so a file reads back to the same graph.
/// </summary>
internal sealed class YamlAppDocumentFormat : IAppDocumentFormat
{
    public const string Format = "aiplatform-app/v1";

    /// <summary>The deepest nesting of mappings and sequences a file may have (the JSON depth the graph accepts anyway).</summary>
    public const int MaxDepth = 64;

    /// <summary>The most parser events (scalars, mapping and sequence starts and ends) a file may have.</summary>
    public const int MaxEvents = 200_000;

    public string ContentType => "text/yaml";

    public string Write(AppDocument document)
    {
        var root = new JsonObject
        {
            ["format"] = Format,
            ["name"] = document.Name,
            ["slug"] = document.Slug,
            ["description"] = document.Description,
            ["kind"] = document.Kind.ToString().ToLowerInvariant(),
            ["graph"] = JsonSerializer.SerializeToNode(document.Graph, AppGraph.JsonOptions),
        };
        var stream = new YamlStream(new YamlDocument(ToYaml(root)));
        using var writer = new StringWriter(CultureInfo.InvariantCulture);
        stream.Save(writer, assignAnchors: false);
        var text = writer.ToString();
        // YamlStream ends each document with "...": a single-document file reads better without it.
        return text.EndsWith("...\r\n", StringComparison.Ordinal) || text.EndsWith("...\n", StringComparison.Ordinal) ? text[..text.LastIndexOf("...", StringComparison.Ordinal)] : text;
    }

    public AppDocument Read(string text)
    {
        var stream = new YamlStream();
        try
        {
            // The representation model is built recursively and expands aliases: check the shape on the event stream first.
            Scan(text);
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw Invalid(e.Start.Line, e.InnerException?.Message ?? e.Message);
        }

        if (stream.Documents.Count != 1 || stream.Documents[0].RootNode is not YamlMappingNode mapping)
        {
            throw Invalid(1, "The file holds one app: a mapping with name, kind and graph.");
        }

        var root = (JsonObject)ToJson(mapping)!;
        var format = Text(root, "format");
        if (format is not null && format != Format)
        {
            throw Invalid(Line(mapping, "format"), $"The format '{format}' is not '{Format}'.");
        }

        var name = Text(root, "name");
        if (string.IsNullOrWhiteSpace(name))
        {
            throw Invalid(mapping.Start.Line, "The app has no name.");
        }

        var kindText = Text(root, "kind") ?? "workflow";
        if (!Enum.TryParse<AppKind>(kindText, ignoreCase: true, out var kind) || !Enum.IsDefined(kind))
        {
            throw Invalid(Line(mapping, "kind"), $"The kind '{kindText}' is not workflow or chat.");
        }

        AppGraph graph;
        try
        {
            graph = root["graph"] is JsonObject g ? g.Deserialize<AppGraph>(AppGraph.JsonOptions) ?? new AppGraph() : new AppGraph();
        }
        catch (JsonException e)
        {
            throw Invalid(Line(mapping, "graph"), $"The graph is not an app graph: {e.Message}");
        }

        return new AppDocument(name.Trim(), Text(root, "slug"), Text(root, "description"), kind, graph);
    }

    /// <summary>
    /// Refuses, before anything is built from it, a file nested deeper than <see cref="MaxDepth"/>, one with an anchor or
    /// an alias (an alias repeats a whole subtree, so a few bytes can stand for billions of nodes) and one with more than
    /// <see cref="MaxEvents"/> events. The parser is iterative, so this pass uses no stack however deep the file is.
    /// </summary>
    private static void Scan(string text)
    {
        var parser = new Parser(new StringReader(text));
        var depth = 0;
        var events = 0;
        while (parser.MoveNext())
        {
            var current = parser.Current!;
            if (++events > MaxEvents)
            {
                throw Invalid(current.Start.Line, $"The file has more than {MaxEvents.ToString(CultureInfo.InvariantCulture)} elements.");
            }

            switch (current)
            {
                case AnchorAlias:
                    throw Invalid(current.Start.Line, "Aliases (*name) are not supported.");
                case NodeEvent { Anchor.IsEmpty: false }:
                    throw Invalid(current.Start.Line, "Anchors (&name) are not supported.");
            }

            switch (current)
            {
                case MappingStart or SequenceStart when ++depth > MaxDepth:
                    throw Invalid(current.Start.Line, $"The file is nested deeper than {MaxDepth.ToString(CultureInfo.InvariantCulture)} levels.");
                case MappingEnd or SequenceEnd:
                    depth--;
                    break;
            }
        }
    }

    private static ValidationException Invalid(long line, string reason) =>
        new("document", $"The file is not a valid app (line {line}): {reason}") { MessageKey = "Apps.Error.Document", MessageArguments = [line, reason] };

    private static long Line(YamlMappingNode mapping, string key) =>
        mapping.Children.FirstOrDefault(c => c.Key is YamlScalarNode s && s.Value == key).Value?.Start.Line ?? mapping.Start.Line;

    private static string? Text(JsonObject root, string key) =>
        root[key] is JsonValue v ? (v.TryGetValue<string>(out var s) ? s : v.ToJsonString()) : null;

    private static YamlNode ToYaml(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                var mapping = new YamlMappingNode();
                foreach (var (key, value) in obj)
                {
                    if (value is not null)
                    {
                        mapping.Add(new YamlScalarNode(key), ToYaml(value));
                    }
                }

                return mapping;
            case JsonArray array:
                var sequence = new YamlSequenceNode();
                foreach (var item in array)
                {
                    sequence.Add(ToYaml(item));
                }

                return sequence;
            case null:
                return new YamlScalarNode("null") { Style = ScalarStyle.Plain };
        }

        return node.GetValueKind() switch
        {
            JsonValueKind.String => StringScalar(node.GetValue<string>()),
            JsonValueKind.True => new YamlScalarNode("true") { Style = ScalarStyle.Plain },
            JsonValueKind.False => new YamlScalarNode("false") { Style = ScalarStyle.Plain },
            JsonValueKind.Number => new YamlScalarNode(node.ToJsonString()) { Style = ScalarStyle.Plain },
            _ => new YamlScalarNode("null") { Style = ScalarStyle.Plain },
        };
    }

    private static YamlScalarNode StringScalar(string value)
    {
        if (value.Contains('\n', StringComparison.Ordinal) && !value.Contains('\r', StringComparison.Ordinal) && !value.Contains('\t', StringComparison.Ordinal) && value.TrimEnd(' ').Length == value.Length)
        {
            return new YamlScalarNode(value) { Style = ScalarStyle.Literal };
        }

        // Plain only when it reads back as this very string.
        var plain = value.Length > 0 && PlainScalar(value) is JsonValue v && v.TryGetValue<string>(out var back) && back == value
            && value.Trim() == value && value.IndexOfAny([':', '#', '{', '}', '[', ']', ',', '&', '*', '!', '|', '>', '\'', '"', '%', '@', '`', '\n', '\r', '\t']) < 0 && !value.StartsWith('-') && !value.StartsWith('?');
        return new YamlScalarNode(value) { Style = plain ? ScalarStyle.Plain : ScalarStyle.DoubleQuoted };
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode m => new JsonObject(m.Children.Select(c => KeyValuePair.Create(((c.Key as YamlScalarNode)?.Value) ?? throw Invalid(c.Key.Start.Line, "A key is not a plain text."), ToJson(c.Value)))),
        YamlSequenceNode s => new JsonArray([.. s.Children.Select(ToJson)]),
        YamlScalarNode { Style: ScalarStyle.Plain } p => PlainScalar(p.Value ?? string.Empty),
        YamlScalarNode q => JsonValue.Create(q.Value ?? string.Empty),
        _ => throw Invalid(node.Start.Line, "Aliases are not supported."),
    };

    /// <summary>A plain scalar as YAML 1.2's core schema reads it: null, booleans and numbers; anything else a string.</summary>
    private static JsonNode? PlainScalar(string value)
    {
        switch (value)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }

        if (System.Text.RegularExpressions.Regex.IsMatch(value, @"^-?(0|[1-9][0-9]*)$") && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (System.Text.RegularExpressions.Regex.IsMatch(value, @"^-?(0|[1-9][0-9]*)(\.[0-9]+)?([eE][-+]?[0-9]+)?$") && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return JsonNode.Parse(value);
        }

        return JsonValue.Create(value);
    }
}
