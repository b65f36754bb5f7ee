using AiPlatform.Core.Access;

namespace AiPlatform.Infrastructure.Persistence.Stores;

/// <summary>
/// The per-object read filter as SQL: owner, or a grant to the user or one of the user's groups. Holders of
/// objects.manage-all get no filter. Every securable list goes through this, so nothing is filtered after loading.
/// </summary>
internal static class ReadableQueryExtensions
{
    public static IQueryable<T> Readable<T>(this IQueryable<T> query, PlatformDbContext db, AccessContext context, string objectType)
        where T : class, IOwnedObject
    {
        if (context.SeesEverything)
        {
            return query;
        }

        var userId = context.UserId;
        var groupIds = context.GroupIds.ToList();
        var granted = db.Grants
            .Where(g => g.ObjectType == objectType
                && ((g.PrincipalType == PrincipalType.User && g.PrincipalId == userId) || (g.PrincipalType == PrincipalType.Group && groupIds.Contains(g.PrincipalId))))
            .Select(g => g.ObjectId);
        return query.Where(o => o.OwnerId == userId || granted.Contains(o.Id));
    }
}
