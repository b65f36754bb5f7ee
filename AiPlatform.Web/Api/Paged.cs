using AiPlatform.Core.Common;
using Microsoft.AspNetCore.Mvc;

namespace AiPlatform.Web.Api;

/// <summary>One page of a list as every list endpoint returns it: the items, the total over all pages, the page index and size used.</summary>
public sealed record Paged<T>(IReadOnlyList<T> Items, int TotalCount, int Page, int PageSize)
{
    public static Paged<T> Of(PagedResult<T> result, PageRequest request) => new(result.Items, result.TotalCount, request.Index, request.Take);

    public static Paged<T> Of(IReadOnlyList<T> items, int totalCount, PageRequest request) => new(items, totalCount, request.Index, request.Take);
}

/// <summary>
/// The paging query every list endpoint binds with <c>[AsParameters]</c>: <c>?page=0&amp;pageSize=25</c>, zero-based.
/// <see cref="ToRequest"/> clamps both, so no endpoint repeats the clamp.
/// </summary>
public sealed record PageQuery([FromQuery(Name = "page")] int Page = 0, [FromQuery(Name = "pageSize")] int PageSize = 25)
{
    public PageRequest ToRequest(int maxPageSize = PageRequest.DefaultMaxPageSize) => new(Page, PageSize, maxPageSize);
}
