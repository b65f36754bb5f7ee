namespace AiPlatform.Core.Common;

/// <summary>Zero-based page index and size, clamped to sane bounds.</summary>
public sealed record PageRequest(int Page = 0, int PageSize = 25)
{
    public const int MaxPageSize = 500;

    public int Skip => Math.Max(0, Page) * Take;

    public int Take => Math.Clamp(PageSize, 1, MaxPageSize);
}
