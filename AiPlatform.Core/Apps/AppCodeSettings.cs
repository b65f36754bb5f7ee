namespace AiPlatform.Core.Apps;

/// <summary>Limits of a code node's JavaScript (<c>Apps:Code:*</c>): time, memory, recursion and statements.</summary>
public sealed class AppCodeSettings
{
    public int TimeoutMs { get; set; } = 2000;

    public long MemoryBytes { get; set; } = 64L * 1024 * 1024;

    public int MaxRecursion { get; set; } = 256;

    /// <summary>The most statements a script executes (a second guard besides time).</summary>
    public int MaxStatements { get; set; } = 10_000_000;

    /// <summary>The most characters of source a code node may hold.</summary>
    public int MaxSourceChars { get; set; } = 100_000;
}
