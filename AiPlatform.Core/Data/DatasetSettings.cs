namespace AiPlatform.Core.Data;

/// <param name="MaxUploadBytes">Largest file accepted for one version.</param>
public sealed record DatasetSettings(long MaxUploadBytes)
{
    public static DatasetSettings Default { get; } = new(10L * 1024 * 1024 * 1024);
}
