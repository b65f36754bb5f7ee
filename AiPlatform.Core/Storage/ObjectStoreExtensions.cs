namespace AiPlatform.Core.Storage;

public static class ObjectStoreExtensions
{
    /// <summary>The folder of the staging area; keys there belong to writes in progress.</summary>
    public const string StagingPrefix = "_staging";

    /// <summary>Stages then commits, for writes that have no metadata row to keep in step.</summary>
    public static async Task<StoredObject> PutAsync(this IObjectStore store, ObjectKey key, Stream content, long? length, string? contentType, CancellationToken ct)
    {
        var staged = await store.StageAsync(content, length, contentType, ct);
        try
        {
            return await store.CommitAsync(staged, key, ct);
        }
        catch
        {
            await store.DiscardAsync(staged, CancellationToken.None);
            throw;
        }
    }

    /// <summary>Stages a local file (handing it over to the store) then commits it under the key.</summary>
    public static async Task<StoredObject> PutFileAsync(this IObjectStore store, ObjectKey key, string path, string sha256, string? contentType, CancellationToken ct)
    {
        var staged = await store.StageFileAsync(path, sha256, contentType, ct);
        try
        {
            return await store.CommitAsync(staged, key, ct);
        }
        catch
        {
            await store.DiscardAsync(staged, CancellationToken.None);
            throw;
        }
    }

    public static ObjectKey NewStagingKey() => ObjectKey.Create(StagingPrefix, Guid.NewGuid().ToString("N"));
}
