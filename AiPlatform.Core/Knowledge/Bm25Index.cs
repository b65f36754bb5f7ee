using System.Globalization;

namespace AiPlatform.Core.Knowledge;

/// <summary>Okapi BM25 (k1 = 1.2, b = 0.75) over an in-memory inverted index; node numbers are shared with the vector index.</summary>
public sealed class Bm25Index
{
    private const double K1 = 1.2;
    private const double B = 0.75;
    private readonly Dictionary<string, List<(int Node, int Frequency)>> _postings = new(StringComparer.Ordinal);
    private readonly Dictionary<int, int> _lengths = [];
    private long _totalLength;

    public int Count => _lengths.Count;

    public void Add(int node, string text)
    {
        var terms = Tokenize(text);
        _lengths[node] = terms.Count;
        _totalLength += terms.Count;
        foreach (var group in terms.GroupBy(t => t, StringComparer.Ordinal))
        {
            if (!_postings.TryGetValue(group.Key, out var list))
            {
                _postings[group.Key] = list = [];
            }

            list.Add((node, group.Count()));
        }
    }

    /// <summary>Forgets a node; its postings are skipped on search and dropped from statistics.</summary>
    public void Remove(int node)
    {
        if (_lengths.Remove(node, out var length))
        {
            _totalLength -= length;
        }
    }

    public IReadOnlyList<(int Node, double Score)> Search(string query, int k)
    {
        if (_lengths.Count == 0)
        {
            return [];
        }

        var n = _lengths.Count;
        var average = Math.Max(1.0, (double)_totalLength / n);
        var scores = new Dictionary<int, double>();
        foreach (var term in Tokenize(query).Distinct(StringComparer.Ordinal))
        {
            if (!_postings.TryGetValue(term, out var list))
            {
                continue;
            }

            var df = list.Count(p => _lengths.ContainsKey(p.Node));
            if (df == 0)
            {
                continue;
            }

            var idf = Math.Log(1 + ((n - df + 0.5) / (df + 0.5)));
            foreach (var (node, tf) in list)
            {
                if (!_lengths.TryGetValue(node, out var length))
                {
                    continue;
                }

                var score = idf * (tf * (K1 + 1)) / (tf + (K1 * (1 - B + (B * length / average))));
                scores[node] = scores.GetValueOrDefault(node) + score;
            }
        }

        return scores.OrderByDescending(s => s.Value).ThenBy(s => s.Key).Take(k).Select(s => (s.Key, s.Value)).ToList();
    }

    private static readonly HashSet<string> StopWords = new(
        ["a", "an", "and", "are", "as", "at", "be", "by", "do", "does", "for", "from", "how", "i", "in", "is", "it", "of", "on", "or", "that", "the", "this", "to", "was", "what", "when", "where", "which", "who", "why", "with", "you", "your", "can", "my", "we"],
        StringComparer.Ordinal);

    /// <summary>Lower-cased words of letters and digits (English stop words left out); Han, kana and Hangul as single characters and bigrams.</summary>
    public static List<string> Tokenize(string text)
    {
        var terms = new List<string>();
        var word = new System.Text.StringBuilder();
        var previousCjk = '\0';
        void Flush()
        {
            if (word.Length > 0)
            {
                var w = word.ToString();
                if (!StopWords.Contains(w))
                {
                    terms.Add(w);
                }

                word.Clear();
            }
        }

        foreach (var ch in text)
        {
            if (IsCjk(ch))
            {
                Flush();
                terms.Add(ch.ToString());
                if (previousCjk != '\0')
                {
                    terms.Add(string.Concat(previousCjk, ch));
                }

                previousCjk = ch;
                continue;
            }

            previousCjk = '\0';
            if (char.IsLetterOrDigit(ch))
            {
                word.Append(char.ToLower(ch, CultureInfo.InvariantCulture));
            }
            else
            {
                Flush();
            }
        }

        Flush();
        return terms;
    }

    private static bool IsCjk(char ch) =>
        ch is >= '\u4e00' and <= '\u9fff' or >= '\u3400' and <= '\u4dbf' or >= '\u3040' and <= '\u30ff' or >= '\uac00' and <= '\ud7af';
}
