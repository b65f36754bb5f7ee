using System.Globalization;
using AiPlatform.Core.Common;
using AiPlatform.Core.Tracking;

namespace AiPlatform.Core.Tracing;

/// <summary>What a trace comparison looks at: an attribute of the trace, a tag or a metadata entry.</summary>
public enum TraceField
{
    Status,
    Timestamp,
    ExecutionTime,
    Name,
    RunId,
    ClientRequestId,
    Tag,
    Metadata,
}

/// <summary>One comparison of <c>search_traces</c>'s filter; <see cref="Value"/> is a long for times, else a string.</summary>
public sealed record TraceClause(TraceField Field, string? Key, string Operator, object Value);

public sealed record TraceOrder(TraceField Field, bool Ascending);

/// <summary>A search over the traces of some experiments, parsed and clamped.</summary>
public sealed record TraceQuery(IReadOnlyCollection<Guid> ExperimentIds, IReadOnlyList<TraceClause> Clauses, IReadOnlyList<TraceOrder> Orders, int Offset, int Limit);

/// <summary>
/// MLflow's trace search language: <c>trace.status</c>, <c>trace.timestamp_ms</c>, <c>trace.execution_time_ms</c>,
/// <c>trace.name</c>, <c>trace.run_id</c>, <c>tags.k</c>, <c>metadata.k</c> / <c>request_metadata.k</c>, joined by AND;
/// order by <c>timestamp_ms</c>, <c>execution_time_ms</c>, <c>status</c> or <c>name</c>, ASC or DESC.
/// </summary>
public static class TraceFilter
{
    private static readonly string[] NumericOperators = ["=", "!=", ">", ">=", "<", "<="];
    private static readonly string[] StringOperators = ["=", "!=", "LIKE", "ILIKE"];

    public static IReadOnlyList<TraceClause> Parse(string? filter)
    {
        var clauses = new List<TraceClause>();
        if (string.IsNullOrWhiteSpace(filter))
        {
            return clauses;
        }

        var tokens = new SearchTokenizer(filter);
        while (true)
        {
            clauses.Add(ParseClause(filter, tokens));
            var next = tokens.Next();
            if (next.Kind == SearchTokenKind.End)
            {
                return clauses;
            }

            if (!next.IsWord("AND"))
            {
                throw Error(filter, next.Position, $"expected AND between comparisons, found '{next.Text}' (OR is not supported)");
            }
        }
    }

    public static IReadOnlyList<TraceOrder> ParseOrderBy(IEnumerable<string>? orderBy)
    {
        var orders = new List<TraceOrder>();
        foreach (var text in orderBy ?? [])
        {
            var parts = text.Trim().Split(' ', StringSplitOptions.RemoveEmptyEntries);
            if (parts.Length is 0 or > 2)
            {
                throw new ValidationException("order_by", $"Invalid order_by clause '{text}'.");
            }

            var ascending = parts.Length == 1 || parts[1].ToUpperInvariant() switch
            {
                "ASC" => true,
                "DESC" => false,
                _ => throw new ValidationException("order_by", $"Invalid ordering '{parts[1]}' in '{text}': use ASC or DESC."),
            };
            var field = Attribute(StripPrefix(parts[0].Trim('`')))
                ?? throw new ValidationException("order_by", $"Invalid order_by key '{parts[0]}': use timestamp_ms, execution_time_ms, status or name.");
            orders.Add(new TraceOrder(field, ascending));
        }

        return orders;
    }

    private static TraceClause ParseClause(string filter, SearchTokenizer tokens)
    {
        var identifier = tokens.Next();
        if (identifier.Kind != SearchTokenKind.Word)
        {
            throw Error(filter, identifier.Position, $"expected a key such as trace.status or tags.name, found '{identifier.Text}'");
        }

        var text = identifier.Text;
        string? key = null;
        TraceField field;
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        var prefix = dot < 0 ? string.Empty : text[..dot].ToLowerInvariant();
        if (prefix is "tag" or "tags" or "metadata" or "request_metadata")
        {
            field = prefix is "tag" or "tags" ? TraceField.Tag : TraceField.Metadata;
            key = text[(dot + 1)..];
            if (key.Length == 0 && tokens.Peek().Kind == SearchTokenKind.Quoted)
            {
                key = tokens.Next().Text;
            }
            else if (key.EndsWith('.') || key.Length == 0)
            {
                throw Error(filter, identifier.Position, $"'{text}' names no key");
            }
        }
        else
        {
            field = Attribute(StripPrefix(text)) ?? throw Error(filter, identifier.Position,
                $"invalid attribute '{text}': use trace.status, trace.timestamp_ms, trace.execution_time_ms, trace.name, trace.run_id, tags.<key> or metadata.<key>");
        }

        var op = tokens.Next();
        var opText = op.Kind == SearchTokenKind.Operator || op.IsWord("LIKE") || op.IsWord("ILIKE") ? op.Text.ToUpperInvariant() : throw Error(filter, op.Position, $"expected a comparison operator, found '{op.Text}'");
        var value = tokens.Next();
        if (field is TraceField.Timestamp or TraceField.ExecutionTime)
        {
            if (!NumericOperators.Contains(opText) || value.Kind != SearchTokenKind.Number || !long.TryParse(value.Text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var number))
            {
                throw Error(filter, value.Position, $"'{text}' compares with =, !=, <, <=, >, >= and a whole number of milliseconds");
            }

            return new TraceClause(field, null, opText, number);
        }

        if (!StringOperators.Contains(opText) || value.Kind != SearchTokenKind.String)
        {
            throw Error(filter, value.Position, $"'{text}' compares with =, !=, LIKE or ILIKE and a quoted string");
        }

        if (field == TraceField.Status)
        {
            if (!Enum.TryParse<TraceState>(value.Text.Replace("_", string.Empty, StringComparison.Ordinal), true, out var state) || !Enum.IsDefined(state))
            {
                throw Error(filter, value.Position, $"'{value.Text}' is not a trace status: use OK, ERROR or IN_PROGRESS");
            }

            return opText is "=" or "!=" ? new TraceClause(field, null, opText, state.ToString()) : throw Error(filter, op.Position, "trace.status compares with = or !=");
        }

        return new TraceClause(field, key, opText, value.Text);
    }

    private static string StripPrefix(string text)
    {
        var dot = text.IndexOf('.', StringComparison.Ordinal);
        return dot >= 0 && text[..dot].ToLowerInvariant() is "trace" or "attribute" or "attributes" ? text[(dot + 1)..] : text;
    }

    private static TraceField? Attribute(string name) => name.ToLowerInvariant() switch
    {
        "status" or "state" => TraceField.Status,
        "timestamp_ms" or "timestamp" or "request_time" => TraceField.Timestamp,
        "execution_time_ms" or "execution_time" or "execution_duration" => TraceField.ExecutionTime,
        "name" => TraceField.Name,
        "run_id" => TraceField.RunId,
        "client_request_id" => TraceField.ClientRequestId,
        _ => null,
    };

    private static ValidationException Error(string text, int position, string message) =>
        new("filter", $"Invalid filter '{text}' at position {position}: {message}.");
}
