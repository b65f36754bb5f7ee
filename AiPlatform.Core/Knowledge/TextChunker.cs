namespace AiPlatform.Core.Knowledge;

/// <summary>A titled stretch of a document as the extractor found it.</summary>
public sealed record DocumentSection(string? Heading, string Text);

public sealed record TextChunk(string? Heading, string Text);

/// <summary>
/// Splits sections into chunks of at most <c>size</c> characters overlapping by <c>overlap</c>, cutting at a paragraph,
/// a sentence end or a space where one lies in the second half of the window. By headings: every section is chunked on
/// its own and its chunks carry its heading; otherwise the document is one stream.
/// </summary>
public static class TextChunker
{
    public static IReadOnlyList<TextChunk> Chunk(IReadOnlyList<DocumentSection> sections, int size, int overlap, bool byHeadings)
    {
        if (size < 50)
        {
            throw new ArgumentOutOfRangeException(nameof(size), "A chunk has at least 50 characters.");
        }

        overlap = Math.Clamp(overlap, 0, size / 2);
        var parts = byHeadings
            ? sections
            : [new DocumentSection(null, string.Join("\n\n", sections.Select(s => s.Heading is null ? s.Text : $"{s.Heading}\n{s.Text}")))];
        var chunks = new List<TextChunk>();
        foreach (var section in parts)
        {
            var text = Clean(section.Text);
            var start = 0;
            while (start < text.Length)
            {
                var end = Math.Min(text.Length, start + size);
                if (end < text.Length)
                {
                    end = Cut(text, start + (size / 2), end);
                }

                var piece = text[start..end].Trim();
                if (piece.Length > 0)
                {
                    chunks.Add(new TextChunk(section.Heading, piece));
                }

                if (end >= text.Length)
                {
                    break;
                }

                var next = end - overlap;
                if (overlap > 0)
                {
                    // Start the overlap at a word.
                    var space = text.IndexOf(' ', next);
                    next = space >= 0 && space < end ? space + 1 : next;
                }

                start = Math.Max(next, start + 1);
            }
        }

        return chunks;
    }

    private static int Cut(string text, int from, int end)
    {
        foreach (var mark in new[] { "\n\n", ". ", "。", "! ", "? ", "\n", " " })
        {
            var at = text.LastIndexOf(mark, end - 1, end - from, StringComparison.Ordinal);
            if (at >= from)
            {
                return at + mark.Length;
            }
        }

        return end;
    }

    private static string Clean(string text)
    {
        var lines = text.ReplaceLineEndings("\n").Split('\n').Select(l => string.Join(' ', l.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)));
        return System.Text.RegularExpressions.Regex.Replace(string.Join('\n', lines), "\n{3,}", "\n\n").Trim();
    }
}
