namespace AiPlatform.Infrastructure;

public sealed class DataOptions
{
    public const string Section = "Data";

    /// <summary>Largest file accepted as one dataset version (default 10 GiB).</summary>
    public long MaxUploadBytes { get; set; } = 10L * 1024 * 1024 * 1024;
}
