using System.Text;
using AiPlatform.Core.Common;
using AiPlatform.Core.Tracking;

namespace AiPlatform.Infrastructure.Persistence.Stores;

/// <summary>
/// Turns a parsed run search into one SQL statement for SQLite or PostgreSQL. Filters on a metric, param or tag
/// become inner joins on the latest-metric, param and tag tables (runs without the key drop out, as in MLflow);
/// ordering by a key that is also filtered reuses that join, so PostgreSQL walks the
/// <c>(experiment_id, key, value)</c> index and stops after one page. Other order keys are left joins with missing
/// values last. Every value is a parameter.
/// </summary>
internal sealed class RunSearchSql
{
    private readonly bool _sqlite;
    private readonly List<object> _parameters = [];
    private readonly StringBuilder _joins = new();
    private readonly List<string> _where = [];
    private readonly Dictionary<(SearchEntity, string), (string Alias, bool Comparable)> _filterJoins = [];
    private string _experimentList = string.Empty;
    private int _aliases;

    private RunSearchSql(bool sqlite) => _sqlite = sqlite;

    public static (string Sql, object[] Parameters) Build(RunQuery query, bool sqlite, bool count)
    {
        var builder = new RunSearchSql(sqlite);
        return builder.BuildCore(query, count);
    }

    private (string Sql, object[] Parameters) BuildCore(RunQuery query, bool count)
    {
        _experimentList = string.Join(", ", query.ExperimentIds.Select(id => Param(id)));
        _where.Add($"r.\"experiment_id\" IN ({_experimentList})");
        switch (query.View)
        {
            case ViewType.ActiveOnly:
                _where.Add($"r.\"lifecycle_stage\" = {Param((int)LifecycleStage.Active)}");
                break;
            case ViewType.DeletedOnly:
                _where.Add($"r.\"lifecycle_stage\" = {Param((int)LifecycleStage.Deleted)}");
                break;
        }

        foreach (var clause in query.Filter)
        {
            AddClause(clause);
        }

        if (count)
        {
            return ($"SELECT COUNT(*) AS \"Value\" FROM \"runs\" AS r{_joins} WHERE {string.Join(" AND ", _where)}", _parameters.ToArray());
        }

        var order = new List<string>();
        foreach (var o in query.Order)
        {
            AddOrder(o, order);
        }

        order.Add("r.\"start_time\" DESC");
        order.Add("r.\"id\"");
        var sql = $"SELECT r.* FROM \"runs\" AS r{_joins} WHERE {string.Join(" AND ", _where)} ORDER BY {string.Join(", ", order)} LIMIT {Param(query.Limit)} OFFSET {Param(query.Offset)}";
        return (sql, _parameters.ToArray());
    }

    private void AddClause(SearchClause clause)
    {
        switch (clause.Entity)
        {
            case SearchEntity.Metric:
                {
                    var alias = FilterJoin(SearchEntity.Metric, clause.Key, clause.Operator != "!=");
                    var value = (double)clause.Value!;
                    if (double.IsNaN(value))
                    {
                        _where.Add(clause.Operator switch
                        {
                            "=" => $"{alias}.\"is_nan\" = {Param(true)}",
                            "!=" => $"{alias}.\"is_nan\" = {Param(false)}",
                            _ => "1 = 0",
                        });
                    }
                    else
                    {
                        _where.Add(clause.Operator == "!="
                            ? $"({alias}.\"is_nan\" = {Param(true)} OR {alias}.\"value\" <> {Param(value)})"
                            : $"{alias}.\"is_nan\" = {Param(false)} AND {alias}.\"value\" {clause.Operator} {Param(value)}");
                    }

                    break;
                }

            case SearchEntity.Param or SearchEntity.Tag:
                {
                    var table = clause.Entity == SearchEntity.Param ? "run_params" : "run_tags";
                    if (clause.Operator is "IS NULL" or "IS NOT NULL")
                    {
                        var exists = $"EXISTS (SELECT 1 FROM \"{table}\" AS x WHERE x.\"run_id\" = r.\"id\" AND x.\"key\" = {Param(clause.Key)})";
                        _where.Add(clause.Operator == "IS NULL" ? "NOT " + exists : exists);
                        break;
                    }

                    var alias = FilterJoin(clause.Entity, clause.Key, true);
                    _where.Add(CompareText($"{alias}.\"value\"", clause.Operator, (string)clause.Value!));
                    break;
                }

            case SearchEntity.Dataset:
                {
                    var column = clause.Key switch { "name" => "name", "digest" => "digest", _ => "context" };
                    var condition = clause.Value is List<string> list
                        ? $"x.\"{column}\" IN ({string.Join(", ", list.Select(v => Param(v)))})"
                        : CompareText($"x.\"{column}\"", clause.Operator, (string)clause.Value!);
                    var exists = $"EXISTS (SELECT 1 FROM \"run_inputs\" AS x WHERE x.\"run_id\" = r.\"id\" AND {condition})";
                    _where.Add(clause.Operator is "!=" or "NOT IN" && clause.Value is List<string> ? "NOT " + exists : exists);
                    break;
                }

            default:
                AddAttributeClause(clause);
                break;
        }
    }

    private void AddAttributeClause(SearchClause clause)
    {
        switch (clause.Key)
        {
            case "start_time" or "end_time":
                _where.Add($"r.\"{clause.Key}\" {clause.Operator.Replace("!=", "<>", StringComparison.Ordinal)} {Param((long)(double)clause.Value!)}");
                break;
            case "run_id":
                {
                    var ids = (clause.Value as List<string> ?? [(string)clause.Value!]).Select(v => Guid.TryParse(v, out var g) ? g : (Guid?)null).Where(g => g is not null).Select(g => g!.Value).ToList();
                    var positive = clause.Operator is "=" or "IN";
                    if (clause.Operator is "LIKE" or "ILIKE")
                    {
                        throw new ValidationException("filter", "run_id supports =, !=, IN and NOT IN.");
                    }

                    _where.Add(ids.Count == 0
                        ? (positive ? "1 = 0" : "1 = 1")
                        : $"r.\"id\" {(positive ? "IN" : "NOT IN")} ({string.Join(", ", ids.Select(id => Param(id)))})");
                    break;
                }

            case "status":
                {
                    var names = Enum.GetValues<RunStatus>().ToDictionary(s => s.ToString().ToUpperInvariant(), s => (int)s);
                    IEnumerable<int> matching = clause.Operator switch
                    {
                        "=" or "!=" => names.Where(n => n.Key == ((string)clause.Value!).ToUpperInvariant()).Select(n => n.Value),
                        "IN" or "NOT IN" => names.Where(n => ((List<string>)clause.Value!).Any(v => string.Equals(v, n.Key, System.StringComparison.OrdinalIgnoreCase))).Select(n => n.Value),
                        _ => names.Where(n => LikeMatches(n.Key, (string)clause.Value!, clause.Operator == "ILIKE")).Select(n => n.Value),
                    };
                    var list = matching.ToList();
                    var negative = clause.Operator is "!=" or "NOT IN";
                    _where.Add(list.Count == 0 ? (negative ? "1 = 1" : "1 = 0") : $"r.\"status\" {(negative ? "NOT IN" : "IN")} ({string.Join(", ", list.Select(v => Param(v)))})");
                    break;
                }

            case "run_name" or "user_id":
                {
                    var column = clause.Key == "run_name" ? "r.\"name\"" : "r.\"user_name\"";
                    _where.Add(clause.Value is List<string> values
                        ? $"{column} {(clause.Operator == "IN" ? "IN" : "NOT IN")} ({string.Join(", ", values.Select(v => Param(v)))})"
                        : CompareText(column, clause.Operator, (string)clause.Value!));
                    break;
                }

            default:
                throw new ValidationException("filter", $"Runs cannot be filtered by '{clause.Key}'.");
        }
    }

    private void AddOrder(SearchOrder order, List<string> terms)
    {
        var direction = order.Ascending ? "ASC" : "DESC";
        switch (order.Entity)
        {
            case SearchEntity.Metric or SearchEntity.Param or SearchEntity.Tag:
                {
                    if (_filterJoins.TryGetValue((order.Entity, order.Key), out var joined))
                    {
                        if (order.Entity == SearchEntity.Metric && !joined.Comparable)
                        {
                            terms.Add($"{joined.Alias}.\"is_nan\" {direction}");
                        }

                        terms.Add($"{joined.Alias}.\"value\" {direction}");
                        break;
                    }

                    var alias = "o" + _aliases++;
                    var table = order.Entity switch { SearchEntity.Metric => "run_latest_metrics", SearchEntity.Param => "run_params", _ => "run_tags" };
                    _joins.Append($" LEFT JOIN \"{table}\" AS {alias} ON {alias}.\"run_id\" = r.\"id\" AND {alias}.\"key\" = {Param(order.Key)}");
                    terms.Add($"({alias}.\"value\" IS NULL)");
                    if (order.Entity == SearchEntity.Metric)
                    {
                        terms.Add($"{alias}.\"is_nan\" {direction}");
                    }

                    terms.Add($"{alias}.\"value\" {direction}");
                    break;
                }

            default:
                var column = order.Key switch
                {
                    "start_time" => "start_time",
                    "end_time" => "end_time",
                    "run_name" => "name",
                    "status" => "status",
                    "user_id" => "user_name",
                    "run_id" => "id",
                    _ => throw new ValidationException("order_by", $"Runs cannot be ordered by '{order.Key}'."),
                };
                if (column == "end_time")
                {
                    terms.Add("(r.\"end_time\" IS NULL)");
                }

                terms.Add($"r.\"{column}\" {direction}");
                break;
        }
    }

    /// <summary>One inner join per filtered key; <paramref name="comparable"/> stays true while every filter on it excludes NaN.</summary>
    private string FilterJoin(SearchEntity entity, string key, bool comparable)
    {
        if (_filterJoins.TryGetValue((entity, key), out var existing))
        {
            _filterJoins[(entity, key)] = existing with { Comparable = existing.Comparable && comparable };
            return existing.Alias;
        }

        var alias = "f" + _aliases++;
        var table = entity switch { SearchEntity.Metric => "run_latest_metrics", SearchEntity.Param => "run_params", _ => "run_tags" };
        var experimentJoin = entity == SearchEntity.Metric ? $" AND {alias}.\"experiment_id\" IN ({_experimentList})" : string.Empty;
        _joins.Append($" INNER JOIN \"{table}\" AS {alias} ON {alias}.\"run_id\" = r.\"id\" AND {alias}.\"key\" = {Param(key)}{experimentJoin}");
        _filterJoins[(entity, key)] = (alias, comparable);
        return alias;
    }

    private string CompareText(string column, string op, string value) => op switch
    {
        "=" => $"{column} = {Param(value)}",
        "!=" => $"{column} <> {Param(value)}",
        "LIKE" => _sqlite ? $"{column} GLOB {Param(LikeToGlob(value))}" : $"{column} LIKE {Param(value)}",
        "ILIKE" => $"lower({column}) LIKE lower({Param(value)})",
        _ => throw new ValidationException("filter", $"'{op}' cannot compare strings."),
    };

    /// <summary>SQLite's LIKE ignores case; GLOB does not, so LIKE patterns become GLOB patterns there.</summary>
    internal static string LikeToGlob(string like)
    {
        var builder = new StringBuilder();
        foreach (var c in like)
        {
            builder.Append(c switch
            {
                '%' => "*",
                '_' => "?",
                '*' => "[*]",
                '?' => "[?]",
                '[' => "[[]",
                _ => c.ToString(),
            });
        }

        return builder.ToString();
    }

    private static bool LikeMatches(string text, string pattern, bool ignoreCase)
    {
        var regex = "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("%", ".*", System.StringComparison.Ordinal).Replace("_", ".", System.StringComparison.Ordinal) + "$";
        return System.Text.RegularExpressions.Regex.IsMatch(text, regex, ignoreCase ? System.Text.RegularExpressions.RegexOptions.IgnoreCase : System.Text.RegularExpressions.RegexOptions.None);
    }

    private string Param(object value)
    {
        _parameters.Add(value);
        return "{" + (_parameters.Count - 1) + "}";
    }
}
