using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;

namespace AiPlatform.Core.Data;

public interface IDataSourceStore
{
    Task<IReadOnlyList<DataSource>> ListReadableAsync(AccessContext context, CancellationToken ct);

    Task<DataSource?> FindAsync(Guid id, CancellationToken ct);

    Task AddAsync(DataSource source, AuditEntry audit, CancellationToken ct);

    Task UpdateAsync(DataSource source, AuditEntry audit, CancellationToken ct);

    Task DeleteAsync(Guid id, AuditEntry audit, CancellationToken ct);

    Task<IReadOnlyList<ScheduledImport>> ListSchedulesAsync(Guid? sourceId, CancellationToken ct);

    Task<ScheduledImport?> FindScheduleAsync(Guid id, CancellationToken ct);

    Task AddScheduleAsync(ScheduledImport schedule, AuditEntry audit, CancellationToken ct);

    Task<bool> DeleteScheduleAsync(Guid id, AuditEntry audit, CancellationToken ct);
}
