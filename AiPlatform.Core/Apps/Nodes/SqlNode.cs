using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using AiPlatform.Core.Common;
using AiPlatform.Core.Data;

namespace AiPlatform.Core.Apps.Nodes;

/// <summary>
/// The SQL node: one read-only query under the SQL console's sandbox (<see cref="SqlConsoleService"/>), over the listed
/// datasets only (by name, latest version; each must be readable by the user the app runs as). The SQL is never a
/// template (a <c>{{reference}}</c> in it is refused): values come in through <c>parameters</c> ({name, value template}), written <c>$name</c> in the SQL and
/// bound as values of a prepared statement, so a value cannot change the query. At most <see cref="MaxRows"/> rows.
/// Outputs <c>rows</c> (objects, numbers and booleans typed by their column), <c>columns</c> (names), <c>rowCount</c>,
/// <c>truncated</c> (more rows than the cap).
/// </summary>
public sealed partial class SqlNode(SqlConsoleService console) : IAppNodeExecutor
{
    public const int MaxRows = 1000;

    public string Type => AppNodeTypes.Sql;

    public async Task<NodeOutcome> ExecuteAsync(NodeRunContext context, CancellationToken ct)
    {
        var node = context.Node;
        var datasets = ServiceNodeConfig.Ids(node, "datasets");
        var sql = ServiceNodeConfig.RequiredText(node, "sql");
        if (AppVariables.FindReferences(sql) is [var reference, ..])
        {
            // Text spliced into SQL could change the query: values go in as bound parameters only.
            throw new ValidationException("sql", $"Node '{node.Id}': the SQL uses {reference}; give it as a parameter ($name) instead, so that its value cannot change the query.")
            {
                MessageKey = "Apps.Error.SqlTemplate",
                MessageArguments = [node.Id, reference.ToString()],
            };
        }

        var parameters = new Dictionary<string, object?>(StringComparer.Ordinal);
        var shown = new JsonObject();
        foreach (var parameter in ServiceNodeConfig.Objects(node, "parameters"))
        {
            var name = parameter["name"] is JsonValue n && n.GetValueKind() == JsonValueKind.String ? n.GetValue<string>().Trim().TrimStart('$') : string.Empty;
            if (!ParameterName().IsMatch(name) || parameters.ContainsKey(name))
            {
                throw new ValidationException("parameters", $"Node '{node.Id}': '{name}' is not a parameter name (letters, digits and underscores, starting with a letter; each once).")
                {
                    MessageKey = "Apps.Error.SqlParameterName",
                    MessageArguments = [node.Id, name],
                };
            }

            var value = ServiceNodeConfig.Value(context, parameter["value"]);
            parameters[name] = Bindable(value);
            shown[name] = value?.DeepClone();
        }

        SqlResult result;
        try
        {
            result = await console.RunOnAsync(datasets, sql, parameters, MaxRows, ct);
        }
        catch (NotFoundException e) when (e.ObjectType == "Dataset")
        {
            var id = datasets.FirstOrDefault(d => e.Message.Contains(d.ToString(), StringComparison.Ordinal));
            throw new NotFoundException("Dataset", id) { MessageKey = "Apps.Error.DatasetNotReadable", MessageArguments = [node.Id, id.ToString()] };
        }

        var columns = new JsonArray();
        var names = new List<string>();
        foreach (var column in result.Columns)
        {
            columns.Add((JsonNode)column.Name);
            var name = column.Name;
            for (var i = 2; names.Contains(name, StringComparer.Ordinal); i++)
            {
                name = $"{column.Name}_{i}";
            }

            names.Add(name);
        }

        var rows = new JsonArray();
        foreach (var row in result.Rows)
        {
            var item = new JsonObject();
            for (var i = 0; i < names.Count && i < row.Count; i++)
            {
                item[names[i]] = Typed(row[i], result.Columns[i].Type);
            }

            rows.Add(item);
        }

        var inputs = new JsonObject
        {
            ["datasets"] = new JsonArray([.. datasets.Select(d => (JsonNode)d.ToString())]),
            ["sql"] = sql,
            ["parameters"] = shown,
        };
        var outputs = new JsonObject { ["rows"] = rows, ["columns"] = columns, ["rowCount"] = rows.Count, ["truncated"] = result.Truncated };
        return new NodeOutcome(outputs) { Inputs = inputs };
    }

    /// <summary>A parameter's value as the engine binds it: text, a whole number, a number, a boolean, null; objects and arrays as JSON text.</summary>
    internal static object? Bindable(JsonNode? value) => value switch
    {
        null => null,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v when v.GetValueKind() is JsonValueKind.True or JsonValueKind.False => v.GetValue<bool>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.Number => v.TryGetValue<long>(out var whole) ? whole : v.GetValue<double>(),
        JsonValue v when v.GetValueKind() == JsonValueKind.Null => null,
        _ => value.ToJsonString(),
    };

    /// <summary>A cell as JSON: numbers and booleans by the column's DuckDB type, the rest as the console shows it.</summary>
    internal static JsonNode? Typed(string? cell, string type)
    {
        if (cell is null)
        {
            return null;
        }

        var t = type.ToUpperInvariant();
        if (t == "BOOLEAN" && bool.TryParse(cell, out var b))
        {
            return b;
        }

        if (t is "TINYINT" or "SMALLINT" or "INTEGER" or "BIGINT" or "UTINYINT" or "USMALLINT" or "UINTEGER" or "UBIGINT" or "HUGEINT" or "UHUGEINT"
            && long.TryParse(cell, NumberStyles.Integer, CultureInfo.InvariantCulture, out var l))
        {
            return l;
        }

        if ((t is "FLOAT" or "DOUBLE" or "REAL" || t.StartsWith("DECIMAL", StringComparison.Ordinal))
            && double.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && double.IsFinite(d))
        {
            return t.StartsWith("DECIMAL", StringComparison.Ordinal) && decimal.TryParse(cell, NumberStyles.Float, CultureInfo.InvariantCulture, out var m) ? m : d;
        }

        return cell;
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9_]{0,63}$", RegexOptions.CultureInvariant)]
    private static partial Regex ParameterName();
}
