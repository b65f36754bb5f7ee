namespace AiPlatform.Core.Training;

/// <summary>Training configuration (<c>Training:*</c>).</summary>
public sealed class TrainingSettings
{
    /// <summary>
    /// The URL custom code uses to reach the platform's MLflow API (MLFLOW_TRACKING_URI). When not configured, the
    /// web host fills in its own loopback address at start.
    /// </summary>
    public string? TrackingUri { get; set; }

    /// <summary>Custom runs the Local backend executes at once.</summary>
    public int LocalConcurrency { get; set; } = 2;

    /// <summary>Lifetime of the token handed to custom code; it is revoked when the run ends anyway.</summary>
    public TimeSpan TokenLifetime { get; set; } = TimeSpan.FromHours(24);

    /// <summary>How often a running custom run's CPU and memory are recorded (as system/* metrics of its experiment run).</summary>
    public TimeSpan ResourceSampleInterval { get; set; } = TimeSpan.FromSeconds(5);

    /// <summary>How many of a failed process's last output lines go into the run's error.</summary>
    public int ErrorTailLines { get; set; } = 20;

    /// <summary>
    /// Lets custom runs clone <c>file://</c> Git URLs (folders on the platform's machine). Off by default: a local path
    /// reads whatever repository the platform can read. Remote URLs are checked against <c>DataSources:AllowedHosts</c>.
    /// </summary>
    public bool AllowLocalGitUrls { get; set; }

    /// <summary>
    /// Lets custom runs clone plain <c>http://</c> Git URLs. Off by default: code fetched without TLS can be changed on the
    /// way. Only https (and file:// with <see cref="AllowLocalGitUrls"/>) is accepted otherwise; ssh and git transports never.
    /// </summary>
    public bool AllowHttpGitUrls { get; set; }
}
