namespace AiPlatform.Core.Storage;

/// <summary>
/// Content written to a temporary key, not yet visible under its final key. Commit it after the
/// metadata row that refers to it is saved; discard it if that fails.
/// </summary>
public sealed record StagedObject(ObjectKey TemporaryKey, long Size, string Sha256, string? ContentType);
