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

    public async Task<IReadOnlyList<GrantView>> ListAsync(string objectType, Guid objectId, CancellationToken ct)
    {
        await GetObjectAsync(objectType, objectId, PermissionLevel.Read, ct);
        var grants = await store.ListGrantsAsync(objectType, objectId, ct);
        var userNames = (await users.FindManyAsync(grants.Where(g => g.PrincipalType == PrincipalType.User).Select(g => g.PrincipalId).ToList(), ct)).ToDictionary(u => u.Id, u => u.UserName);
        var groupNames = (await store.ListGroupsAsync(ct)).ToDictionary(g => g.Id, g => g.Name);
        return grants.Select(g => new GrantView(
            g.Id, g.PrincipalType, g.PrincipalId,
            (g.PrincipalType == PrincipalType.User ? userNames.GetValueOrDefault(g.PrincipalId) : groupNames.GetValueOrDefault(g.PrincipalId)) ?? g.PrincipalId.ToString(),
            g.Level, g.GrantedAt)).ToList();
    }

    public async Task<GrantView> GrantAsync(string objectType, Guid objectId, PrincipalType principalType, Guid principalId, PermissionLevel level, CancellationToken ct)
    {
        var target = await GetObjectAsync(objectType, objectId, PermissionLevel.Manage, ct);
        if (!Enum.IsDefined(level))
        {
            throw new ValidationException("level", "The level must be Read, Write or Manage.");
        }

        var principalName = principalType switch
        {
            PrincipalType.User => (await users.FindAsync(principalId, ct))?.UserName,
            PrincipalType.Group => (await store.FindGroupAsync(principalId, ct))?.Name,
            _ => null,
        } ?? throw new ValidationException("principalId", "No such user or group.");
        if (principalType == PrincipalType.User && principalId == target.OwnerId)
        {
            throw new ValidationException("principalId", "The owner already has every right.");
        }

        var context = await access.RequireContextAsync(ct);
        var grant = await store.UpsertGrantAsync(
            new ObjectGrant { Id = Guid.CreateVersion7(time.GetUtcNow()), ObjectType = objectType, ObjectId = objectId, PrincipalType = principalType, PrincipalId = principalId, Level = level, GrantedBy = context.UserId, GrantedAt = time.GetUtcNow() },
            await audit.EntryAsync("grant.set", objectType, objectId, new { principalType, principal = principalName, level }, ct),
            ct);
        return new GrantView(grant.Id, principalType, principalId, principalName, grant.Level, grant.GrantedAt);
    }

    public async Task RevokeAsync(string objectType, Guid objectId, Guid grantId, CancellationToken ct)
    {
        await GetObjectAsync(objectType, objectId, PermissionLevel.Manage, ct);
        if (!await store.RemoveGrantAsync(objectType, objectId, grantId, await audit.EntryAsync("grant.revoke", objectType, objectId, new { grantId }, ct), ct))
        {
            throw new NotFoundException("Grant", grantId);
        }
    }
}
