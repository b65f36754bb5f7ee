using System.Text.Json.Nodes;

namespace AiPlatform.Core.Apps;

/// <summary>
/// What the canvas and the validator know of a node type: its palette group, ports, settings (rendered as the side
/// panel's form) and the fields it outputs. Dynamic ports and outputs (switch cases, classifier classes, the start
/// node's input schema, extractor parameters) come from <see cref="AppNodeCatalog"/> for a given node.
/// </summary>
public sealed record AppNodeDescriptor(
    string Type,
    string Group,
    bool HasInput,
    IReadOnlyList<string> OutputPorts,
    IReadOnlyList<NodeSetting> Settings,
    IReadOnlyList<NodeOutput> Outputs);

/// <summary>One setting of a node type. <see cref="Name"/> is the key in <see cref="AppNode.Config"/>; the label is the resource <c>Apps.Setting.{Type}.{Name}</c>.</summary>
public sealed record NodeSetting(string Name, NodeSettingKind Kind, bool Required = false, JsonNode? Default = null, IReadOnlyList<string>? Options = null, AppValueType? VariableType = null);

/// <summary>One output field of a node (<c>{{nodeId.Name}}</c>).</summary>
public sealed record NodeOutput(string Name, AppValueType Type);

/// <summary>How the side panel edits a setting.</summary>
public enum NodeSettingKind
{
    /// <summary>One line of text.</summary>
    Text,

    /// <summary>Multi-line text with <c>{{variable}}</c> insertion (prompts, bodies).</summary>
    Template,
    Number,
    Integer,
    Boolean,

    /// <summary>One of <see cref="NodeSetting.Options"/>.</summary>
    Select,

    /// <summary>A variable reference (<c>{{node.field}}</c>) whose type must match <see cref="NodeSetting.VariableType"/>.</summary>
    Variable,

    /// <summary>A list of variable references.</summary>
    VariableList,

    /// <summary>A platform LLM (gateway model name).</summary>
    LlmModel,

    /// <summary>Knowledge base ids.</summary>
    KnowledgeBases,

    /// <summary>A serving endpoint name.</summary>
    Endpoint,

    /// <summary>Dataset ids (SQL node).</summary>
    Datasets,

    /// <summary>Another app's slug (sub-app node).</summary>
    App,

    /// <summary>JavaScript source (code node).</summary>
    Code,

    /// <summary>Any JSON (a JSON schema, a default value, headers).</summary>
    Json,

    /// <summary>The start node's input fields: array of {name, type, required, label, options}.</summary>
    InputSchema,

    /// <summary>The end node's outputs: array of {name, value} where value is a template.</summary>
    OutputMap,

    /// <summary>If/else conditions or switch cases: array of {variable, operator, value}.</summary>
    Conditions,

    /// <summary>Classifier classes: array of {name, description}.</summary>
    Classes,

    /// <summary>Extractor parameters: array of {name, type, description, required}.</summary>
    Parameters,

    /// <summary>The body of an iteration or a loop: a nested graph {nodes, edges}.</summary>
    SubGraph,
}
