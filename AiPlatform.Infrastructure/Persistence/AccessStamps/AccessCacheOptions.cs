namespace AiPlatform.Infrastructure.Persistence.AccessStamps;

/// <summary>The node's access cache (<c>Platform:AccessCache</c>); see <see cref="Core.Access.AccessCache"/>.</summary>
public sealed class AccessCacheOptions
{
    public const string Section = "Platform:AccessCache";

    /// <summary>False: every authentication and permission check reads the database again (and no stamp is polled).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>How often this node reads the access stamp: the longest another node's access change goes unseen here.</summary>
    public int PollMilliseconds { get; set; } = 250;

    /// <summary>The most entries each of the cache's tables holds; a full table is emptied.</summary>
    public int MaxEntries { get; set; } = 20_000;
}
