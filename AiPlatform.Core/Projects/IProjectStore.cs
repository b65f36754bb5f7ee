using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Projects;

public interface IProjectStore
{
    /// <summary>The projects the context may read, filtered in the database (owner, grant to the user or a group, or objects.manage-all).</summary>
    Task<PagedResult<Project>> ListReadableAsync(AccessContext context, string? search, PageRequest page, CancellationToken ct);

    Task<Project?> FindAsync(Guid id, CancellationToken ct);

    Task<bool> NameTakenAsync(Guid ownerId, string name, Guid? except, CancellationToken ct);

    Task AddAsync(Project project, AuditEntry audit, CancellationToken ct);

    Task UpdateAsync(Project project, AuditEntry audit, CancellationToken ct);

    /// <summary>Deletes the project and its grants.</summary>
    Task DeleteAsync(Guid id, AuditEntry audit, CancellationToken ct);
}
