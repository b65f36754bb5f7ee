using AiPlatform.Core.Access;
using Microsoft.Extensions.Localization;

namespace AiPlatform.Web.Features.Admin;

/// <summary>How a role is named in the UI: a built-in role by its localized label where the resources have one, any other by its stored name.</summary>
internal static class RoleLabels
{
    public static string Of(IStringLocalizer localizer, Role role)
    {
        if (!role.IsSystem)
        {
            return role.Name;
        }

        var label = localizer[$"Roles.Builtin.{role.Name.Replace(" ", string.Empty, StringComparison.Ordinal)}"];
        return label.ResourceNotFound ? role.Name : label.Value;
    }

    /// <summary>The label of a role id among the loaded roles; an id not (yet) among them shows nothing rather than a GUID.</summary>
    public static string Of(IStringLocalizer localizer, IEnumerable<Role> roles, Guid id) =>
        roles.FirstOrDefault(r => r.Id == id) is { } role ? Of(localizer, role) : string.Empty;
}
