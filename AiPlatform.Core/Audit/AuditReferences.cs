using System.Text.Json;
using AiPlatform.Core.Access;

namespace AiPlatform.Core.Audit;

/// <summary>
/// The users, groups, roles and objects an audit entry refers to by id: its object, its actor, and in its summary
/// <c>userId</c>, <c>roles</c> and <c>principalType</c>/<c>principalId</c>.
/// </summary>
public static class AuditReferences
{
    public static IEnumerable<EntityRef> Of(AuditEntry entry)
    {
        if (Guid.TryParse(entry.ObjectId, out var objectId))
        {
            yield return new EntityRef(entry.ObjectType, objectId);
        }

        if (entry.ActorId is { } actor)
        {
            yield return new EntityRef(EntityRef.User, actor);
        }

        if (Summary(entry) is not { ValueKind: JsonValueKind.Object } summary)
        {
            yield break;
        }

        if (GuidOf(summary, "userId") is { } user)
        {
            yield return new EntityRef(EntityRef.User, user);
        }

        if (Principal(summary) is { } principal)
        {
            yield return principal;
        }

        if (summary.TryGetProperty("roles", out var roles) && roles.ValueKind == JsonValueKind.Array)
        {
            foreach (var role in roles.EnumerateArray())
            {
                if (role.ValueKind == JsonValueKind.String && role.TryGetGuid(out var roleId))
                {
                    yield return new EntityRef(EntityRef.Role, roleId);
                }
            }
        }
    }

    /// <summary>The entry's summary as JSON, or null when it has none or it is not JSON.</summary>
    public static JsonElement? Summary(AuditEntry entry)
    {
        if (string.IsNullOrWhiteSpace(entry.Summary))
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(entry.Summary);
            return document.RootElement.Clone();
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>The user or group of a summary's <c>principalType</c> (number or name) and <c>principalId</c>.</summary>
    public static EntityRef? Principal(JsonElement summary)
    {
        if (GuidOf(summary, "principalId") is not { } id || !summary.TryGetProperty("principalType", out var type))
        {
            return null;
        }

        var isGroup = type.ValueKind == JsonValueKind.Number ? type.GetInt32() == (int)PrincipalType.Group
            : string.Equals(type.GetString(), nameof(PrincipalType.Group), StringComparison.OrdinalIgnoreCase);
        return new EntityRef(isGroup ? EntityRef.Group : EntityRef.User, id);
    }

    private static Guid? GuidOf(JsonElement summary, string property) =>
        summary.TryGetProperty(property, out var value) && value.ValueKind == JsonValueKind.String && value.TryGetGuid(out var id) ? id : null;
}
