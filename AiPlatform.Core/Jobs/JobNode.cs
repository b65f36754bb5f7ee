namespace AiPlatform.Core.Jobs;

/// <summary>Who runs a job: the node (a pod name, or the machine) and this start of its process.</summary>
/// <param name="Id">Unique per live process (<c>Jobs:NodeId</c>); the same across restarts of that process.</param>
/// <param name="Incarnation">New at every process start.</param>
public sealed record JobNode(string Id, Guid Incarnation)
{
    public static JobNode ThisProcess(string? id = null) => new(string.IsNullOrWhiteSpace(id) ? Environment.MachineName : id.Trim(), Guid.NewGuid());
}
