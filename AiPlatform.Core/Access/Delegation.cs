namespace AiPlatform.Core.Access;

/// <summary>
/// Nobody hands out more than they hold: giving or taking away a role, a group membership or a role's capabilities
/// needs every capability involved (an Admin excepted), and only an Admin deals in <see cref="Capabilities.ObjectsManageAll"/>.
/// </summary>
internal static class Delegation
{
    public static void Require(AccessContext context, string subject, string name, IEnumerable<string> capabilities)
    {
        if (context.IsAdmin)
        {
            return;
        }

        var involved = capabilities.Distinct(StringComparer.Ordinal).ToList();
        if (involved.Contains(Capabilities.ObjectsManageAll, StringComparer.Ordinal))
        {
            throw new ForbiddenException($"Only an Admin can give or take away {subject}: it includes '{Capabilities.ObjectsManageAll}'.")
            {
                MessageKey = "Error.DelegationAdminOnly",
                MessageArguments = [name, Capabilities.ObjectsManageAll],
            };
        }

        var missing = involved.Where(c => !context.Has(c)).Order(StringComparer.Ordinal).ToList();
        if (missing.Count > 0)
        {
            throw new ForbiddenException($"You cannot give or take away {subject}: it has capabilities you do not hold ({string.Join(", ", missing)}).")
            {
                MessageKey = "Error.DelegationMissing",
                MessageArguments = [name, string.Join(", ", missing)],
            };
        }
    }

    /// <summary>Roles added or removed by replacing <paramref name="before"/> with <paramref name="after"/>.</summary>
    public static IEnumerable<Guid> Changed(IEnumerable<Guid> before, IEnumerable<Guid> after)
    {
        var old = before.ToHashSet();
        var now = after.ToHashSet();
        return old.Except(now).Concat(now.Except(old));
    }
}
