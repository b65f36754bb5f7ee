using Ganss.Xss;
using Markdig;

namespace AiPlatform.Web.Security;

/// <summary>
/// The platform's one HTML sanitizer: every Markdown or HTML text written by a user (or an LLM) is rendered through it.
/// Markdown becomes HTML with raw HTML off, then a real sanitizer keeps only harmless tags and attributes (no
/// <c>on*</c> handlers, no <c>style</c> that can load anything) and only http, https, mailto and relative URLs in every
/// URL-bearing attribute, so autolinks, reference links and entity-encoded schemes cannot smuggle <c>javascript:</c> or
/// <c>data:</c> through.
/// </summary>
public sealed class SafeHtml
{
    private static readonly MarkdownPipeline Pipeline = new MarkdownPipelineBuilder().UsePipeTables().UseEmphasisExtras().UseTaskLists().UseAutoLinks().DisableHtml().Build();

    private readonly HtmlSanitizer _sanitizer;

    public SafeHtml()
    {
        _sanitizer = new HtmlSanitizer();
        _sanitizer.AllowedSchemes.Clear();
        _sanitizer.AllowedSchemes.UnionWith(["http", "https", "mailto"]);
        _sanitizer.AllowedAttributes.Add("class");
        _sanitizer.AllowedAtRules.Clear();
        _sanitizer.AllowedTags.ExceptWith(["form", "button", "select", "option", "textarea", "style", "link", "meta", "base", "iframe", "object", "embed", "svg", "math"]);

        // Task-list check boxes are the only inputs Markdown produces; they are kept, disabled.
        _sanitizer.AllowedTags.Add("input");
        _sanitizer.AllowedAttributes.UnionWith(["type", "checked", "disabled"]);
        _sanitizer.PostProcessNode += (_, e) =>
        {
            if (e.Node is AngleSharp.Dom.IElement { TagName: "INPUT" } input)
            {
                if (!string.Equals(input.GetAttribute("type"), "checkbox", StringComparison.OrdinalIgnoreCase))
                {
                    input.Remove();
                    return;
                }

                input.SetAttribute("disabled", "disabled");
            }
            else if (e.Node is AngleSharp.Dom.IElement { TagName: "A" } link && link.HasAttribute("href"))
            {
                link.SetAttribute("rel", "noopener noreferrer nofollow");
            }
        };
    }

    /// <summary>Markdown as sanitized HTML.</summary>
    public string Markdown(string? markdown) => Sanitize(Markdig.Markdown.ToHtml(markdown ?? string.Empty, Pipeline));

    /// <summary>HTML with everything that can run script, load from a dangerous scheme or restyle the page removed.</summary>
    public string Sanitize(string? html) => string.IsNullOrEmpty(html) ? string.Empty : _sanitizer.Sanitize(html);
}
