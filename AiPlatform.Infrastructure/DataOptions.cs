namespace AiPlatform.Infrastructure;

public sealed class DataOptions
{
    public const string Section = "Data";

    /// <summary>Largest file accepted as one dataset version (default 10 GiB).</summary>
    public long MaxUploadBytes { get; set; } = 10L * 1024 * 1024 * 1024;

    /// <summary>Rows the SQL console returns at most.</summary>
    public int SqlMaxRows { get; set; } = 10_000;

    /// <summary>A console query running longer is stopped.</summary>
    public TimeSpan SqlTimeout { get; set; } = TimeSpan.FromSeconds(30);

    /// <summary>DuckDB memory limit for one console query.</summary>
    public string SqlMemoryLimit { get; set; } = "1GB";
}
