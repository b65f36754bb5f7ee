using System.Linq.Expressions;
using System.Reflection;
using AiPlatform.Core.Common;
using AiPlatform.Core.Tracking;
using Microsoft.EntityFrameworkCore;

namespace AiPlatform.Infrastructure.Persistence.Stores;

/// <summary>
/// The comparisons and orderings of a registry search as EF Core expressions, so SQLite and PostgreSQL both run them.
/// LIKE is case-sensitive on both (SQLite's LIKE is not, so it becomes GLOB there), ILIKE compares lower-cased text;
/// every value is a query parameter.
/// </summary>
internal static class RegistrySearchSql
{
    private static readonly MethodInfo Like = typeof(DbFunctionsExtensions).GetMethod(nameof(DbFunctionsExtensions.Like), [typeof(DbFunctions), typeof(string), typeof(string)])!;
    private static readonly MethodInfo Glob = typeof(SqliteDbFunctionsExtensions).GetMethod(nameof(SqliteDbFunctionsExtensions.Glob), [typeof(DbFunctions), typeof(string), typeof(string)])!;
    private static readonly MethodInfo ToLower = typeof(string).GetMethod(nameof(string.ToLower), Type.EmptyTypes)!;

    /// <summary>Rows whose text <paramref name="column"/> satisfies the clause (=, !=, LIKE, ILIKE).</summary>
    public static IQueryable<T> Compare<T>(IQueryable<T> source, Expression<Func<T, string>> column, SearchClause clause, bool sqlite)
    {
        var text = (string)clause.Value!;
        Expression body = clause.Operator switch
        {
            "=" => Expression.Equal(column.Body, Parameter(text)),
            "!=" => Expression.NotEqual(column.Body, Parameter(text)),
            "LIKE" when sqlite => Expression.Call(Glob, Expression.Constant(EF.Functions), column.Body, Parameter(RunSearchSql.LikeToGlob(text))),
            "LIKE" => Expression.Call(Like, Expression.Constant(EF.Functions), column.Body, Parameter(text)),
            "ILIKE" => Expression.Call(Like, Expression.Constant(EF.Functions), Expression.Call(column.Body, ToLower), Parameter(text.ToLowerInvariant())),
            _ => throw new ValidationException("filter", $"'{clause.Operator}' cannot compare '{clause.Key}'."),
        };
        return source.Where(Expression.Lambda<Func<T, bool>>(body, column.Parameters));
    }

    public static IQueryable<Core.Registry.ModelVersion> CompareNumber(IQueryable<Core.Registry.ModelVersion> versions, SearchClause clause)
    {
        var number = (double)clause.Value!;
        if (double.IsNaN(number))
        {
            return versions.Where(v => false);
        }

        // Versions are whole numbers: compare against the nearest whole bound that keeps the comparison's meaning.
        var whole = Math.Floor(number) == number;
        var below = (int)Math.Clamp(Math.Floor(number), int.MinValue, int.MaxValue);
        var above = (int)Math.Clamp(Math.Ceiling(number), int.MinValue, int.MaxValue);
        return clause.Operator switch
        {
            "=" => whole ? versions.Where(v => v.Version == below) : versions.Where(v => false),
            "!=" => whole ? versions.Where(v => v.Version != below) : versions,
            ">" => whole ? versions.Where(v => v.Version > below) : versions.Where(v => v.Version >= above),
            ">=" => versions.Where(v => v.Version >= above),
            "<" => whole ? versions.Where(v => v.Version < below) : versions.Where(v => v.Version <= below),
            _ => versions.Where(v => v.Version <= below),
        };
    }

    /// <summary>run_id = / != / IN; an id that is not a run id matches nothing (and != matches every version from a run).</summary>
    public static IQueryable<Core.Registry.ModelVersion> CompareRunId(IQueryable<Core.Registry.ModelVersion> versions, SearchClause clause)
    {
        if (clause.Operator is "LIKE" or "ILIKE")
        {
            throw new ValidationException("filter", "run_id is compared with =, != and IN; LIKE and ILIKE are not supported here.");
        }

        var ids = (clause.Value as List<string> ?? [(string)clause.Value!]).Select(v => Guid.TryParse(v, out var id) ? id : (Guid?)null).Where(id => id is not null).ToList();
        return clause.Operator == "!="
            ? versions.Where(v => v.RunId != null && !ids.Contains(v.RunId))
            : versions.Where(v => ids.Contains(v.RunId));
    }

    /// <summary>Orders by the search's keys (name, version_number, creation_timestamp, last_updated_timestamp) in turn.</summary>
    public static IOrderedQueryable<T> Order<T>(
        IQueryable<T> source,
        IReadOnlyList<SearchOrder> orders,
        Expression<Func<T, string>> name,
        Expression<Func<T, int>>? version,
        Expression<Func<T, DateTimeOffset>> created,
        Expression<Func<T, DateTimeOffset>> updated)
    {
        IOrderedQueryable<T>? ordered = null;
        foreach (var order in orders)
        {
            ordered = order.Key switch
            {
                "name" => Then(ordered, source, name, order.Ascending),
                "version_number" when version is not null => Then(ordered, source, version, order.Ascending),
                "creation_timestamp" => Then(ordered, source, created, order.Ascending),
                "last_updated_timestamp" => Then(ordered, source, updated, order.Ascending),
                _ => throw new ValidationException("order_by", $"Invalid order by key '{order.Key}'."),
            };
        }

        return ordered ?? Then(null, source, name, true);
    }

    private static IOrderedQueryable<T> Then<T, TKey>(IOrderedQueryable<T>? ordered, IQueryable<T> source, Expression<Func<T, TKey>> key, bool ascending) =>
        ordered is null
            ? (ascending ? source.OrderBy(key) : source.OrderByDescending(key))
            : (ascending ? ordered.ThenBy(key) : ordered.ThenByDescending(key));

    /// <summary>A value EF Core sends as a query parameter (a captured variable), not as a literal.</summary>
    private static Expression Parameter(string value)
    {
        Expression<Func<string>> captured = () => value;
        return captured.Body;
    }
}
