using AiPlatform.Core.Common;

namespace AiPlatform.Core.Data;

/// <summary>
/// The query of a PostgreSQL import is placed inside <c>COPY (…) TO STDOUT</c>, which runs over the simple query
/// protocol: a <c>;</c> or an unbalanced <c>)</c> in it would end the COPY and run statements of the user's choosing
/// (outside the READ ONLY transaction) with the source's stored credentials. So the text must be one query, by a
/// lexer that knows PostgreSQL's strings, quoted names, dollar quotes and comments: no top-level <c>;</c> (a trailing
/// one is dropped), parentheses balanced, and it starts with SELECT, WITH, VALUES or TABLE. The connector also has
/// PostgreSQL parse it alone before the COPY.
/// </summary>
public static class SourceQuery
{
    private static readonly string[] Starts = ["SELECT", "WITH", "VALUES", "TABLE"];

    /// <summary>The query without trailing semicolons, or a validation error on the field <c>query</c>.</summary>
    public static string Check(string query)
    {
        var text = query.Trim();
        while (text.EndsWith(';'))
        {
            text = text[..^1].TrimEnd();
        }

        var depth = 0;
        var firstWord = (string?)null;
        for (var i = 0; i < text.Length;)
        {
            var c = text[i];
            if (char.IsWhiteSpace(c))
            {
                i++;
            }
            else if (c == '-' && At(text, i, "--"))
            {
                var newline = text.IndexOf('\n', i);
                i = newline < 0 ? text.Length : newline + 1;
            }
            else if (c == '/' && At(text, i, "/*"))
            {
                i = SkipBlockComment(text, i);
            }
            else if (c == '\'')
            {
                // E'…' strings take backslash escapes; others double the quote. Treating a backslash as an escape in a
                // standard string could only end it later, which the server would then see as a syntax error.
                var escapes = i > 0 && text[i - 1] is 'E' or 'e' && (i == 1 || !IsWordChar(text[i - 2]));
                i = SkipQuoted(text, i, '\'', escapes);
            }
            else if (c == '"')
            {
                i = SkipQuoted(text, i, '"', false);
            }
            else if (c == '$' && DollarTag(text, i) is { } tag)
            {
                var end = text.IndexOf(tag, i + tag.Length, StringComparison.Ordinal);
                i = end < 0 ? throw Refused("A dollar-quoted string is not closed.", "Error.Data.Query.DollarQuote") : end + tag.Length;
            }
            else if (c == ';')
            {
                throw Refused("Give one query: a semicolon may only end it.", "Error.Data.Query.OneQuery");
            }
            else if (c == '(')
            {
                depth++;
                i++;
            }
            else if (c == ')')
            {
                if (--depth < 0)
                {
                    throw Refused("The query closes a parenthesis it did not open.", "Error.Data.Query.ExtraParenthesis");
                }

                i++;
            }
            else if (IsWordChar(c))
            {
                var start = i;
                while (i < text.Length && (IsWordChar(text[i]) || text[i] == '$'))
                {
                    i++;
                }

                firstWord ??= text[start..i];
            }
            else
            {
                firstWord ??= c.ToString();
                i++;
            }
        }

        if (depth != 0)
        {
            throw Refused("The query leaves a parenthesis open.", "Error.Data.Query.OpenParenthesis");
        }

        if (firstWord is null || !Starts.Contains(firstWord, StringComparer.OrdinalIgnoreCase))
        {
            throw Refused("The query is one SELECT (or WITH, VALUES, TABLE).", "Error.Data.Query.SelectOnly");
        }

        return text;
    }

    private static ValidationException Refused(string message, string messageKey) => new("query", message) { MessageKey = messageKey };

    private static bool At(string text, int i, string what) => string.CompareOrdinal(text, i, what, 0, what.Length) == 0;

    private static bool IsWordChar(char c) => char.IsLetterOrDigit(c) || c == '_';

    private static int SkipBlockComment(string text, int i)
    {
        var depth = 0;
        while (i < text.Length)
        {
            if (At(text, i, "/*"))
            {
                depth++;
                i += 2;
            }
            else if (At(text, i, "*/"))
            {
                i += 2;
                if (--depth == 0)
                {
                    return i;
                }
            }
            else
            {
                i++;
            }
        }

        throw Refused("A comment is not closed.", "Error.Data.Query.OpenComment");
    }

    private static int SkipQuoted(string text, int i, char quote, bool backslashEscapes)
    {
        i++;
        while (i < text.Length)
        {
            if (backslashEscapes && text[i] == '\\')
            {
                i += 2;
            }
            else if (text[i] == quote)
            {
                if (i + 1 < text.Length && text[i + 1] == quote)
                {
                    i += 2;
                }
                else
                {
                    return i + 1;
                }
            }
            else
            {
                i++;
            }
        }

        throw Refused("A quoted string or name is not closed.", "Error.Data.Query.OpenQuote");
    }

    /// <summary>The <c>$tag$</c> opening a dollar-quoted string at <paramref name="i"/>, or null (a parameter like <c>$1</c>, or part of a name).</summary>
    private static string? DollarTag(string text, int i)
    {
        if (i > 0 && (IsWordChar(text[i - 1]) || text[i - 1] == '$'))
        {
            return null;
        }

        var j = i + 1;
        if (j < text.Length && char.IsDigit(text[j]))
        {
            return null;
        }

        while (j < text.Length && IsWordChar(text[j]))
        {
            j++;
        }

        return j < text.Length && text[j] == '$' ? text[i..(j + 1)] : null;
    }
}
