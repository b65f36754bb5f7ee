namespace AiPlatform.Core.Audit;

/// <summary>One state change: who did what to which object, when, from where. Written in the change's transaction.</summary>
public sealed class AuditEntry
{
    public long Id { get; set; }

    public DateTimeOffset At { get; set; }

    public Guid? ActorId { get; set; }

    public required string ActorName { get; set; }

    public required string Action { get; set; }

    public required string ObjectType { get; set; }

    public string? ObjectId { get; set; }

    /// <summary>What changed, as JSON; values of secret-looking fields are masked.</summary>
    public string? Summary { get; set; }

    public string? ClientIp { get; set; }

    public string? CorrelationId { get; set; }
}
