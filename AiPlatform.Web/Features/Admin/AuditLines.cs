using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.RegularExpressions;
using AiPlatform.Core.Access;
using AiPlatform.Core.Audit;
using AiPlatform.Web.Components.Shared;
using Microsoft.Extensions.Localization;

namespace AiPlatform.Web.Features.Admin;

/// <summary>One piece of an audit line: text, a name (bold), or a link to the object's page.</summary>
internal sealed record AuditPart(string Text, string? Href = null, bool Strong = false);

/// <summary>
/// Turns an audit entry into one readable line in the user's language ("alice granted Write on dataset churn to group
/// ml-team"): actors, objects and principals by their current name (a link where the object has a page), "(deleted)"
/// where they are gone, never a GUID or raw JSON. The JSON stays available as the entry's details.
/// </summary>
internal static partial class AuditLines
{
    /// <summary>Every action the platform records, for the action filter (an entry with another action still reads well).</summary>
    public static IReadOnlyList<string> Actions { get; } =
    [
        "app.create",
        "app.update",
        "app.delete",
        "app.draft.save",
        "app.publish",
        "app.restore",
        "app.rollback",
        "app.import",
        "app.key.create",
        "app.key.revoke",
        "app.run.cancel",
        "dataset.create",
        "dataset.delete",
        "dataset.update",
        "dataset.version.create",
        "dataset.version.profile",
        "datasource.create",
        "datasource.delete",
        "datasource.update",
        "datasource.import",
        "datasource.schedule.create",
        "datasource.schedule.delete",
        "endpoint.created",
        "endpoint.create",
        "endpoint.delete",
        "endpoint.canary",
        "endpoint.rollback",
        "endpoint.settings",
        "endpoint.failed",
        "endpoint.deploy",
        "endpoint.promote",
        "experiment.create",
        "experiment.purge",
        "experiment.rename",
        "experiment.tag.set",
        "experiment.tag.delete",
        "grant.set",
        "grant.revoke",
        "group.create",
        "group.delete",
        "group.member.add",
        "group.member.remove",
        "group.roles",
        "job.start",
        "job.cancel",
        "knowledge-base.create",
        "knowledge-base.delete",
        "knowledge-base.reindex",
        "knowledge-base.update",
        "knowledge-document.delete",
        "knowledge-document.reindex",
        "llm.model.add",
        "llm.model.update",
        "llm.provider.create",
        "llm.provider.delete",
        "llm.provider.update",
        "llm.quota.delete",
        "llm.quota.set",
        "model.alias",
        "model.alias.delete",
        "model.create",
        "model.delete",
        "model.stage",
        "model.tag.set",
        "model.tag.delete",
        "model.update",
        "model.version.create",
        "model.version.delete",
        "model.version.tag.set",
        "model.version.tag.delete",
        "model.version.update",
        "project.create",
        "project.delete",
        "project.update",
        "prompt-template.create",
        "prompt-template.delete",
        "prompt-template.update",
        "role.create",
        "role.delete",
        "role.update",
        "logged_model.create",
        "logged_model.finalize",
        "logged_model.delete",
        "logged_model.artifact.delete",
        "run.artifact.delete",
        "run.create",
        "run.inputs",
        "run.note",
        "run.tag.delete",
        "run.update",
        "traces.delete",
        "study.create",
        "study.cancel",
        "token.create",
        "token.issue",
        "token.revoke",
        "training.submit",
        "training.cancel",
        "training.code.upload",
        "user.create",
        "user.roles",
        "user.mfa.reset",
        "user.password.reset",
        "user.password.change",
        "user.mfa.enable",
        "user.mfa.disable",
        "user.mfa.recovery-codes",
        "user.disable",
        "user.enable",
        "user.bootstrap",
        "user.provision",
        "signin",
        "signin.failed",
        "signin.password-ok",
        "signout",
    ];

    /// <summary>The object types audit entries name, for the object-type filter.</summary>
    public static IReadOnlyList<string> Types { get; } = ["project", "dataset", "data-source", "experiment", "registered-model", "endpoint", "llm-model", "knowledge-base", "app", "user", "group", "role", "api-token", "job", "llm-provider", "llm-quota", "training-run", "study", "prompt-template"];

    /// <summary>Action prefixes that are not the object type's own name.</summary>
    private static readonly Dictionary<string, string> PrefixTypes = new(StringComparer.Ordinal)
    {
        ["datasource"] = SecurableTypes.DataSource,
        ["model"] = SecurableTypes.RegisteredModel,
        ["token"] = "api-token",
        ["training"] = "training-run",
        ["knowledge-document"] = SecurableTypes.KnowledgeBase,
        ["signin"] = EntityRef.User,
        ["signout"] = EntityRef.User,
        ["run"] = SecurableTypes.Experiment,
        ["logged_model"] = SecurableTypes.Experiment,
        ["traces"] = SecurableTypes.Experiment,
        ["grant"] = "grant",
        ["llm"] = "llm",
    };

    private static readonly HashSet<string> Resolvable = [.. SecurableTypes.All, EntityRef.User, EntityRef.Group, EntityRef.Role];

    private static readonly JsonSerializerOptions Pretty = new() { WriteIndented = true, Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>How the action filter names an action: "数据集：创建了" (its kind, then what was done).</summary>
    public static string ActionLabel(IStringLocalizer localizer, string action)
    {
        var verb = localizer[$"Audit.Verb.{action}"];
        if (verb.ResourceNotFound)
        {
            return action;
        }

        var prefix = action.Split('.')[0];
        var type = action.StartsWith("llm.", StringComparison.Ordinal) ? "llm-" + action.Split('.')[1] : PrefixTypes.GetValueOrDefault(prefix, prefix);
        var typeLabel = localizer[$"Audit.Type.{type}"];
        return typeLabel.ResourceNotFound ? verb.Value : $"{typeLabel.Value} · {verb.Value}";
    }

    public static IReadOnlyList<AuditPart> Of(IStringLocalizer localizer, AuditEntry entry, IReadOnlyDictionary<EntityRef, string> names)
    {
        var summary = AuditReferences.Summary(entry);
        var actor = Actor(localizer, entry, names);
        var target = Target(localizer, entry, summary, names);
        var specific = localizer[$"Audit.Line.{entry.Action}"];
        if (!specific.ResourceNotFound && Extras(localizer, entry, summary, names) is { } extras)
        {
            return Compose(localizer[$"Audit.Line.{entry.Action}"].Value, [actor, target, .. extras]);
        }

        var verb = localizer[$"Audit.Verb.{entry.Action}"];
        return Compose(localizer["Audit.Line"].Value, [actor, new AuditPart(verb.ResourceNotFound ? entry.Action : verb.Value), target]);
    }

    /// <summary>The summary as indented JSON (Chinese and other text unescaped), or null when the entry has none.</summary>
    public static string? Details(AuditEntry entry) =>
        AuditReferences.Summary(entry) is { } summary ? JsonSerializer.Serialize(summary, Pretty) : entry.Summary;

    private static AuditPart Actor(IStringLocalizer localizer, AuditEntry entry, IReadOnlyDictionary<EntityRef, string> names)
    {
        if (entry.ActorId is not { } id)
        {
            return new AuditPart(entry.ActorName == "system" ? localizer["Audit.System"].Value : entry.ActorName, Strong: true);
        }

        return names.TryGetValue(new EntityRef(EntityRef.User, id), out var current)
            ? new AuditPart(current, AccessLabels.Href(EntityRef.User, id), Strong: true)
            : new AuditPart(entry.ActorName, Strong: true);
    }

    /// <summary>"dataset churn": the kind and current name; the recorded name and "(deleted)" once it is gone.</summary>
    private static AuditPart Target(IStringLocalizer localizer, AuditEntry entry, JsonElement? summary, IReadOnlyDictionary<EntityRef, string> names)
    {
        var type = AccessLabels.Type(localizer, entry.ObjectType);
        string name;
        string? href = null;
        if (Guid.TryParse(entry.ObjectId, out var id))
        {
            if (names.TryGetValue(new EntityRef(entry.ObjectType, id), out var current))
            {
                name = current;
                href = AccessLabels.Href(entry.ObjectType, id);
            }
            else if (Resolvable.Contains(entry.ObjectType))
            {
                name = RecordedName(summary) is { } recorded ? $"{recorded} {localizer["Access.Deleted"].Value}" : AccessLabels.Deleted(localizer, id);
            }
            else
            {
                name = RecordedName(summary) ?? AccessLabels.ShortId(id);
                href = AccessLabels.Href(entry.ObjectType, id);
            }
        }
        else
        {
            name = entry.ObjectId ?? RecordedName(summary) ?? string.Empty;
        }

        return new AuditPart(string.IsNullOrEmpty(name) ? type : localizer["Audit.ObjectRef", type, name].Value, href);
    }

    /// <summary>The arguments after actor and object that an action's own line needs; null to fall back to the generic line.</summary>
    private static IReadOnlyList<AuditPart>? Extras(IStringLocalizer localizer, AuditEntry entry, JsonElement? summary, IReadOnlyDictionary<EntityRef, string> names)
    {
        switch (entry.Action)
        {
            case "grant.set" or "grant.revoke":
                if (summary is not { } grant || Level(grant) is not { } level)
                {
                    return null;
                }

                var principal = AuditReferences.Principal(grant);
                var recorded = grant.TryGetProperty("principal", out var p) && p.ValueKind == JsonValueKind.String ? p.GetString() : null;
                if (principal is null && recorded is null)
                {
                    return null;
                }

                return [new AuditPart(localizer.EnumName(level)), Principal(localizer, principal, recorded, names)];
            case "group.member.add" or "group.member.remove":
                return summary is { } member && member.TryGetProperty("userId", out var u) && u.ValueKind == JsonValueKind.String && u.TryGetGuid(out var userId)
                    ? [Principal(localizer, new EntityRef(EntityRef.User, userId), null, names)]
                    : null;
            case "user.roles" or "group.roles":
                if (summary is not { } assignment || !assignment.TryGetProperty("roles", out var roles) || roles.ValueKind != JsonValueKind.Array)
                {
                    return null;
                }

                var labels = roles.EnumerateArray()
                    .Select(r => r.ValueKind == JsonValueKind.String && r.TryGetGuid(out var roleId) ? names.TryGetValue(new EntityRef(EntityRef.Role, roleId), out var roleName) ? RoleLabels.Of(localizer, roleId, roleName) : AccessLabels.Deleted(localizer, roleId) : r.ToString())
                    .ToList();
                return [new AuditPart(labels.Count == 0 ? localizer["Audit.NoRoles"].Value : string.Join(", ", labels))];
            default:
                return [];
        }
    }

    /// <summary>A user or group by current name ("group ml-team"); by the recorded name, or "(deleted)", once it is gone.</summary>
    private static AuditPart Principal(IStringLocalizer localizer, EntityRef? key, string? recorded, IReadOnlyDictionary<EntityRef, string> names)
    {
        var type = key?.Type ?? EntityRef.User;
        var typeLabel = AccessLabels.Type(localizer, type);
        if (key is { } k && names.TryGetValue(k, out var current))
        {
            return new AuditPart(localizer["Audit.ObjectRef", typeLabel, current].Value, AccessLabels.Href(k.Type, k.Id));
        }

        var name = recorded is not null
            ? key is null ? recorded : $"{recorded} {localizer["Access.Deleted"].Value}"
            : AccessLabels.Deleted(localizer, key!.Value.Id);
        return new AuditPart(localizer["Audit.ObjectRef", typeLabel, name].Value);
    }

    private static PermissionLevel? Level(JsonElement summary)
    {
        if (!summary.TryGetProperty("level", out var level))
        {
            return null;
        }

        if (level.ValueKind == JsonValueKind.Number && Enum.IsDefined((PermissionLevel)level.GetInt32()))
        {
            return (PermissionLevel)level.GetInt32();
        }

        return level.ValueKind == JsonValueKind.String && Enum.TryParse<PermissionLevel>(level.GetString(), true, out var parsed) ? parsed : null;
    }

    /// <summary>The name the entry recorded for its object (<c>name</c>, <c>userName</c>, <c>title</c>, <c>fileName</c>), if any.</summary>
    private static string? RecordedName(JsonElement? summary)
    {
        if (summary is not { ValueKind: JsonValueKind.Object } s)
        {
            return null;
        }

        foreach (var property in s.EnumerateObject())
        {
            if (property.Name is "name" or "Name" or "userName" or "UserName" or "title" or "Title" && property.Value.ValueKind == JsonValueKind.String)
            {
                return property.Value.GetString();
            }
        }

        return null;
    }

    /// <summary>Splits a localized format ("{0} granted {2} on {1} to {3}") into text and the arguments' parts.</summary>
    private static List<AuditPart> Compose(string format, IReadOnlyList<AuditPart> arguments)
    {
        var parts = new List<AuditPart>();
        var at = 0;
        foreach (Match match in Placeholder().Matches(format))
        {
            if (match.Index > at)
            {
                parts.Add(new AuditPart(format[at..match.Index]));
            }

            var index = int.Parse(match.Groups[1].Value, System.Globalization.CultureInfo.InvariantCulture);
            if (index < arguments.Count)
            {
                parts.Add(arguments[index]);
            }

            at = match.Index + match.Length;
        }

        if (at < format.Length)
        {
            parts.Add(new AuditPart(format[at..]));
        }

        return parts;
    }

    [GeneratedRegex(@"\{(\d+)\}")]
    private static partial Regex Placeholder();
}
