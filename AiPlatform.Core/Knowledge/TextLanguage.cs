namespace AiPlatform.Core.Knowledge;

/// <summary>
/// The language of a text by its script, which is all retrieval needs to know whether an embedding model understands
/// it: Han → <c>zh</c>, kana → <c>ja</c>, Hangul → <c>ko</c>, Latin letters → <c>en</c> (English and the other
/// Latin-script languages), any other script → <c>other</c>. A CJK character counts as much as two Latin letters, so
/// <c>OA系统登录失败</c> is Chinese and a Chinese sentence quoting one English word stays Chinese.
/// </summary>
public static class TextLanguage
{
    public const string English = "en";
    public const string Chinese = "zh";
    public const string Japanese = "ja";
    public const string Korean = "ko";
    public const string Other = "other";

    /// <summary>Every code <see cref="Detect"/> gives, in the order the UI lists them.</summary>
    public static readonly IReadOnlyList<string> All = [English, Chinese, Japanese, Korean, Other];

    /// <summary>The dominant language of <paramref name="text"/>, or null when it has no letters at all.</summary>
    public static string? Detect(string? text)
    {
        if (string.IsNullOrEmpty(text))
        {
            return null;
        }

        int han = 0, kana = 0, hangul = 0, latin = 0, other = 0;
        foreach (var ch in text)
        {
            switch (ch)
            {
                case >= '\u4e00' and <= '\u9fff' or >= '\u3400' and <= '\u4dbf' or >= '\uf900' and <= '\ufaff':
                    han++;
                    break;
                case >= '\u3040' and <= '\u30ff' or >= '\u31f0' and <= '\u31ff' or >= '\uff66' and <= '\uff9f':
                    kana++;
                    break;
                case >= '\uac00' and <= '\ud7af' or >= '\u1100' and <= '\u11ff' or >= '\u3130' and <= '\u318f':
                    hangul++;
                    break;
                case >= 'a' and <= 'z' or >= 'A' and <= 'Z' or >= '\u00c0' and <= '\u024f' or >= '\uff21' and <= '\uff3a' or >= '\uff41' and <= '\uff5a':
                    latin++;
                    break;
                default:
                    if (char.IsLetter(ch))
                    {
                        other++;
                    }

                    break;
            }
        }

        // Japanese mixes kanji with kana; a text with a fair share of kana is Japanese, whatever its kanji.
        var cjk = han + kana;
        var scores = new (string Language, int Weight)[]
        {
            (kana * 5 >= cjk && kana > 0 ? Japanese : Chinese, cjk * 2),
            (Korean, hangul * 2),
            (English, latin),
            (Other, other),
        };
        var best = scores.MaxBy(s => s.Weight);
        return best.Weight == 0 ? null : best.Language;
    }

    /// <summary>Whether <paramref name="code"/> is one of <see cref="All"/>.</summary>
    public static bool IsKnown(string? code) => code is not null && All.Contains(code, StringComparer.Ordinal);
}
