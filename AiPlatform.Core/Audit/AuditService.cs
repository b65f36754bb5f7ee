using AiPlatform.Core.Access;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Audit;

/// <summary>Searching and exporting the audit trail; needs <c>audit.read</c>.</summary>
public sealed class AuditService(AccessService access, IAuditStore store, ObjectNames names)
{
    public async Task<PagedResult<AuditEntry>> QueryAsync(AuditQuery query, CancellationToken ct)
    {
        await access.RequireCapabilityAsync(Capabilities.AuditRead, ct);
        return await store.QueryAsync(query, ct);
    }

    /// <summary>
    /// The current names of the actors, objects and principals the entries refer to (see <see cref="AuditReferences"/>); a
    /// reference missing from the result no longer exists. Needs <c>audit.read</c>, whose holders read the names the
    /// entries themselves record anyway.
    /// </summary>
    public async Task<IReadOnlyDictionary<EntityRef, string>> NamesAsync(IEnumerable<AuditEntry> entries, CancellationToken ct)
    {
        await access.RequireCapabilityAsync(Capabilities.AuditRead, ct);
        return await names.FindAsync(entries.SelectMany(AuditReferences.Of), ct);
    }

    /// <summary>Writes the matching entries as CSV (RFC 4180, UTF-8), streaming.</summary>
    public async Task ExportCsvAsync(AuditQuery query, TextWriter writer, CancellationToken ct)
    {
        await access.RequireCapabilityAsync(Capabilities.AuditRead, ct);
        await writer.WriteLineAsync("id,at,actor_id,actor,action,object_type,object_id,summary,client_ip,correlation_id");
        await foreach (var e in store.StreamAsync(query, ct))
        {
            await writer.WriteLineAsync(string.Join(',', new[]
            {
                e.Id.ToString(System.Globalization.CultureInfo.InvariantCulture), e.At.ToString("o"), e.ActorId?.ToString(), e.ActorName, e.Action,
                e.ObjectType, e.ObjectId, e.Summary, e.ClientIp, e.CorrelationId,
            }.Select(Csv)));
        }
    }

    private static string Csv(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return string.Empty;
        }

        // A leading =, +, - or @ would be run as a formula by spreadsheet programs.
        var safe = value[0] is '=' or '+' or '-' or '@' ? "'" + value : value;
        return safe.IndexOfAny([',', '"', '\n', '\r']) >= 0 ? $"\"{safe.Replace("\"", "\"\"")}\"" : safe;
    }
}
