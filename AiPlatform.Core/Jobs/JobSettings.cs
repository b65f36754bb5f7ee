namespace AiPlatform.Core.Jobs;

/// <summary>Timing and identity of the job machinery.</summary>
/// <param name="PollInterval">How often a running job refreshes its heartbeat and looks for a cancel request, and how often the sweep looks for dead jobs.</param>
/// <param name="StaleAfter">A Running job of another node whose heartbeat is older than this is considered interrupted.</param>
/// <param name="Node">This process: its node id and incarnation, recorded on every job it claims.</param>
/// <param name="SettleUnownedAtStart">
/// Whether Running jobs that name no node (claimed before nodes were recorded) are settled at start whatever their
/// heartbeat (embedded SQLite default, where they can only be this node's); otherwise they wait for <paramref name="StaleAfter"/>.
/// </param>
public sealed record JobSettings(TimeSpan PollInterval, TimeSpan StaleAfter, JobNode Node, bool SettleUnownedAtStart)
{
    public static JobSettings Default { get; } = new(TimeSpan.FromSeconds(1), TimeSpan.FromMinutes(2), JobNode.ThisProcess(), true);
}
