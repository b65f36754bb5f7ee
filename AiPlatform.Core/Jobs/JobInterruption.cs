namespace AiPlatform.Core.Jobs;

/// <summary>Why a job stopped without finishing, as its dependents should tell their users.</summary>
/// <param name="Requeued">True when the job was queued again (its kind restarts); false when it was failed as interrupted.</param>
/// <param name="Reason">What happened, e.g. <c>node web-1 restarted</c>, for logs and the dependents' errors.</param>
public sealed record JobInterruption(bool Requeued, string Reason);

/// <summary>What an interrupted job's settlement did; <see cref="None"/> when another node (or the runner) got there first.</summary>
public enum JobSettlement
{
    None,
    Requeued,
    Failed,
}
