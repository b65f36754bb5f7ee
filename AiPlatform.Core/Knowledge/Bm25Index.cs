using System.Text;

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
        foreach (var (term, weight) in QueryTerms(query))
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

                var score = weight * idf * (tf * (K1 + 1)) / (tf + (K1 * (1 - B + (B * length / average))));
                scores[node] = scores.GetValueOrDefault(node) + score;
            }
        }

        return scores.OrderByDescending(s => s.Value).ThenBy(s => s.Key).Take(k).Select(s => (s.Key, s.Value)).ToList();
    }

    // Words that occur in nearly every English question or document and never tell documents apart.
    private static readonly HashSet<string> EnglishStopWords = new(
        [
            "a", "about", "also", "am", "an", "and", "any", "are", "as", "at", "be", "been", "being", "but", "by", "can", "could",
            "did", "do", "does", "for", "from", "had", "has", "have", "he", "her", "his", "how", "i", "if", "in", "into", "is",
            "it", "its", "me", "my", "of", "on", "or", "our", "s", "she", "should", "so", "t", "than", "that", "the", "their", "them",
            "then", "there", "these", "they", "this", "those", "to", "us", "was", "we", "were", "what", "when", "where", "which",
            "who", "whom", "why", "will", "with", "would", "you", "your",
        ],
        StringComparer.Ordinal);

    // Chinese function characters (particles, copula, conjunctions, pronoun suffixes): dropped as single characters only;
    // the bigrams they form (目的, 了解, 地址, 过期) are kept, so no meaningful word is lost.
    private static readonly HashSet<char> ChineseStopCharacters =
    [
        '的', '了', '吗', '呢', '吧', '啊', '是', '在', '和', '与', '及', '或', '也', '都', '就', '把', '被', '这', '那', '个', '们',
        '着', '过', '得', '地', '么', '呀', '我', '你', '您',
    ];

    // Chinese question words, pronouns and connectives: words of the question's form, never of a document's subject.
    private static readonly HashSet<string> ChineseStopBigrams = new(
        [
            "什么", "怎么", "么样", "怎样", "如何", "哪些", "哪个", "哪里", "为什", "我们", "你们", "他们", "这个", "那个", "一个", "一下",
            "可以", "需要", "是否", "能否", "的话", "如果", "应该", "请问", "还是", "或者", "以及", "因为", "所以", "但是", "是不",
            "不是", "有没", "没有",
        ],
        StringComparer.Ordinal);

    /// <summary>
    /// The terms of <paramref name="text"/>: NFKC-normalised (full-width <c>Ｅ１０４３／ＯＡ</c> reads as <c>e1043/oa</c>), lower-cased
    /// words of letters and digits (English stop words left out; a hyphenated word such as <c>Wi-Fi</c> also as one word,
    /// <c>wifi</c>); Han, kana and Hangul as single characters and bigrams (Chinese function characters and question
    /// words left out). Any other character — full-width punctuation included — ends a word and a run of bigrams, and a
    /// change between Latin and CJK script ends a word too (<c>OA系统</c> → <c>oa</c>, <c>系</c>, <c>统</c>, <c>系统</c>).
    /// </summary>
    public static List<string> Tokenize(string text)
    {
        var terms = new List<string>();
        var normalized = text.IsNormalized(NormalizationForm.FormKC) ? text : text.Normalize(NormalizationForm.FormKC);
        var word = new StringBuilder();
        var parts = 0;           // words joined by hyphens so far (Wi-Fi: 2)
        var joined = new StringBuilder();
        var previousCjk = '\0';

        void AddWord(string w)
        {
            if (!EnglishStopWords.Contains(w))
            {
                terms.Add(w);
                AddParts(terms, w);
            }
        }

        void EndPart()
        {
            if (word.Length > 0)
            {
                AddWord(word.ToString());
                joined.Append(word);
                parts++;
                word.Clear();
            }
        }

        void EndWord()
        {
            EndPart();
            if (parts > 1)
            {
                AddWord(joined.ToString());
            }

            parts = 0;
            joined.Clear();
        }

        for (var i = 0; i < normalized.Length; i++)
        {
            var ch = normalized[i];
            if (IsCjk(ch))
            {
                EndWord();
                if (!(IsHan(ch) && ChineseStopCharacters.Contains(ch)))
                {
                    terms.Add(ch.ToString());
                }

                if (previousCjk != '\0')
                {
                    var bigram = string.Concat(previousCjk, ch);
                    if (!ChineseStopBigrams.Contains(bigram))
                    {
                        terms.Add(bigram);
                    }
                }

                previousCjk = ch;
                continue;
            }

            previousCjk = '\0';
            if (char.IsLetterOrDigit(ch))
            {
                word.Append(char.ToLowerInvariant(ch));
            }
            else if (ch == '-' && word.Length > 0 && i + 1 < normalized.Length && char.IsLetterOrDigit(normalized[i + 1]) && !IsCjk(normalized[i + 1]))
            {
                // A hyphen inside a word: its parts are words, and so is the whole without hyphens.
                EndPart();
            }
            else
            {
                EndWord();
            }
        }

        EndWord();
        return terms;
    }

    /// <summary>
    /// A word of letters and digits also gives its runs of two or more (<c>200mb</c> → <c>200</c>, <c>mb</c>; <c>e1043</c> →
    /// <c>1043</c>), so a quantity matches its unit and a code its number.
    /// </summary>
    private static void AddParts(List<string> terms, string word)
    {
        if (!word.Any(char.IsDigit) || !word.Any(char.IsLetter))
        {
            return;
        }

        var start = 0;
        for (var i = 1; i <= word.Length; i++)
        {
            if (i == word.Length || char.IsDigit(word[i]) != char.IsDigit(word[i - 1]))
            {
                if (i - start >= 2 && !EnglishStopWords.Contains(word[start..i]))
                {
                    terms.Add(word[start..i]);
                }

                start = i;
            }
        }
    }

    /// <summary>
    /// The terms of a question with their weights: every term of <see cref="Tokenize"/> (weight 1) and, for Chinese, the
    /// pairs of characters one or two apart (weight 0.5), so a word split by a particle or a negation still matches it:
    /// <c>开不了机</c> finds <c>开机</c>, <c>洗了澡</c> finds <c>洗澡</c>.
    /// </summary>
    public static IReadOnlyList<(string Term, double Weight)> QueryTerms(string question)
    {
        var terms = Tokenize(question).Distinct(StringComparer.Ordinal).Select(t => (t, 1.0)).ToList();
        var seen = terms.Select(t => t.Item1).ToHashSet(StringComparer.Ordinal);
        var normalized = question.IsNormalized(NormalizationForm.FormKC) ? question : question.Normalize(NormalizationForm.FormKC);
        var run = new List<char>();
        void Pairs()
        {
            for (var i = 0; i < run.Count; i++)
            {
                for (var gap = 2; gap <= 3 && i + gap < run.Count; gap++)
                {
                    var (a, b) = (run[i], run[i + gap]);
                    var pair = string.Concat(a, b);
                    if (!ChineseStopCharacters.Contains(a) && !ChineseStopCharacters.Contains(b) && !ChineseStopBigrams.Contains(pair) && seen.Add(pair))
                    {
                        terms.Add((pair, 0.5));
                    }
                }
            }

            run.Clear();
        }

        foreach (var ch in normalized)
        {
            if (IsHan(ch))
            {
                run.Add(ch);
            }
            else
            {
                Pairs();
            }
        }

        Pairs();
        return terms;
    }

    private static bool IsHan(char ch) => ch is >= '\u4e00' and <= '\u9fff' or >= '\u3400' and <= '\u4dbf';

    private static bool IsCjk(char ch) =>
        ch is >= '\u4e00' and <= '\u9fff' or >= '\u3400' and <= '\u4dbf' or >= '\u3040' and <= '\u30ff' or >= '\uac00' and <= '\ud7af';
}
