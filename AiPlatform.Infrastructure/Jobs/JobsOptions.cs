namespace AiPlatform.Infrastructure.Jobs;

public sealed class JobsOptions
{
    public const string Section = "Jobs";

    /// <summary>Hangfire worker threads in this process; 0 runs no worker here (web-only node).</summary>
    public int WorkerCount { get; set; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>How often a running job writes its heartbeat and checks for a cancel request.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>With several workers: a Running job silent for longer than this is treated as interrupted at start.</summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>Cron for the recurring storage scan that feeds the dashboard; empty disables it.</summary>
    public string StorageScanCron { get; set; } = "0 * * * *";

    /// <summary>Cron for the daily clean-up of abandoned staging objects; empty disables it.</summary>
    public string StorageCleanupCron { get; set; } = "30 3 * * *";
}
