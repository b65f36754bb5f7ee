namespace AiPlatform.Core.Apps;

/// <summary>Limits of app runs (<c>Apps:*</c>); Infrastructure binds them from configuration.</summary>
public sealed class AppSettings
{
    /// <summary>A node's time limit when it sets none (iterations and loops default to the run's limit instead).</summary>
    public int NodeTimeoutSeconds { get; set; } = 60;

    /// <summary>A whole run's time limit.</summary>
    public int RunTimeoutSeconds { get; set; } = 300;

    /// <summary>The most items an iteration maps over and the most rounds a loop runs.</summary>
    public int MaxIterations { get; set; } = 1000;

    /// <summary>
    /// The most iteration items that run at once, whatever a node asks for; also the most nodes (other than iterations,
    /// loops and sub-apps, which wait for their bodies) that run at once in one whole run, nested iterations, parallel
    /// branches and sub-apps together.
    /// </summary>
    public int MaxParallelism { get; set; } = 8;

    /// <summary>
    /// The most node executions one run makes, its sub-apps' and every iteration item's and loop round's included: beyond it
    /// the run fails (<c>Apps.Error.TooManyExecutions</c>), so nested iterations cannot multiply into millions of executions.
    /// </summary>
    public int MaxNodeExecutions { get; set; } = 10_000;

    /// <summary>
    /// The most runs one user (or one app key) has going at once on this node, drafts, pages, the API and the gateway
    /// together; beyond it a run is refused with 429 (<c>Apps.Error.TooManyRuns</c>). 0 sets no limit.
    /// </summary>
    public int MaxConcurrentRunsPerCaller { get; set; } = 32;

    /// <summary>How deep sub-app nodes may nest apps in apps.</summary>
    public int MaxSubAppDepth { get; set; } = 4;

    /// <summary>The most characters a template node (Liquid) renders.</summary>
    public int MaxTemplateOutputChars { get; set; } = 1_000_000;

    /// <summary>Limits of the code node's JavaScript (<c>Apps:Code:*</c>).</summary>
    public AppCodeSettings Code { get; set; } = new();

    /// <summary>
    /// How long a run goes on before it is stored as Running (shown in the runs list, failed by the sweep after a crash);
    /// a run that ends sooner is stored once, when it ends. 0 stores every run when it starts.
    /// </summary>
    public int RecordRunningAfterMs { get; set; } = 1000;

    public TimeSpan RecordRunningAfter => TimeSpan.FromMilliseconds(Math.Max(0, RecordRunningAfterMs));

    public TimeSpan NodeTimeout => TimeSpan.FromSeconds(Math.Max(1, NodeTimeoutSeconds));

    public TimeSpan RunTimeout => TimeSpan.FromSeconds(Math.Max(1, RunTimeoutSeconds));
}
