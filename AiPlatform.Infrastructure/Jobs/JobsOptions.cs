namespace AiPlatform.Infrastructure.Jobs;

public sealed class JobsOptions
{
    public const string Section = "Jobs";

    /// <summary>Hangfire worker threads in this process; 0 runs no worker here (web-only node).</summary>
    public int WorkerCount { get; set; } = Math.Max(2, Environment.ProcessorCount);

    /// <summary>How often a running job writes its heartbeat and checks for a cancel request, and how often every node sweeps for dead jobs.</summary>
    public TimeSpan PollInterval { get; set; } = TimeSpan.FromSeconds(1);

    /// <summary>A Running job of another node (or another start of this one) silent for longer than this is settled as interrupted by the sweep.</summary>
    public TimeSpan StaleAfter { get; set; } = TimeSpan.FromMinutes(2);

    /// <summary>
    /// This node's name, recorded on every job it runs; at start a node settles at once what its earlier start left
    /// Running. Must be unique per live process and stable across its restarts: the machine name by default (the pod
    /// name in Kubernetes; also when empty). Two processes sharing one database on one machine must set different ids.
    /// </summary>
    public string? NodeId { get; set; } = Environment.MachineName;

    /// <summary>Cron for the recurring storage scan that feeds the dashboard; empty disables it.</summary>
    public string StorageScanCron { get; set; } = "0 * * * *";

    /// <summary>Cron for the daily clean-up of abandoned staging objects; empty disables it.</summary>
    public string StorageCleanupCron { get; set; } = "30 3 * * *";
}
