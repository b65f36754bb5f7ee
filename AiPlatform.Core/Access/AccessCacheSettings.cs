namespace AiPlatform.Core.Access;

/// <summary>
/// How the node's <see cref="AccessCache"/> behaves (<c>Platform:AccessCache</c>). <see cref="Enabled"/> false makes every
/// check read the database again (the behaviour before the cache); <see cref="MaxEntries"/> bounds each of its tables.
/// </summary>
public sealed record AccessCacheSettings(bool Enabled = true, int MaxEntries = 20_000)
{
    public static AccessCacheSettings Default { get; } = new();
}
