namespace AiPlatform.Core.Jobs;

/// <summary>Timing of the job machinery.</summary>
/// <param name="PollInterval">How often a running job refreshes its heartbeat and looks for a cancel request.</param>
/// <param name="StaleAfter">A Running job whose heartbeat is older than this is considered interrupted.</param>
/// <param name="SingleNode">True when this process is the only worker (embedded default): every Running job found at start was interrupted.</param>
public sealed record JobSettings(TimeSpan PollInterval, TimeSpan StaleAfter, bool SingleNode)
{
    public static JobSettings Default { get; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2), true);
}
