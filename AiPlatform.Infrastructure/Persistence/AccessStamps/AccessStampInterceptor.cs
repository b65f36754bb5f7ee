using System.Data.Common;
using System.Runtime.CompilerServices;
using AiPlatform.Core.Access;
using AiPlatform.Infrastructure.Identity;
using Microsoft.AspNetCore.Identity;
using Microsoft.EntityFrameworkCore;
using Microsoft.EntityFrameworkCore.ChangeTracking;
using Microsoft.EntityFrameworkCore.Diagnostics;

namespace AiPlatform.Infrastructure.Persistence.AccessStamps;

/// <summary>
/// Keeps the access caches of all nodes honest. A save that adds, changes or removes something access depends on (users,
/// tokens, roles, role assignments, groups, members, grants, external logins and claims) also writes a new random value
/// into the access stamp row, in the same save, so other nodes' pollers see the change once it is committed; after the
/// save (and again after the commit of a surrounding transaction) it empties this node's cache at once. Changes that do
/// not affect access are left out, so a wrong password (the failed-attempt counter) or a token's last use does not empty
/// everybody's cache; the attempt that locks the account out does (it sets the lockout end).
/// </summary>
internal sealed class AccessStampInterceptor(AccessCache cache) : ISaveChangesInterceptor, IDbTransactionInterceptor
{
    private static readonly HashSet<string> IgnoredUserProperties =
    [
        nameof(PlatformUser.AccessFailedCount), nameof(PlatformUser.ConcurrencyStamp), nameof(PlatformUser.PreferredCulture),
        nameof(PlatformUser.DarkMode), nameof(PlatformUser.ChecklistDismissed),
    ];

    /// <summary>Contexts that saved an access change inside a transaction not yet committed.</summary>
    private readonly ConditionalWeakTable<DbContext, object> _pendingCommit = [];

    /// <summary>Contexts whose current save carries an access change.</summary>
    private readonly ConditionalWeakTable<DbContext, object> _saving = [];

    private readonly Lock _lastWrittenLock = new();
    private Guid _lastWritten;

    /// <summary>
    /// The stamp this node wrote last. The poller need not empty the cache again for it: this node empties it itself after
    /// the commit, and whatever another node committed before (its row write came first) is visible by then.
    /// </summary>
    public Guid LastWritten
    {
        get
        {
            lock (_lastWrittenLock)
            {
                return _lastWritten;
            }
        }
    }

    public InterceptionResult<int> SavingChanges(DbContextEventData eventData, InterceptionResult<int> result)
    {
        Stamp(eventData.Context);
        return result;
    }

    public ValueTask<InterceptionResult<int>> SavingChangesAsync(DbContextEventData eventData, InterceptionResult<int> result, CancellationToken cancellationToken = default)
    {
        Stamp(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public int SavedChanges(SaveChangesCompletedEventData eventData, int result)
    {
        Saved(eventData.Context);
        return result;
    }

    public ValueTask<int> SavedChangesAsync(SaveChangesCompletedEventData eventData, int result, CancellationToken cancellationToken = default)
    {
        Saved(eventData.Context);
        return ValueTask.FromResult(result);
    }

    public void SaveChangesFailed(DbContextErrorEventData eventData) => Forget(eventData.Context);

    public Task SaveChangesFailedAsync(DbContextErrorEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(eventData.Context);
        return Task.CompletedTask;
    }

    public void SaveChangesCanceled(DbContextEventData eventData) => Forget(eventData.Context);

    public Task SaveChangesCanceledAsync(DbContextEventData eventData, CancellationToken cancellationToken = default)
    {
        Forget(eventData.Context);
        return Task.CompletedTask;
    }

    public void TransactionCommitted(DbTransaction transaction, TransactionEndEventData eventData) => Committed(eventData.Context);

    public Task TransactionCommittedAsync(DbTransaction transaction, TransactionEndEventData eventData, CancellationToken cancellationToken = default)
    {
        Committed(eventData.Context);
        return Task.CompletedTask;
    }

    /// <summary>Whether the tracked changes touch anything an access check reads.</summary>
    internal static bool ChangesAccess(ChangeTracker tracker)
    {
        foreach (var entry in tracker.Entries())
        {
            if (entry.State is not (EntityState.Added or EntityState.Modified or EntityState.Deleted) || !IsAccessEntity(entry.Entity))
            {
                continue;
            }

            if (entry is { State: EntityState.Added, Entity: ApiToken })
            {
                // Nothing cached depends on a token that did not exist (failed lookups are never kept), and any signed-in
                // user may create tokens: a create + revoke loop must not empty every node's cache at each create.
                continue;
            }

            if (entry.State != EntityState.Modified || entry.Entity switch
                {
                    // Identity's update marks every column modified: compare values (its users are always loaded, so the originals are real).
                    PlatformUser => entry.Properties.Any(p => p.IsModified && !IgnoredUserProperties.Contains(p.Metadata.Name) && !Equals(p.OriginalValue, p.CurrentValue)),
                    ApiToken => entry.Properties.Any(p => p.IsModified && p.Metadata.Name != nameof(ApiToken.LastUsedAt)),
                    _ => true,
                })
            {
                return true;
            }
        }

        return false;
    }

    private static bool IsAccessEntity(object entity) =>
        entity is PlatformUser or ApiToken or ObjectGrant or RoleAssignment or Role or Group or GroupMember or IdentityUserLogin<Guid> or IdentityUserClaim<Guid>;

    private void Stamp(DbContext? context)
    {
        if (context is null || !ChangesAccess(context.ChangeTracker))
        {
            return;
        }

        var stamp = context.Set<AccessStamp>().Local.FirstOrDefault(s => s.Id == AccessStamp.RowId);
        if (stamp is null)
        {
            stamp = new AccessStamp { Id = AccessStamp.RowId };
            context.Attach(stamp);
        }

        // A random value, not a counter: writers on two nodes never need to read it first and never write the same value.
        stamp.Stamp = Guid.NewGuid();
        lock (_lastWrittenLock)
        {
            _lastWritten = stamp.Stamp;
        }

        context.Entry(stamp).Property(s => s.Stamp).IsModified = true;
        _saving.AddOrUpdate(context, this);
    }

    private void Saved(DbContext? context)
    {
        if (context is null || !_saving.Remove(context))
        {
            return;
        }

        cache.Invalidate();
        if (context.Database.CurrentTransaction is not null)
        {
            // Until the commit other requests still read the old rows: empty the cache again once they are gone.
            _pendingCommit.AddOrUpdate(context, this);
        }
    }

    private void Committed(DbContext? context)
    {
        if (context is not null && _pendingCommit.Remove(context))
        {
            cache.Invalidate();
        }
    }

    private void Forget(DbContext? context)
    {
        if (context is not null)
        {
            _saving.Remove(context);
        }
    }
}
