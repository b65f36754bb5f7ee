namespace AiPlatform.Core.Access;

/// <summary>
/// The current names of users, groups, roles and securable objects, so pages show names instead of ids. It checks
/// nothing itself: each service that uses it shows names only of what its own check already lets the caller see.
/// A key missing from the result no longer exists (or its kind has no lookup).
/// </summary>
public sealed class ObjectNames(IAccessStore store, IUserDirectory users, IEnumerable<ISecurableLookup> lookups)
{
    public async Task<IReadOnlyDictionary<EntityRef, string>> FindAsync(IEnumerable<EntityRef> keys, CancellationToken ct)
    {
        var wanted = keys.ToHashSet();
        var names = new Dictionary<EntityRef, string>();
        var userIds = wanted.Where(k => k.Type == EntityRef.User).Select(k => k.Id).ToList();
        if (userIds.Count > 0)
        {
            foreach (var user in await users.FindManyAsync(userIds, ct))
            {
                names[new EntityRef(EntityRef.User, user.Id)] = user.UserName;
            }
        }

        if (wanted.Any(k => k.Type == EntityRef.Group))
        {
            foreach (var group in await store.ListGroupsAsync(ct))
            {
                Add(names, wanted, new EntityRef(EntityRef.Group, group.Id), group.Name);
            }
        }

        if (wanted.Any(k => k.Type == EntityRef.Role))
        {
            foreach (var role in await store.ListRolesAsync(ct))
            {
                Add(names, wanted, new EntityRef(EntityRef.Role, role.Id), role.Name);
            }
        }

        foreach (var key in wanted.Where(k => k.Type is not (EntityRef.User or EntityRef.Group or EntityRef.Role)))
        {
            if (lookups.FirstOrDefault(l => l.ObjectType == key.Type) is { } lookup && await lookup.FindAsync(key.Id, ct) is { } found)
            {
                names[key] = found.Name;
            }
        }

        return names;
    }

    /// <summary>
    /// The names of securable objects the caller may read; <c>Hidden</c> for an object that exists but that the caller
    /// may not read (an administrator who manages users sees that a grant exists, not what the object is called).
    /// </summary>
    public async Task<IReadOnlyDictionary<EntityRef, (string? Name, bool Hidden)>> FindReadableAsync(IEnumerable<EntityRef> keys, AccessService access, CancellationToken ct)
    {
        var result = new Dictionary<EntityRef, (string? Name, bool Hidden)>();
        foreach (var key in keys.ToHashSet())
        {
            if (lookups.FirstOrDefault(l => l.ObjectType == key.Type) is { } lookup && await lookup.FindAsync(key.Id, ct) is { } found)
            {
                result[key] = await access.GetLevelAsync(found, ct) is null ? (null, true) : (found.Name, false);
            }
        }

        return result;
    }

    private static void Add(Dictionary<EntityRef, string> names, HashSet<EntityRef> wanted, EntityRef key, string name)
    {
        if (wanted.Contains(key))
        {
            names[key] = name;
        }
    }
}
