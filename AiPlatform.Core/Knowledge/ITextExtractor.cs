namespace AiPlatform.Core.Knowledge;

/// <summary>Reads the text of a document, keeping its headings (Infrastructure: txt, md, html, pdf, docx).</summary>
public interface ITextExtractor
{
    bool Supports(string fileName);

    Task<IReadOnlyList<DocumentSection>> ExtractAsync(Stream content, string fileName, CancellationToken ct);
}
