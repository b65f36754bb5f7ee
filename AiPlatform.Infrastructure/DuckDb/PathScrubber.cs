using System.Text;
using AiPlatform.Core.Data;

namespace AiPlatform.Infrastructure.DuckDb;

/// <summary>
/// Keeps server paths out of console output and errors: a source file becomes its view name, its folder, the output
/// file and the data folder become a placeholder, and a text that names one of them only when line breaks and box
/// drawing are ignored (a plan's boxes wrap long paths) is hidden whole. Case is ignored: upper(...) or lower(...)
/// of a text that names a path must not slip past.
/// </summary>
internal sealed class PathScrubber
{
    private const string Hidden = "(server path)";
    private readonly List<(string Secret, string Replacement)> _replacements = [];
    private readonly List<string> _compact = [];

    public PathScrubber(IReadOnlyList<SqlSource> sources, string? dataDirectory, string? outputPath = null)
    {
        foreach (var source in sources)
        {
            Add(source.Path, source.ViewName);
        }

        if (outputPath is not null)
        {
            Add(outputPath, Hidden);
        }

        var folders = sources.Select(s => s.Path).Append(outputPath).OfType<string>().Select(Path.GetDirectoryName).Append(dataDirectory is null ? null : Path.GetFullPath(dataDirectory));
        foreach (var folder in folders.OfType<string>().Select(Path.TrimEndingDirectorySeparator).Where(f => f.Length > 1).Distinct(StringComparer.Ordinal))
        {
            Add(folder, Hidden);
        }

        foreach (var source in sources)
        {
            Add(Path.GetFileName(source.Path), source.ViewName);
        }

        _replacements.Sort((a, b) => b.Secret.Length.CompareTo(a.Secret.Length));
    }

    public string Scrub(string text)
    {
        foreach (var (secret, replacement) in _replacements)
        {
            text = text.Replace(secret, replacement, StringComparison.OrdinalIgnoreCase);
        }

        if (_compact.Count > 0 && text.Length > 0)
        {
            var compact = Compact(text);
            if (_compact.Any(secret => compact.Contains(secret, StringComparison.OrdinalIgnoreCase)))
            {
                return Hidden;
            }
        }

        return text;
    }

    private void Add(string secret, string replacement)
    {
        if (secret.Length < 2)
        {
            return;
        }

        _replacements.Add((secret, replacement));
        _compact.Add(Compact(secret));
    }

    /// <summary>The text without white space and box-drawing characters (U+2500–U+257F).</summary>
    private static string Compact(string text)
    {
        var builder = new StringBuilder(text.Length);
        foreach (var c in text)
        {
            if (!char.IsWhiteSpace(c) && c is not (>= '\u2500' and <= '\u257F'))
            {
                builder.Append(c);
            }
        }

        return builder.ToString();
    }
}
