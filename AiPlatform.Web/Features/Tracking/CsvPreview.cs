using System.Text;

namespace AiPlatform.Web.Features.Tracking;

/// <summary>The first rows of a CSV/TSV artifact for a preview table (RFC 4180 quoting; a cut-off last line is dropped).</summary>
public sealed record CsvPreview(IReadOnlyList<string> Header, IReadOnlyList<IReadOnlyList<string>> Rows)
{
    public static CsvPreview Parse(string text, char separator, int maxRows)
    {
        var records = new List<IReadOnlyList<string>>();
        var fields = new List<string>();
        var field = new StringBuilder();
        var quoted = false;
        for (var i = 0; i < text.Length && records.Count <= maxRows; i++)
        {
            var c = text[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < text.Length && text[i + 1] == '"')
                {
                    field.Append('"');
                    i++;
                }
                else if (c == '"')
                {
                    quoted = false;
                }
                else
                {
                    field.Append(c);
                }
            }
            else if (c == '"' && field.Length == 0)
            {
                quoted = true;
            }
            else if (c == separator)
            {
                fields.Add(field.ToString());
                field.Clear();
            }
            else if (c == '\n')
            {
                fields.Add(field.ToString().TrimEnd('\r'));
                field.Clear();
                records.Add(fields);
                fields = [];
            }
            else
            {
                field.Append(c);
            }
        }

        if (records.Count == 0 && (fields.Count > 0 || field.Length > 0))
        {
            fields.Add(field.ToString());
            records.Add(fields);
        }

        return records.Count == 0 ? new CsvPreview([], []) : new CsvPreview(records[0], records.Skip(1).Take(maxRows).ToList());
    }
}
