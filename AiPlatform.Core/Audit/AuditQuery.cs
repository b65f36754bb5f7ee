using AiPlatform.Core.Common;

namespace AiPlatform.Core.Audit;

public sealed record AuditQuery(
    string? Search = null,
    string? Action = null,
    string? ObjectType = null,
    string? ObjectId = null,
    Guid? ActorId = null,
    DateTimeOffset? From = null,
    DateTimeOffset? To = null,
    PageRequest? Page = null);
