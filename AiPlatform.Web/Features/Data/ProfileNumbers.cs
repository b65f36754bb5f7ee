using AiPlatform.Core.Data;

namespace AiPlatform.Web.Features.Data;

/// <summary>What the profile shows for a column's distinct values.</summary>
public static class ProfileNumbers
{
    /// <summary>
    /// The distinct-value estimate, never more than the column's non-null values: DuckDB's HyperLogLog estimate can
    /// exceed them (by up to ~20 % on large columns), and profiles stored before the profiler clamped it still do.
    /// </summary>
    public static long Distinct(ColumnProfile column) =>
        Math.Clamp(column.ApproxDistinct, 0, Math.Max(0, column.Count - column.Nulls));

    /// <summary>Whether <see cref="Distinct"/> is an estimate ("≈"): exact only when the column has at most one non-null value.</summary>
    public static bool IsApproximate(ColumnProfile column) => column.Count - column.Nulls > 1;
}
