namespace AiPlatform.Core.Access;

public interface IApiTokenStore
{
    Task AddAsync(ApiToken token, Audit.AuditEntry audit, CancellationToken ct);

    Task<ApiToken?> FindByHashAsync(string hash, CancellationToken ct);

    Task<IReadOnlyList<ApiToken>> ListAsync(Guid userId, CancellationToken ct);

    Task<bool> RevokeAsync(Guid userId, Guid tokenId, DateTimeOffset now, Audit.AuditEntry audit, CancellationToken ct);

    Task TouchAsync(Guid tokenId, DateTimeOffset now, CancellationToken ct);
}
