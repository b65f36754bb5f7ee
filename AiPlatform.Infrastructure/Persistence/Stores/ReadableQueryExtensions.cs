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

    /// <summary>Experiments the context may read: its own, granted on the experiment, or readable through the project.</summary>
    public static IQueryable<Core.Tracking.Experiment> ReadableExperiments(this IQueryable<Core.Tracking.Experiment> experiments, PlatformDbContext db, AccessContext context)
    {
        if (context.SeesEverything)
        {
            return experiments;
        }

        var userId = context.UserId;
        var groupIds = context.GroupIds.ToList();
        var grants = db.Grants.Where(g => (g.PrincipalType == PrincipalType.User && g.PrincipalId == userId) || (g.PrincipalType == PrincipalType.Group && groupIds.Contains(g.PrincipalId)));
        var grantedExperiments = grants.Where(g => g.ObjectType == SecurableTypes.Experiment).Select(g => g.ObjectId);
        var grantedProjects = grants.Where(g => g.ObjectType == SecurableTypes.Project).Select(g => g.ObjectId);
        return experiments.Where(e => e.OwnerId == userId || grantedExperiments.Contains(e.Id)
            || db.Projects.Any(p => p.Id == e.ProjectId && (p.OwnerId == userId || grantedProjects.Contains(p.Id))));
    }
}
