namespace AiPlatform.Core.Data;

/// <summary>The version an upload produced, or the existing version with the same content (<see cref="Created"/> false).</summary>
public sealed record UploadResult(DatasetVersion Version, bool Created);
