namespace AiPlatform.Core.Common;

/// <summary>One page of a list plus the total count, for grids that page on the server.</summary>
public sealed record PagedResult<T>(IReadOnlyList<T> Items, int TotalCount);
