using System.Text.Json.Nodes;

namespace AiPlatform.Core.Apps;

/// <summary>
/// Renders a template node's Liquid template against a model (the node's declared variables). A template that does not
/// parse is a <see cref="Common.ValidationException"/> with key <c>Apps.Error.TemplateInvalid</c>; one that renders too
/// much or runs too long, <c>Apps.Error.TemplateFailed</c>.
/// </summary>
public interface ITemplateRenderer
{
    Task<string> RenderAsync(string template, JsonObject model, CancellationToken ct);

    /// <summary>Null when the template parses; else the parser's message (for the validator and the side panel).</summary>
    string? Check(string template);
}
