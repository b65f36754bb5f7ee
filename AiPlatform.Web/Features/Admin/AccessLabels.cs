using AiPlatform.Core.Access;
using Microsoft.Extensions.Localization;

namespace AiPlatform.Web.Features.Admin;

/// <summary>How access pages name capabilities, object types and objects: in the user's language, by name, never by GUID.</summary>
internal static class AccessLabels
{
    /// <summary>A capability's localized name (<c>Capability.&lt;name&gt;</c>), or its code when the resources have none.</summary>
    public static string Capability(IStringLocalizer localizer, string capability) => Or(localizer[$"Capability.{capability}"], capability);

    /// <summary>What a capability allows, in one localized line (empty when the resources have none).</summary>
    public static string CapabilityDescription(IStringLocalizer localizer, string capability) => Or(localizer[$"Capability.{capability}.Description"], string.Empty);

    /// <summary>The localized kind of an object ("dataset", "数据集"), or its code.</summary>
    public static string Type(IStringLocalizer localizer, string objectType) => Or(localizer[$"Audit.Type.{objectType}"], objectType);

    /// <summary>The first eight hex digits of an id: enough to tell deleted things apart, short enough to read.</summary>
    public static string ShortId(Guid id) => id.ToString("N")[..8];

    /// <summary>"(deleted) 1a2b3c4d": what a principal or object that no longer exists shows instead of its name.</summary>
    public static string Deleted(IStringLocalizer localizer, Guid id) => localizer["Access.DeletedRef", ShortId(id)];

    /// <summary>The page of an object, where the platform has one.</summary>
    public static string? Href(string objectType, Guid id) => objectType switch
    {
        SecurableTypes.Project => $"/projects/{id}",
        SecurableTypes.Dataset => $"/datasets/{id}",
        SecurableTypes.DataSource => $"/data-sources/{id}",
        SecurableTypes.Experiment => $"/experiments/{id}",
        SecurableTypes.RegisteredModel => $"/models/{id}",
        SecurableTypes.Endpoint => $"/endpoints/{id}",
        SecurableTypes.KnowledgeBase => $"/knowledge/{id}",
        SecurableTypes.App => $"/apps/{id}",
        "training-run" => $"/training/{id}",
        "study" => $"/studies/{id}",
        "job" => $"/jobs/{id}",
        EntityRef.User => $"/admin/users/{id}",
        EntityRef.Group => "/admin/groups",
        EntityRef.Role => "/admin/roles",
        _ => null,
    };

    private static string Or(LocalizedString label, string fallback) => label.ResourceNotFound ? fallback : label.Value;
}
