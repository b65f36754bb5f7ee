namespace AiPlatform.Core.Storage;

/// <summary>What the object store knows about one object.</summary>
public sealed record StoredObject(ObjectKey Key, long Size, DateTimeOffset LastModified, string? ContentType = null, string? Sha256 = null);
