using AiPlatform.Core.Common;
using Microsoft.EntityFrameworkCore;

namespace AiPlatform.Infrastructure.Persistence.Stores;

internal static class QueryablePaging
{
    /// <summary>
    /// One page of <paramref name="query"/> in the given order, with the count of all its rows. The count runs on the
    /// unordered query, so it stays a plain <c>COUNT(*)</c>; the order should end on a unique key so pages do not overlap.
    /// </summary>
    public static async Task<PagedResult<T>> ToPageAsync<T>(this IQueryable<T> query, Func<IQueryable<T>, IOrderedQueryable<T>> order, PageRequest page, CancellationToken ct)
    {
        var total = await query.CountAsync(ct);
        var items = await order(query).Skip(page.Skip).Take(page.Take).ToListAsync(ct);
        return new PagedResult<T>(items, total);
    }
}
