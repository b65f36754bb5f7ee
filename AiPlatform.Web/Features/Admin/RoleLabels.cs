using AiPlatform.Core.Access;
using Microsoft.Extensions.Localization;

namespace AiPlatform.Web.Features.Admin;

/// <summary>How a role is named in the UI: a built-in role by its localized label where the resources have one, any other by its stored name.</summary>
internal static class RoleLabels
{
    public static string Of(IStringLocalizer localizer, Role role) => Of(localizer, role.Name, role.IsSystem);

    /// <summary>A role the user holds, with the group it comes through: "数据分析师 (ml-team)".</summary>
    public static string Of(IStringLocalizer localizer, RoleSource source)
    {
        var name = Of(localizer, source.RoleName, source.IsSystem);
        return source.ViaGroup is null ? name : $"{name} ({source.ViaGroup})";
    }

    public static string Of(IStringLocalizer localizer, string name, bool isSystem)
    {
        if (!isSystem)
        {
            return name;
        }

        var label = localizer[$"Roles.Builtin.{name.Replace(" ", string.Empty, StringComparison.Ordinal)}"];
        return label.ResourceNotFound ? name : label.Value;
    }

    /// <summary>A role by id and stored name, as audit entries and grants refer to it: built-in roles are known by their fixed ids.</summary>
    public static string Of(IStringLocalizer localizer, Guid id, string name) =>
        Of(localizer, name, SystemRoles.Templates.Keys.Any(n => SystemRoles.IdOf(n) == id));

    /// <summary>The label of a role id among the loaded roles; an id not (yet) among them shows nothing rather than a GUID.</summary>
    public static string Of(IStringLocalizer localizer, IEnumerable<Role> roles, Guid id) =>
        roles.FirstOrDefault(r => r.Id == id) is { } role ? Of(localizer, role) : string.Empty;
}
