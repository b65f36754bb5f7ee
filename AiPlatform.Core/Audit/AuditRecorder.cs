using System.Text.Json;
using System.Text.Json.Nodes;
using AiPlatform.Core.Access;

namespace AiPlatform.Core.Audit;

/// <summary>Builds audit entries for the current caller, masking secrets in the change summary.</summary>
public sealed class AuditRecorder(ICurrentUser currentUser, TimeProvider time)
{
    private static readonly string[] SecretMarkers = ["password", "secret", "token", "apikey", "api_key", "credential", "privatekey"];

    public async Task<AuditEntry> EntryAsync(string action, string objectType, object? objectId, object? changes, CancellationToken ct)
    {
        var caller = await currentUser.GetAsync(ct);
        return new AuditEntry
        {
            At = time.GetUtcNow(),
            ActorId = caller?.Id,
            ActorName = caller?.UserName ?? "system",
            Action = action,
            ObjectType = objectType,
            ObjectId = objectId?.ToString(),
            Summary = changes is null ? null : Mask(JsonSerializer.SerializeToNode(changes, JsonSerializerOptions.Web))?.ToJsonString(),
            ClientIp = currentUser.ClientIp,
            CorrelationId = currentUser.CorrelationId,
        };
    }

    /// <summary>Replaces the value of every property whose name looks secret with <c>***</c>, at any depth.</summary>
    public static JsonNode? Mask(JsonNode? node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj.ToList())
                {
                    if (value is not null && SecretMarkers.Any(m => key.Replace("-", string.Empty).Contains(m, StringComparison.OrdinalIgnoreCase)))
                    {
                        obj[key] = "***";
                    }
                    else
                    {
                        Mask(value);
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array)
                {
                    Mask(item);
                }

                break;
        }

        return node;
    }
}
