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

    /// <summary>
    /// Markdown as sanitized HTML whose code blocks carry a header with their language and a copy button (chat answers).
    /// The button is added to the sanitizer's output, by DOM calls with text only, so the one sanitizer stays the only
    /// way user text becomes HTML; wwwroot/js/aiplatform.js copies the block's code when the button is clicked.
    /// </summary>
    public string MarkdownWithCopyButtons(string? markdown, string copyLabel, string copiedLabel)
    {
        var html = Markdown(markdown);
        if (!html.Contains("<pre", StringComparison.Ordinal))
        {
            return html;
        }

        var document = new AngleSharp.Html.Parser.HtmlParser().ParseDocument("<!DOCTYPE html><html><body></body></html>");
        document.Body!.InnerHtml = html;
        foreach (var pre in document.Body.QuerySelectorAll("pre").ToList())
        {
            var block = document.CreateElement("div");
            block.ClassName = "code-block";
            var header = document.CreateElement("div");
            header.ClassName = "code-block-header";
            var language = document.CreateElement("span");
            language.ClassName = "code-block-language";
            language.TextContent = pre.QuerySelector("code")?.ClassList.FirstOrDefault(c => c.StartsWith("language-", StringComparison.Ordinal))?["language-".Length..] ?? string.Empty;
            var button = document.CreateElement("button");
            button.ClassName = "code-copy";
            button.SetAttribute("type", "button");
            button.SetAttribute("data-copy-code", string.Empty);
            button.SetAttribute("data-copied-label", copiedLabel);
            button.SetAttribute("aria-label", copyLabel);
            button.SetAttribute("title", copyLabel);
            button.TextContent = copyLabel;
            header.AppendChild(language);
            header.AppendChild(button);
            pre.Parent!.ReplaceChild(block, pre);
            block.AppendChild(header);
            block.AppendChild(pre);
        }

        return document.Body.InnerHtml;
    }

    /// <summary>HTML with everything that can run script, load from a dangerous scheme or restyle the page removed.</summary>
    public string Sanitize(string? html) => string.IsNullOrEmpty(html) ? string.Empty : _sanitizer.Sanitize(html);
}
