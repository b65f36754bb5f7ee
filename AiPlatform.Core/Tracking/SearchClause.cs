namespace AiPlatform.Core.Tracking;

public enum SearchEntity
{
    Metric,
    Param,
    Tag,
    Attribute,
    Dataset,
}

/// <summary>
/// One comparison of MLflow's search language. <see cref="Value"/> is a <see cref="double"/> for metrics and numeric
/// attributes, a string for the rest, a list of strings for <c>IN</c> / <c>NOT IN</c>, and null for <c>IS [NOT] NULL</c>.
/// </summary>
public sealed record SearchClause(SearchEntity Entity, string Key, string Operator, object? Value);

public sealed record SearchOrder(SearchEntity Entity, string Key, bool Ascending);
