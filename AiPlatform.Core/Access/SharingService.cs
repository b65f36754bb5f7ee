using AiPlatform.Core.Common;

namespace AiPlatform.Core.Access;

/// <summary>Grants on securable objects. Seeing the grants needs Read; changing them needs Manage.</summary>
public sealed class SharingService(AccessService access, IAccessStore store, IUserDirectory users, IEnumerable<ISecurableLookup> lookups, Audit.AuditRecorder audit, TimeProvider time)
{
    public async Task<SecurableObject> GetObjectAsync(string objectType, Guid objectId, PermissionLevel required, CancellationToken ct)
    {
        var lookup = lookups.FirstOrDefault(l => l.ObjectType == objectType) ?? throw new NotFoundException(objectType, objectId);
        var target = await lookup.FindAsync(objectId, ct) ?? throw new NotFoundException(objectType, objectId);
        await access.RequireLevelAsync(target, required, ct);
        return target;
    }

    /// <summary>
    /// The object's grants with their principals' names (null for a user or group that no longer exists). Readers see the
    /// user and group names, as always; a user's display name is added only for callers who may manage the object.
    /// </summary>
    public async Task<IReadOnlyList<GrantView>> ListAsync(string objectType, Guid objectId, CancellationToken ct)
    {
        var target = await GetObjectAsync(objectType, objectId, PermissionLevel.Read, ct);
        var manages = await access.GetLevelAsync(target, ct) >= PermissionLevel.Manage;
        var grants = await store.ListGrantsAsync(objectType, objectId, ct);
        var userRows = (await users.FindManyAsync(grants.Where(g => g.PrincipalType == PrincipalType.User).Select(g => g.PrincipalId).ToList(), ct)).ToDictionary(u => u.Id);
        var groupNames = (await store.ListGroupsAsync(ct)).ToDictionary(g => g.Id, g => g.Name);
        return grants.Select(g => g.PrincipalType == PrincipalType.User
            ? new GrantView(g.Id, g.PrincipalType, g.PrincipalId, userRows.GetValueOrDefault(g.PrincipalId)?.UserName, g.Level, g.GrantedAt, manages ? userRows.GetValueOrDefault(g.PrincipalId)?.DisplayName : null)
            : new GrantView(g.Id, g.PrincipalType, g.PrincipalId, groupNames.GetValueOrDefault(g.PrincipalId), g.Level, g.GrantedAt)).ToList();
    }

    public async Task<GrantView> GrantAsync(string objectType, Guid objectId, PrincipalType principalType, Guid principalId, PermissionLevel level, CancellationToken ct)
    {
        var target = await GetObjectAsync(objectType, objectId, PermissionLevel.Manage, ct);
        if (!Enum.IsDefined(level))
        {
            throw new ValidationException("level", "The level must be Read, Write or Manage.") { MessageKey = "Error.GrantLevel" };
        }

        var principalName = principalType switch
        {
            PrincipalType.User => (await users.FindAsync(principalId, ct))?.UserName,
            PrincipalType.Group => (await store.FindGroupAsync(principalId, ct))?.Name,
            _ => null,
        } ?? throw new ValidationException("principalId", "No such user or group.") { MessageKey = "Error.NoSuchPrincipal" };
        if (principalType == PrincipalType.User && principalId == target.OwnerId)
        {
            throw new ValidationException("principalId", "The owner already has every right.") { MessageKey = "Error.GrantToOwner" };
        }

        var context = await access.RequireContextAsync(ct);
        var grant = await store.UpsertGrantAsync(
            new ObjectGrant { Id = Guid.CreateVersion7(time.GetUtcNow()), ObjectType = objectType, ObjectId = objectId, PrincipalType = principalType, PrincipalId = principalId, Level = level, GrantedBy = context.UserId, GrantedAt = time.GetUtcNow() },
            await audit.EntryAsync("grant.set", objectType, objectId, new { principalType, principalId, principal = principalName, level }, ct),
            ct);
        return new GrantView(grant.Id, principalType, principalId, principalName, grant.Level, grant.GrantedAt);
    }

    public async Task RevokeAsync(string objectType, Guid objectId, Guid grantId, CancellationToken ct)
    {
        await GetObjectAsync(objectType, objectId, PermissionLevel.Manage, ct);
        var grant = (await store.ListGrantsAsync(objectType, objectId, ct)).FirstOrDefault(g => g.Id == grantId) ?? throw new NotFoundException("Grant", grantId);
        var changes = new { grantId, principalType = grant.PrincipalType, principalId = grant.PrincipalId, level = grant.Level };
        if (!await store.RemoveGrantAsync(objectType, objectId, grantId, await audit.EntryAsync("grant.revoke", objectType, objectId, changes, ct), ct))
        {
            throw new NotFoundException("Grant", grantId);
        }
    }
}
