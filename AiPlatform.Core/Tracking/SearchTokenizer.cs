using System.Globalization;
using System.Text;

namespace AiPlatform.Core.Tracking;

internal enum SearchTokenKind
{
    Word,
    Number,
    String,
    Quoted,
    Operator,
    Punctuation,
    End,
}

internal readonly record struct SearchToken(SearchTokenKind Kind, string Text, int Position)
{
    public bool IsWord(string word) => Kind == SearchTokenKind.Word && Text.Equals(word, StringComparison.OrdinalIgnoreCase);
}

/// <summary>Splits a search expression into words, numbers, strings, operators and punctuation.</summary>
internal sealed class SearchTokenizer(string text)
{
    private int _position;
    private SearchToken? _peeked;

    public string Text => text;

    public SearchToken Peek() => _peeked ??= Read();

    public SearchToken Next()
    {
        var token = Peek();
        _peeked = null;
        return token;
    }

    private SearchToken Read()
    {
        while (_position < text.Length && char.IsWhiteSpace(text[_position]))
        {
            _position++;
        }

        if (_position >= text.Length)
        {
            return new SearchToken(SearchTokenKind.End, "end of text", _position);
        }

        var start = _position;
        var c = text[_position];
        if (c is '\'' or '"' or '`')
        {
            return ReadQuoted(c, start);
        }

        if (c is '(' or ')' or ',')
        {
            _position++;
            return new SearchToken(SearchTokenKind.Punctuation, c.ToString(), start);
        }

        if (c is '=' or '!' or '<' or '>')
        {
            _position++;
            if (_position < text.Length && text[_position] == '=')
            {
                _position++;
            }

            var op = text[start.._position];
            return op == "!" ? throw SearchFilter.Error(text, start, "'!' must be followed by '='") : new SearchToken(SearchTokenKind.Operator, op, start);
        }

        if (char.IsDigit(c) || ((c is '-' or '+' or '.') && _position + 1 < text.Length && (char.IsDigit(text[_position + 1]) || text[_position + 1] == '.')))
        {
            _position++;
            while (_position < text.Length && (char.IsAsciiDigit(text[_position]) || text[_position] is '.' or 'e' or 'E' || (text[_position] is '-' or '+' && text[_position - 1] is 'e' or 'E')))
            {
                _position++;
            }

            var number = text[start.._position];
            return double.TryParse(number, NumberStyles.Float, CultureInfo.InvariantCulture, out _)
                ? new SearchToken(SearchTokenKind.Number, number, start)
                : throw SearchFilter.Error(text, start, $"'{number}' is not a number");
        }

        if (char.IsLetter(c) || c == '_')
        {
            // Identifiers run over dots (tags.mlflow.runName) and stop after a trailing dot before a quote.
            while (_position < text.Length && (char.IsLetterOrDigit(text[_position]) || text[_position] is '_' or '.' or '-' or '/' or ':'))
            {
                _position++;
            }

            return new SearchToken(SearchTokenKind.Word, text[start.._position], start);
        }

        throw SearchFilter.Error(text, start, $"unexpected character '{c}'");
    }

    private SearchToken ReadQuoted(char quote, int start)
    {
        var builder = new StringBuilder();
        _position++;
        while (_position < text.Length)
        {
            var c = text[_position++];
            if (c == quote)
            {
                if (_position < text.Length && text[_position] == quote)
                {
                    builder.Append(quote);
                    _position++;
                    continue;
                }

                return new SearchToken(quote == '`' ? SearchTokenKind.Quoted : SearchTokenKind.String, builder.ToString(), start);
            }

            if (c == '\\' && _position < text.Length)
            {
                c = text[_position++];
            }

            builder.Append(c);
        }

        throw SearchFilter.Error(text, start, $"the quote {quote} is not closed");
    }
}
