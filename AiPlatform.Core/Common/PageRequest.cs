namespace AiPlatform.Core.Common;

/// <summary>Zero-based page index and size; <see cref="Skip"/> and <see cref="Take"/> clamp them to sane bounds.</summary>
public sealed record PageRequest(int Page = 0, int PageSize = 25, int MaxPageSize = PageRequest.DefaultMaxPageSize)
{
    public const int DefaultMaxPageSize = 500;

    public int Index => Math.Max(0, Page);

    public int Skip => Index * Take;

    public int Take => Math.Clamp(PageSize, 1, Math.Max(1, MaxPageSize));
}
