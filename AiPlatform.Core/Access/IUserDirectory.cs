using AiPlatform.Core.Audit;
using AiPlatform.Core.Common;

namespace AiPlatform.Core.Access;

/// <summary>User accounts (ASP.NET Core Identity in Infrastructure). Password rules and duplicates are reported as <see cref="ValidationException"/>.</summary>
public interface IUserDirectory
{
    Task<PagedResult<UserSummary>> ListAsync(string? search, PageRequest page, CancellationToken ct);

    Task<IReadOnlyList<UserSummary>> FindManyAsync(IReadOnlyCollection<Guid> ids, CancellationToken ct);

    Task<UserSummary?> FindAsync(Guid id, CancellationToken ct);

    Task<UserSummary?> FindByNameAsync(string userName, CancellationToken ct);

    Task<int> CountAsync(CancellationToken ct);

    Task<UserSummary> CreateAsync(NewUser user, AuditEntry audit, CancellationToken ct);

    Task SetDisabledAsync(Guid id, bool disabled, AuditEntry audit, CancellationToken ct);

    /// <summary>Turns MFA off and forgets the authenticator key and recovery codes.</summary>
    Task ResetMfaAsync(Guid id, AuditEntry audit, CancellationToken ct);

    Task SetPasswordAsync(Guid id, string password, bool mustChange, AuditEntry audit, CancellationToken ct);
}
