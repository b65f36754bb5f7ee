using System.Text;
using AiPlatform.Core.Knowledge;
using AngleSharp.Dom;
using AngleSharp.Html.Parser;
using DocumentFormat.OpenXml.Packaging;
using DocumentFormat.OpenXml.Wordprocessing;
using UglyToad.PdfPig;
using UglyToad.PdfPig.DocumentLayoutAnalysis.TextExtractor;

namespace AiPlatform.Infrastructure.Knowledge;

/// <summary>Text and headings from txt, md, html, pdf (PdfPig; a page is a section) and docx (Open XML; Heading styles).</summary>
public sealed class DocumentTextExtractor : ITextExtractor
{
    /// <summary>The most characters one part of a Word document may have when it is read.</summary>
    public const long MaxCharactersInPart = 10_000_000;

    private static readonly string[] Extensions = [".txt", ".text", ".md", ".markdown", ".html", ".htm", ".pdf", ".docx"];

    public bool Supports(string fileName) => Extensions.Contains(Path.GetExtension(fileName).ToLowerInvariant());

    public async Task<IReadOnlyList<DocumentSection>> ExtractAsync(Stream content, string fileName, CancellationToken ct)
    {
        using var buffer = new MemoryStream();
        await content.CopyToAsync(buffer, ct);
        buffer.Position = 0;
        return Path.GetExtension(fileName).ToLowerInvariant() switch
        {
            ".md" or ".markdown" => Markdown(ReadText(buffer)),
            ".html" or ".htm" => Html(ReadText(buffer)),
            ".pdf" => Pdf(buffer),
            ".docx" => Docx(buffer),
            _ => [new DocumentSection(null, ReadText(buffer))],
        };
    }

    private static string ReadText(Stream stream)
    {
        using var reader = new StreamReader(stream, new UTF8Encoding(false, throwOnInvalidBytes: true), detectEncodingFromByteOrderMarks: true);
        try
        {
            var text = reader.ReadToEnd();
            return text.Contains('\0') ? throw new DocumentUnreadableException("The file is binary, not text.", "Error.Document.Binary") : text;
        }
        catch (DecoderFallbackException)
        {
            throw new DocumentUnreadableException("The file is not UTF-8 text.", "Error.Document.NotUtf8");
        }
    }

    /// <summary>ATX headings (outside code fences) start sections; the heading is the path of enclosing headings.</summary>
    internal static IReadOnlyList<DocumentSection> Markdown(string text)
    {
        var sections = new List<DocumentSection>();
        var path = new List<(int Level, string Title)>();
        var body = new StringBuilder();
        var fenced = false;
        void Flush()
        {
            if (body.ToString().Trim().Length > 0)
            {
                sections.Add(new DocumentSection(path.Count == 0 ? null : string.Join(" > ", path.Select(p => p.Title)), body.ToString()));
            }

            body.Clear();
        }

        foreach (var line in text.ReplaceLineEndings("\n").Split('\n'))
        {
            if (line.TrimStart().StartsWith("```", StringComparison.Ordinal) || line.TrimStart().StartsWith("~~~", StringComparison.Ordinal))
            {
                fenced = !fenced;
            }

            var level = fenced ? 0 : line.TakeWhile(c => c == '#').Count();
            if (level is >= 1 and <= 6 && line.Length > level && line[level] == ' ')
            {
                Flush();
                path.RemoveAll(p => p.Level >= level);
                path.Add((level, line[level..].Trim().TrimEnd('#').Trim()));
                continue;
            }

            body.AppendLine(line);
        }

        Flush();
        return sections;
    }

    internal static IReadOnlyList<DocumentSection> Html(string html)
    {
        var document = new HtmlParser().ParseDocument(html);
        foreach (var element in document.QuerySelectorAll("script, style, noscript, template, nav, svg").ToList())
        {
            element.Remove();
        }

        var root = document.Body ?? document.DocumentElement;
        var sections = new List<DocumentSection>();
        var path = new List<(int Level, string Title)>();
        var body = new StringBuilder();
        void Flush()
        {
            if (body.ToString().Trim().Length > 0)
            {
                sections.Add(new DocumentSection(path.Count == 0 ? null : string.Join(" > ", path.Select(p => p.Title)), body.ToString()));
            }

            body.Clear();
        }

        var blocks = root.QuerySelectorAll("h1, h2, h3, h4, h5, h6, p, li, pre, blockquote, td, th, dt, dd, figcaption, caption");
        foreach (var block in blocks)
        {
            if (block.LocalName is ['h', var digit] && char.IsDigit(digit))
            {
                Flush();
                var level = digit - '0';
                path.RemoveAll(p => p.Level >= level);
                path.Add((level, Normalize(block.TextContent)));
                continue;
            }

            // Nested blocks (a p inside an li) are read once, from the innermost.
            if (block.QuerySelector("p, li, pre, blockquote, td, th, dt, dd") is not null)
            {
                continue;
            }

            body.AppendLine(block.LocalName == "pre" ? block.TextContent : Normalize(block.TextContent)).AppendLine();
        }

        Flush();
        if (sections.Count == 0 && Normalize(root.TextContent) is { Length: > 0 } all)
        {
            sections.Add(new DocumentSection(document.Title is { Length: > 0 } t ? t : null, all));
        }

        return sections;
    }

    private static IReadOnlyList<DocumentSection> Pdf(Stream content)
    {
        try
        {
            using var pdf = PdfDocument.Open(content);
            var sections = new List<DocumentSection>();
            foreach (var page in pdf.GetPages())
            {
                var text = ContentOrderTextExtractor.GetText(page);
                if (!string.IsNullOrWhiteSpace(text))
                {
                    sections.Add(new DocumentSection($"Page {page.Number}", text));
                }
            }

            return sections;
        }
        catch (UglyToad.PdfPig.Exceptions.PdfDocumentEncryptedException)
        {
            throw new DocumentUnreadableException("The PDF is password-protected; upload it without a password.", "Error.Document.PdfPassword");
        }
        catch (Exception e) when (e is not DocumentUnreadableException and not OutOfMemoryException)
        {
            throw new DocumentUnreadableException($"The PDF cannot be read: {e.Message}", "Error.Document.PdfUnreadable", e.Message);
        }
    }

    private static IReadOnlyList<DocumentSection> Docx(Stream stream)
    {
        try
        {
            // A part (document.xml, styles) of more than 10 M characters is refused while it is read: a small .docx can
            // be a zip of hundreds of megabytes of XML, which would otherwise be loaded whole.
            using var word = WordprocessingDocument.Open(stream, false, new OpenSettings { MaxCharactersInPart = MaxCharactersInPart });
            var body = word.MainDocumentPart?.Document?.Body ?? throw new DocumentUnreadableException("The Word document has no body.", "Error.Document.WordNoBody");
            var styles = word.MainDocumentPart!.StyleDefinitionsPart?.Styles?.Elements<Style>()
                .Where(s => s.StyleId?.Value is not null)
                .ToDictionary(s => s.StyleId!.Value!, s => s.StyleName?.Val?.Value ?? s.StyleId!.Value!) ?? [];
            var sections = new List<DocumentSection>();
            var path = new List<(int Level, string Title)>();
            var text = new StringBuilder();
            void Flush()
            {
                if (text.ToString().Trim().Length > 0)
                {
                    sections.Add(new DocumentSection(path.Count == 0 ? null : string.Join(" > ", path.Select(p => p.Title)), text.ToString()));
                }

                text.Clear();
            }

            foreach (var paragraph in body.Descendants<Paragraph>())
            {
                var content = paragraph.InnerText.Trim();
                if (content.Length == 0)
                {
                    continue;
                }

                var styleId = paragraph.ParagraphProperties?.ParagraphStyleId?.Val?.Value;
                var styleName = styleId is null ? string.Empty : styles.GetValueOrDefault(styleId, styleId);
                var level = HeadingLevel(styleId) ?? HeadingLevel(styleName);
                if (level is { } l)
                {
                    Flush();
                    path.RemoveAll(p => p.Level >= l);
                    path.Add((l, content));
                }
                else
                {
                    text.AppendLine(content).AppendLine();
                }
            }

            Flush();
            return sections;
        }
        catch (Exception e) when (e is OpenXmlPackageException or FileFormatException or InvalidDataException or System.Xml.XmlException)
        {
            throw new DocumentUnreadableException($"The file is not a readable Word (.docx) document (it may be password-protected): {e.Message}", "Error.Document.WordUnreadable", e.Message);
        }
    }

    private static int? HeadingLevel(string? style)
    {
        if (style is null)
        {
            return null;
        }

        var s = style.Replace(" ", string.Empty, StringComparison.Ordinal).ToLowerInvariant();
        if (s == "title")
        {
            return 1;
        }

        return s.StartsWith("heading", StringComparison.Ordinal) && int.TryParse(s["heading".Length..], out var level) && level is >= 1 and <= 9 ? level : null;
    }

    private static string Normalize(string text) => string.Join(' ', text.Split((char[]?)null, StringSplitOptions.RemoveEmptyEntries));
}
