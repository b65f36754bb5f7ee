namespace AiPlatform.Core.Storage;

/// <summary>
/// Blob storage (local folder or S3/MinIO). Content is streamed, never held whole in memory.
/// Writes are atomic: an object is either absent or complete under its key.
/// </summary>
public interface IObjectStore
{
    /// <summary>Short name of the adapter, e.g. <c>FileSystem</c> or <c>Minio</c>.</summary>
    string Provider { get; }

    /// <summary>Writes content under a temporary key and returns its size and SHA-256.</summary>
    /// <param name="length">The content length when known; lets S3 upload in small parts.</param>
    Task<StagedObject> StageAsync(Stream content, long? length, string? contentType, CancellationToken ct);

    /// <summary>
    /// Stages a local file the caller hands over (it is moved or deleted): a local store renames it instead of copying.
    /// <paramref name="sha256"/> is the content hash the caller already computed.
    /// </summary>
    Task<StagedObject> StageFileAsync(string path, string sha256, string? contentType, CancellationToken ct);

    /// <summary>Moves staged content to its final key, replacing any object there, in one step.</summary>
    Task<StoredObject> CommitAsync(StagedObject staged, ObjectKey key, CancellationToken ct);

    /// <summary>Deletes staged content that will not be committed.</summary>
    Task DiscardAsync(StagedObject staged, CancellationToken ct);

    /// <summary>Opens an object for reading; throws <see cref="ObjectNotFoundException"/> when absent.</summary>
    Task<Stream> OpenReadAsync(ObjectKey key, CancellationToken ct);

    Task<StoredObject?> StatAsync(ObjectKey key, CancellationToken ct);

    /// <summary>Objects whose key starts with <paramref name="prefix"/> (all when empty), staging area included.</summary>
    IAsyncEnumerable<StoredObject> ListAsync(string prefix, CancellationToken ct);

    /// <summary>Deletes an object; false when there was none.</summary>
    Task<bool> DeleteAsync(ObjectKey key, CancellationToken ct);

    /// <summary>The object's file when the store keeps objects on the local disk (so engines can read it in place); otherwise null.</summary>
    string? GetLocalPath(ObjectKey key);

    /// <summary>Throws when the store cannot be reached or written.</summary>
    Task CheckHealthAsync(CancellationToken ct);
}
