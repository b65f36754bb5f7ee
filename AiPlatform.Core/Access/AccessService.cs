namespace AiPlatform.Core.Access;

/// <summary>
/// The one place that answers "may the caller do this?". Contexts and grants come from the node's
/// <see cref="AccessCache"/>; a request or Blazor circuit keeps its context while the cache's generation stands, so a
/// revoked role or grant takes effect on the next check. With the cache turned off the context is read from the
/// database at most every two seconds per request or circuit.
/// </summary>
public sealed class AccessService(ICurrentUser currentUser, IAccessStore store, AccessCache cache, TimeProvider time)
{
    private static readonly TimeSpan UncachedContextLifetime = TimeSpan.FromSeconds(2);
    private AccessContext? _context;
    private Guid? _contextUser;
    private long _generation;
    private DateTimeOffset _loadedAt;

    /// <summary>The caller's context, or null for anonymous or system callers.</summary>
    public async Task<AccessContext?> FindContextAsync(CancellationToken ct)
    {
        var caller = await currentUser.GetAsync(ct);
        if (caller is null)
        {
            return null;
        }

        var generation = cache.Generation;
        if (_context is null || _contextUser != caller.Id || _generation != generation
            || (!cache.Enabled && time.GetUtcNow() - _loadedAt > UncachedContextLifetime))
        {
            _context = await cache.GetContextAsync(caller.Id, store.LoadContextAsync, ct);
            _contextUser = caller.Id;
            _generation = generation;
            _loadedAt = time.GetUtcNow();
        }

        return _context;
    }

    /// <summary>The caller's context; throws when nobody (or a disabled user) is signed in.</summary>
    public async Task<AccessContext> RequireContextAsync(CancellationToken ct) =>
        await FindContextAsync(ct) ?? throw new ForbiddenException("Sign in as an active user to do this.") { MessageKey = "Error.SignInRequired" };

    /// <summary>An active user's context (null when they are disabled or deleted), from this node's cache: e.g. the user an app runs as.</summary>
    public ValueTask<AccessContext?> FindActiveUserAsync(Guid userId, CancellationToken ct) => cache.GetContextAsync(userId, store.LoadContextAsync, ct);

    /// <summary>Forgets the cached context, e.g. after the caller changed their own roles.</summary>
    public void Invalidate() => _context = null;

    public async Task<bool> HasCapabilityAsync(string capability, CancellationToken ct) =>
        (await FindContextAsync(ct))?.Has(capability) == true;

    public async Task<AccessContext> RequireCapabilityAsync(string capability, CancellationToken ct)
    {
        var context = await RequireContextAsync(ct);
        if (!context.Has(capability))
        {
            throw new ForbiddenException($"This needs the capability '{capability}'.") { MessageKey = "Error.NeedsCapability", MessageArguments = [capability] };
        }

        await RequireWritableCallerAsync(ct);
        return context;
    }

    /// <summary>The caller's level on an object: Manage for its owner and for holders of objects.manage-all, else the best grant.</summary>
    public async Task<PermissionLevel?> GetLevelAsync(string objectType, Guid objectId, Guid ownerId, CancellationToken ct)
    {
        var context = await FindContextAsync(ct);
        if (context is null)
        {
            return null;
        }

        if (context.UserId == ownerId || context.SeesEverything)
        {
            return PermissionLevel.Manage;
        }

        PermissionLevel? best = null;
        foreach (var grant in await cache.GetGrantsAsync(objectType, objectId, LoadGrantsAsync, ct))
        {
            var holds = grant.PrincipalType == PrincipalType.User ? grant.PrincipalId == context.UserId : context.GroupIds.Contains(grant.PrincipalId);
            if (holds && (best is null || grant.Level > best))
            {
                best = grant.Level;
            }
        }

        return best;
    }

    private async Task<GrantHolder[]?> LoadGrantsAsync((string Type, Guid Id) target, CancellationToken ct) =>
        (await store.ListGrantsAsync(target.Type, target.Id, ct)).Select(g => new GrantHolder(g.PrincipalType, g.PrincipalId, g.Level)).ToArray();

    /// <summary>
    /// Throws <see cref="Common.NotFoundException"/> when the caller may not read the object (it does not exist for them)
    /// and <see cref="ForbiddenException"/> when they may read it but not at <paramref name="required"/>.
    /// </summary>
    public async Task<PermissionLevel> RequireLevelAsync(string objectType, Guid objectId, Guid ownerId, PermissionLevel required, CancellationToken ct) =>
        await RequireFoundLevelAsync(objectType, objectId, await GetLevelAsync(objectType, objectId, ownerId, ct), required, ct);

    /// <summary>The caller's level on an object that may inherit from a parent: the better of its own and the parent's.</summary>
    public async Task<PermissionLevel?> GetLevelAsync(SecurableObject target, CancellationToken ct)
    {
        var own = await GetLevelAsync(target.ObjectType, target.Id, target.OwnerId, ct);
        if (own == PermissionLevel.Manage || target.Parent is null)
        {
            return own;
        }

        var inherited = await GetLevelAsync(target.Parent, ct);
        return own is null ? inherited : inherited is null ? own : (PermissionLevel)Math.Max((int)own, (int)inherited);
    }

    /// <inheritdoc cref="RequireLevelAsync(string, Guid, Guid, PermissionLevel, CancellationToken)"/>
    public async Task<PermissionLevel> RequireLevelAsync(SecurableObject target, PermissionLevel required, CancellationToken ct) =>
        await RequireFoundLevelAsync(target.ObjectType, target.Id, await GetLevelAsync(target, ct), required, ct);

    /// <summary>Checks a level the caller already computed (null: the object is invisible to the caller).</summary>
    public async Task<PermissionLevel> RequireFoundLevelAsync(string objectType, Guid objectId, PermissionLevel? found, PermissionLevel required, CancellationToken ct)
    {
        var level = found ?? throw new Common.NotFoundException(objectType, objectId);
        if (level < required)
        {
            throw new ForbiddenException($"This needs {required} permission on the {objectType}.") { MessageKey = $"Error.NeedsLevel.{required}" };
        }

        if (required > PermissionLevel.Read)
        {
            await RequireWritableCallerAsync(ct);
        }

        return level;
    }

    private async Task RequireWritableCallerAsync(CancellationToken ct)
    {
        if ((await currentUser.GetAsync(ct))?.ReadOnly == true)
        {
            throw new ForbiddenException("This token may only read.") { MessageKey = "Error.TokenReadOnly" };
        }
    }
}
