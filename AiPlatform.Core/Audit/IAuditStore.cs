using AiPlatform.Core.Common;

namespace AiPlatform.Core.Audit;

/// <summary>Reading the audit trail; entries are written by the stores together with the changes they describe.</summary>
public interface IAuditStore
{
    Task<PagedResult<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken ct);

    /// <summary>Every entry matching the query, oldest first, streamed (for CSV export).</summary>
    IAsyncEnumerable<AuditEntry> StreamAsync(AuditQuery query, CancellationToken ct);

    /// <summary>Writes an entry on its own, for events that change no other row (sign-ins, failed sign-ins).</summary>
    Task AddAsync(AuditEntry entry, CancellationToken ct);
}
