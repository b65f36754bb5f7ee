using AiPlatform.Core.Audit;

namespace AiPlatform.Core.Tracking;

/// <summary>Audit entries of the tracking services: built for a store call that saves them, or recorded on their own.</summary>
public sealed class TrackingAudit(AuditRecorder audit, IAuditStore auditTrail)
{
    public Task<AuditEntry> EntryAsync(string action, string objectType, object? objectId, object? changes, CancellationToken ct) =>
        audit.EntryAsync(action, objectType, objectId, changes, ct);

    /// <summary>Records a change whose store call carries no audit entry of its own (runs, tags).</summary>
    internal async Task RecordAsync(string action, string objectType, Guid objectId, object? changes, CancellationToken ct) =>
        await auditTrail.AddAsync(await audit.EntryAsync(action, objectType, objectId, changes, ct), ct);
}
