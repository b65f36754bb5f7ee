namespace AiPlatform.Core.Access;

/// <summary>
/// The one place that answers "may the caller do this?". The context is loaded from the database at most
/// every two seconds per request or Blazor circuit, so a revoked role or grant takes effect on the next request.
/// </summary>
public sealed class AccessService(ICurrentUser currentUser, IAccessStore store, TimeProvider time)
{
    private static readonly TimeSpan ContextLifetime = TimeSpan.FromSeconds(2);
    private AccessContext? _context;
    private Guid? _contextUser;
    private DateTimeOffset _loadedAt;

    /// <summary>The caller's context, or null for anonymous or system callers.</summary>
    public async Task<AccessContext?> FindContextAsync(CancellationToken ct)
    {
        var caller = await currentUser.GetAsync(ct);
        if (caller is null)
        {
            return null;
        }

        if (_context is null || _contextUser != caller.Id || time.GetUtcNow() - _loadedAt > ContextLifetime)
        {
            _context = await store.LoadContextAsync(caller.Id, ct);
            _contextUser = caller.Id;
            _loadedAt = time.GetUtcNow();
        }

        return _context;
    }

    /// <summary>The caller's context; throws when nobody (or a disabled user) is signed in.</summary>
    public async Task<AccessContext> RequireContextAsync(CancellationToken ct) =>
        await FindContextAsync(ct) ?? throw new ForbiddenException("Sign in as an active user to do this.") { MessageKey = "Error.SignInRequired" };

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

        return await store.GetGrantedLevelAsync(context, objectType, objectId, ct);
    }

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
